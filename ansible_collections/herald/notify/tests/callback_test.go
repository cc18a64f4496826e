// Package tests runs real ansible-playbook runs (Debian's ansible-core) with
// the herald.notify.herald callback against a real Herald, and checks what
// Herald recorded and what a webhook receiver got. They live beside the
// collection, as DESIGN.md puts each integration's tests; Go drives them
// because Herald, its test harness and `herald run` are Go.
package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// repoRoot holds ansible_collections/: what ANSIBLE_COLLECTIONS_PATH names.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", ".."))
}()

const wait = 60 * time.Second

var (
	buildOnce sync.Once
	heraldBin string
	buildErr  error
)

// herald builds the herald binary once, for herald run and herald flush.
func herald(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "herald-ansible-")
		if err != nil {
			buildErr = err
			return
		}
		heraldBin = filepath.Join(dir, "herald")
		cmd := exec.Command("go", "build", "-o", heraldBin, "./cmd/herald")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return heraldBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if heraldBin != "" {
		os.RemoveAll(filepath.Dir(heraldBin))
	}
	os.Exit(code)
}

func needAnsible(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-playbook not found: CI must install Debian's ansible-core (apt-get install -y ansible-core)")
		}
		t.Skip("ansible-playbook not found: apt-get install -y ansible-core")
	}
}

// world is one Herald with a webhook receiver, shared by the cases (each
// has its own job template and notifiers).
type world struct {
	s       *heraldtest.Server
	token   string // an API token: a password costs a bcrypt per request
	project int64
	hooks   *receiver
}

type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got map[string][]map[string]any // by path
}

func newWorld(t *testing.T) *world {
	t.Helper()
	needAnsible(t)
	w := &world{s: heraldtest.Start(t, heraldtest.Options{})}
	org := heraldtest.ID(w.s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	w.project = heraldtest.ID(w.s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Playbooks", "organization": org}))
	w.token, _ = w.s.Must(http.StatusCreated, "POST", "/api/v1/tokens/", map[string]any{"description": "ansible tests"})["token"].(string)
	rc := &receiver{got: map[string][]map[string]any{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(wr http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(data, &m)
		rc.mu.Lock()
		rc.got[r.URL.Path] = append(rc.got[r.URL.Path], m)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	w.hooks = rc
	return w
}

func (rc *receiver) bodies(path string) []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.got[path]...)
}

// scene is one case: a job template named after the test, with a webhook
// for each of its end, error and changed lists.
type scene struct {
	*world
	t        *testing.T
	name     string
	template int64
	dir      string
	state    string // XDG_STATE_HOME: the spool's home
}

func (w *world) scene(t *testing.T) *scene {
	t.Helper()
	sc := &scene{world: w, t: t, name: t.Name(), dir: t.TempDir()}
	sc.state = filepath.Join(sc.dir, "state")
	sc.template = heraldtest.ID(w.s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/",
		map[string]any{"name": sc.name, "project": w.project, "playbook": "site.yml"}))
	org := int64(1)
	for _, list := range []string{"any", "changed", "error"} {
		body := map[string]any{"name": sc.name + " " + list, "organization": org, "notification_type": "webhook",
			"notification_configuration": map[string]any{"url": sc.hookURL(list)}}
		if list == "error" {
			// What AWX users have asked for: which host failed which task, and why.
			body["messages"] = map[string]any{"error": map[string]any{
				"body": `{"text": "{% for f in job.failures %}{{ f.host }} failed '{{ f.task }}': {{ f.msg }}{% if not loop.last %}; {% endif %}{% endfor %}"}`}}
		}
		n := heraldtest.ID(w.s.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", body))
		w.s.Must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_%s/", sc.template, list), map[string]any{"id": n})
	}
	return sc
}

func (sc *scene) hookURL(list string) string {
	return sc.hooks.URL + "/" + strings.NewReplacer("/", "_", " ", "_").Replace(sc.name) + "/" + list
}

func (sc *scene) hookPath(list string) string {
	return strings.TrimPrefix(sc.hookURL(list), sc.hooks.URL)
}

// write puts a file in the scene's directory and returns its path.
func (sc *scene) write(name, content string) string {
	sc.t.Helper()
	p := filepath.Join(sc.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		sc.t.Fatal(err)
	}
	return p
}

// localInventory has hosts that run on this machine, and optionally one
// that cannot be reached (ssh to a closed port).
func (sc *scene) inventory(unreachable bool) string {
	inv := "[web]\nweb1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\nweb2 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
	if unreachable {
		inv += "down ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=" + closedPort(sc.t) +
			" ansible_user=nobody ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 -o BatchMode=yes'\n"
	}
	return sc.write("hosts.ini", inv)
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// env is a clean environment for ansible-playbook: none of the caller's
// ANSIBLE_ or HERALD_ settings, a home of its own, and kv on top.
func (sc *scene) env(plugin bool, kv ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ANSIBLE_") && !strings.HasPrefix(e, "HERALD_") && !strings.HasPrefix(e, "HOME=") && !strings.HasPrefix(e, "XDG_") {
			env = append(env, e)
		}
	}
	home := filepath.Join(sc.dir, "home")
	os.MkdirAll(home, 0o700)
	env = append(env, "HOME="+home, "XDG_STATE_HOME="+sc.state, "ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"), "ANSIBLE_RETRY_FILES_ENABLED=False")
	if plugin {
		env = append(env, "ANSIBLE_COLLECTIONS_PATH="+repoRoot, "ANSIBLE_CALLBACKS_ENABLED=herald.notify.herald",
			"HERALD_URL="+sc.s.URL, "HERALD_TOKEN="+sc.token, "HERALD_JOB_TEMPLATE="+sc.name,
			// Far above what Herald takes here, even under -race on a loaded
			// machine: only the cases of a Herald away may use it up.
			"HERALD_TIMEOUT=300")
	}
	return append(env, kv...)
}

type run struct {
	code           int
	stdout, stderr string
}

// playbook runs ansible-playbook on the scene's playbook and inventory.
func (sc *scene) playbook(env []string, args ...string) run {
	sc.t.Helper()
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Dir, cmd.Env = sc.dir, env
	return sc.wait(cmd)
}

func (sc *scene) wait(cmd *exec.Cmd) run {
	sc.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		sc.t.Fatalf("%s: %v", cmd.Path, err)
	}
	return r
}

// jobs are the template's jobs, oldest first.
func (sc *scene) jobs() []map[string]any {
	sc.t.Helper()
	page := sc.s.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/?job_template=%d&order_by=id", sc.template), nil)
	var out []map[string]any
	for _, r := range page["results"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// onlyJob requires exactly one job, finished, and returns it.
func (sc *scene) onlyJob(r run) map[string]any {
	sc.t.Helper()
	jobs := sc.jobs()
	if len(jobs) != 1 {
		sc.t.Fatalf("%d jobs, want 1: %v\nstdout:\n%s\nstderr:\n%s", len(jobs), jobs, r.stdout, r.stderr)
	}
	return jobs[0]
}

// hooked waits until the receiver has want bodies at list's hook, and a
// moment more for one too many, and returns them.
func (sc *scene) hooked(list string, want int) []map[string]any {
	sc.t.Helper()
	path := sc.hookPath(list)
	if !heraldtest.Eventually(sc.t, wait, func() bool { return len(sc.hooks.bodies(path)) >= want }) {
		sc.t.Fatalf("%s: %d webhook calls, want %d", list, len(sc.hooks.bodies(path)), want)
	}
	// Every notification of the job is written with its status change, so
	// once the job's are all delivered none can come later.
	job := sc.jobs()
	for _, j := range job {
		id := heraldtest.ID(j)
		heraldtest.Eventually(sc.t, wait, func() bool {
			ns := sc.s.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/notifications/", id), nil)["results"].([]any)
			for _, n := range ns {
				if n.(map[string]any)["status"] == "pending" {
					return false
				}
			}
			return true
		})
	}
	got := sc.hooks.bodies(path)
	if len(got) != want {
		sc.t.Fatalf("%s: %d webhook calls, want %d: %v", list, len(got), want, got)
	}
	return got
}

func host(j map[string]any, name string) map[string]any {
	h, _ := j["hosts"].(map[string]any)[name].(map[string]any)
	return h
}

func failures(j map[string]any) []map[string]any {
	var out []map[string]any
	for _, f := range j["failures"].([]any) {
		out = append(out, f.(map[string]any))
	}
	return out
}

// awxHost is a host's result as AWX shows it.
func awxHost(failed bool, changed, dark, failures, ok, skipped, rescued, ignored int) map[string]any {
	return map[string]any{"failed": failed, "changed": float64(changed), "dark": float64(dark), "failures": float64(failures),
		"ok": float64(ok), "processed": 1.0, "skipped": float64(skipped), "rescued": float64(rescued), "ignored": float64(ignored)}
}

const unchangedPlay = `- hosts: all
  gather_facts: false
  tasks:
    - name: Look around
      command: "true"
      changed_when: false
    - name: Skip this
      command: "true"
      when: false
`

func TestCallback(t *testing.T) {
	w := newWorld(t)
	cases := map[string]func(t *testing.T, w *world){
		"EveryHostOK":      testEveryHostOK,
		"OneHostFailed":    testOneHostFailed,
		"OneUnreachable":   testOneUnreachable,
		"RescuedIgnored":   testRescuedAndIgnored,
		"Changed":          testChanged,
		"CheckMode":        testCheckMode,
		"HeraldDown":       testHeraldDown,
		"UnderHeraldRun":   testUnderHeraldRun,
		"CtrlC":            testCtrlC,
		"WrongCredentials": testWrongCredentials,
		"HeraldHangs":      testHeraldHangs,
		"NoLog":            testNoLog,
		"IntoAGivenJob":    testIntoAGivenJob,
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, w)
		})
	}
}

func testEveryHostOK(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", unchangedPlay)
	r := sc.playbook(sc.env(true), "-i", sc.inventory(false), "site.yml")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	if j["status"] != "successful" || j["started"] == nil || j["finished"] == nil || j["result_traceback"] != "" {
		t.Errorf("job %v", j)
	}
	want := awxHost(false, 0, 0, 0, 1, 1, 0, 0)
	for _, h := range []string{"web1", "web2"} {
		if !reflect.DeepEqual(host(j, h), want) {
			t.Errorf("%s: %v, want %v", h, host(j, h), want)
		}
	}
	counts := j["host_status_counts"].(map[string]any)
	if counts["ok"] != 2.0 || counts["skipped"] != 2.0 || counts["processed"] != 2.0 || counts["failed"] != 0.0 || counts["changed"] != 0.0 {
		t.Errorf("host_status_counts %v", counts)
	}
	if len(failures(j)) != 0 {
		t.Errorf("failures %v", j["failures"])
	}
	body := sc.hooked("any", 1)[0]
	if body["status"] != "successful" || !reflect.DeepEqual(body["hosts"], j["hosts"]) {
		t.Errorf("webhook body %v", body)
	}
	sc.hooked("changed", 0) // nothing changed: the changed trigger stays quiet
	sc.hooked("error", 0)
}

func testOneHostFailed(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", `- hosts: all
  gather_facts: false
  tasks:
    - name: Install nginx
      fail:
        msg: "No package matching 'ngnix' is available"
      when: inventory_hostname == 'web1'
    - name: Carry on
      command: "true"
      changed_when: false
`)
	r := sc.playbook(sc.env(true), "-i", sc.inventory(false), "site.yml")
	if r.code != 2 {
		t.Fatalf("exit %d, want ansible's 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	if j["status"] != "failed" || j["failed"] != true {
		t.Errorf("job %v", j)
	}
	if got, want := host(j, "web1"), awxHost(true, 0, 0, 1, 0, 0, 0, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("web1 %v, want %v", got, want)
	}
	if got, want := host(j, "web2"), awxHost(false, 0, 0, 0, 1, 1, 0, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("web2 %v, want %v", got, want)
	}
	want := []map[string]any{{"host": "web1", "task": "Install nginx", "action": "ansible.builtin.fail", "msg": "No package matching 'ngnix' is available"}}
	if !reflect.DeepEqual(failures(j), want) {
		t.Errorf("failures %v, want %v", failures(j), want)
	}
	if got := sc.hooked("error", 1)[0]["text"]; got != "web1 failed 'Install nginx': No package matching 'ngnix' is available" {
		t.Errorf("the error message says %q", got)
	}
	sc.hooked("any", 1)
}

func testOneUnreachable(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", unchangedPlay)
	r := sc.playbook(sc.env(true), "-i", sc.inventory(true), "site.yml")
	if r.code != 4 {
		t.Fatalf("exit %d, want ansible's 4 (unreachable)\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	if j["status"] != "failed" {
		t.Errorf("job %v", j)
	}
	if got, want := host(j, "down"), awxHost(true, 0, 1, 0, 0, 0, 0, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("down %v, want %v", got, want)
	}
	if h := host(j, "web1"); h["failed"] != false || h["ok"] != 1.0 {
		t.Errorf("web1 %v", h)
	}
	fs := failures(j)
	if len(fs) != 1 || fs[0]["host"] != "down" || fs[0]["task"] != "Look around" || !strings.Contains(fs[0]["msg"].(string), "ssh") {
		t.Errorf("failures %v", fs)
	}
	if counts := j["host_status_counts"].(map[string]any); counts["dark"] != 1.0 || counts["failed"] != 1.0 || counts["processed"] != 3.0 {
		t.Errorf("host_status_counts %v", counts)
	}
}

func testRescuedAndIgnored(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", `- hosts: web1
  gather_facts: false
  tasks:
    - name: Try
      block:
        - name: Break
          command: "false"
      rescue:
        - name: Mend
          command: "true"
          changed_when: false
    - name: Shrug
      command: "false"
      changed_when: false
      ignore_errors: true
`)
	r := sc.playbook(sc.env(true), "-i", sc.inventory(false), "site.yml")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	if j["status"] != "successful" || len(failures(j)) != 0 {
		t.Errorf("status %v failures %v", j["status"], j["failures"])
	}
	if got, want := host(j, "web1"), awxHost(false, 0, 0, 0, 2, 0, 1, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("web1 %v, want %v", got, want)
	}
	sc.hooked("error", 0)
}

// changePlay writes a file on the hosts: a change the first time.
func changePlay(dest string) string {
	return fmt.Sprintf(`- hosts: web1
  gather_facts: false
  tasks:
    - name: Configure
      copy:
        content: "managed by ansible\n"
        dest: %s
`, dest)
}

func testChanged(t *testing.T, w *world) {
	sc := w.scene(t)
	dest := filepath.Join(sc.dir, "managed.conf")
	sc.write("site.yml", changePlay(dest))
	inv := sc.inventory(false)
	for i, wantChanged := range []float64{1, 0} { // the second run finds nothing to do
		r := sc.playbook(sc.env(true), "-i", inv, "site.yml")
		if r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		j := sc.jobs()[i]
		if host(j, "web1")["changed"] != wantChanged || j["host_status_counts"].(map[string]any)["changed"] != wantChanged {
			t.Errorf("run %d: %v", i, j)
		}
		sc.hooked("any", i+1)
		// Only the run that changed something fires the changed trigger.
		got := sc.hooked("changed", 1)
		if got[0]["id"] != j["id"] && i == 0 {
			t.Errorf("the changed notification is of job %v, want %v", got[0]["id"], j["id"])
		}
	}
}

func testCheckMode(t *testing.T, w *world) {
	sc := w.scene(t)
	dest := filepath.Join(sc.dir, "managed.conf")
	sc.write("site.yml", changePlay(dest))
	r := sc.playbook(sc.env(true), "-i", sc.inventory(false), "--check", "site.yml")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(dest); err == nil {
		t.Fatal("check mode changed the host")
	}
	j := sc.onlyJob(r)
	if j["status"] != "successful" || host(j, "web1")["changed"] != 1.0 || !strings.Contains(j["job_explanation"].(string), "check mode") {
		t.Errorf("job %v", j)
	}
	// Drift: check mode predicts a change, which is what the changed trigger is for.
	sc.hooked("changed", 1)
}

// Herald down for the whole run: the playbook prints and exits exactly as
// without the plugin, and the report reaches Herald after herald flush.
func testHeraldDown(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", `- hosts: all
  gather_facts: false
  tasks:
    - name: Install nginx
      fail:
        msg: "No package matching 'ngnix' is available"
      when: inventory_hostname == 'web2'
`)
	inv := sc.inventory(false)
	// One fork: the hosts' lines come in the same order every run.
	without := sc.playbook(sc.env(false), "-i", inv, "--forks", "1", "site.yml")
	down := "http://127.0.0.1:" + closedPort(t)
	start := time.Now()
	with := sc.playbook(sc.env(true, "HERALD_URL="+down, "HERALD_TIMEOUT=10"), "-i", inv, "--forks", "1", "site.yml")
	took := time.Since(start)
	if with.code != without.code || with.stdout != without.stdout {
		t.Fatalf("with the plugin and Herald down: exit %d, stdout\n%s\nwithout the plugin: exit %d, stdout\n%s", with.code, with.stdout, without.code, without.stdout)
	}
	if !strings.Contains(with.stderr, "herald") {
		t.Errorf("no warning on stderr: %q", with.stderr)
	}
	t.Logf("the run with Herald down took %s", took)
	if len(sc.jobs()) != 0 {
		t.Fatal("a job reached Herald while it was down")
	}
	flush := exec.Command(herald(t), "flush")
	flush.Env = sc.env(true)
	if r := sc.wait(flush); r.code != 0 || !strings.Contains(r.stdout, "3 report(s) sent") {
		t.Fatalf("herald flush: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(with)
	if j["status"] != "failed" || host(j, "web2")["failed"] != true || len(failures(j)) != 1 || failures(j)[0]["host"] != "web2" {
		t.Errorf("the flushed job %v", j)
	}
	if got := sc.hooked("error", 1)[0]["text"]; got != "web2 failed 'Install nginx': No package matching 'ngnix' is available" {
		t.Errorf("the error message says %q", got)
	}
}

// herald run -- ansible-playbook with the plugin enabled: one job, with the
// playbook's hosts and failures.
func testUnderHeraldRun(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", `- hosts: all
  gather_facts: false
  tasks:
    - name: Install nginx
      fail:
        msg: "No package matching 'ngnix' is available"
      when: inventory_hostname == 'web2'
`)
	cmd := exec.Command(herald(t), "run", "--template", sc.name, "--", "ansible-playbook", "-i", sc.inventory(false), "site.yml")
	cmd.Dir, cmd.Env = sc.dir, sc.env(true)
	r := sc.wait(cmd)
	if r.code != 2 {
		t.Fatalf("exit %d, want the playbook's 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	if j["status"] != "failed" || host(j, "web2")["failed"] != true || host(j, "web1")["skipped"] != 1.0 || len(failures(j)) != 1 {
		t.Errorf("job %v", j)
	}
	if !strings.Contains(j["result_traceback"].(string), "exit code 2") {
		t.Errorf("result_traceback %q", j["result_traceback"])
	}
	sc.hooked("any", 1)
	sc.hooked("error", 1)
}

// Ctrl-C: SIGINT to ansible-playbook → the job is canceled, and the exit
// status is ansible's own (99).
func testCtrlC(t *testing.T, w *world) {
	sc := w.scene(t)
	marker := filepath.Join(sc.dir, "started")
	sc.write("site.yml", fmt.Sprintf(`- hosts: web1
  gather_facts: false
  tasks:
    - name: Say so
      command: touch %s
    - name: Take long
      command: sleep 60
`, marker))
	cmd := exec.Command("ansible-playbook", "-i", sc.inventory(false), "site.yml")
	cmd.Dir, cmd.Env = sc.dir, sc.env(true)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !heraldtest.Eventually(t, wait, func() bool {
		_, err := os.Stat(marker)
		js := sc.jobs()
		return err == nil && len(js) == 1 && js[0]["status"] == "running"
	}) {
		cmd.Process.Kill()
		t.Fatalf("the playbook did not get going:\n%s", out.String())
	}
	time.Sleep(500 * time.Millisecond) // into the long task
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 99 {
		t.Fatalf("ansible-playbook ended with %v, want exit 99\n%s", err, out.String())
	}
	j := sc.onlyJob(run{stdout: out.String()})
	if j["status"] != "canceled" {
		t.Errorf("job %v", j)
	}
	sc.hooked("error", 1)
}

// A wrong password or an unknown template: a warning, the playbook as ever.
func testWrongCredentials(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", unchangedPlay)
	inv := sc.inventory(false)
	for _, kv := range [][]string{{"HERALD_TOKEN=", "HERALD_USERNAME=admin", "HERALD_PASSWORD=wrong-password"}, {"HERALD_JOB_TEMPLATE=No such template"}} {
		r := sc.playbook(sc.env(true, kv...), "-i", inv, "site.yml")
		if r.code != 0 || !strings.Contains(r.stderr, "herald") || !strings.Contains(r.stdout, "PLAY RECAP") {
			t.Errorf("%s: exit %d\n%s%s", kv, r.code, r.stdout, r.stderr)
		}
	}
	if len(sc.jobs()) != 0 {
		t.Errorf("jobs %v", sc.jobs())
	}
}

// A Herald that accepts connections and never answers: the plugin gives up
// within HERALD_TIMEOUT in all, spools the three reports, and the playbook
// ends as ever.
func testHeraldHangs(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", unchangedPlay)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	r := sc.playbook(sc.env(true, "HERALD_URL=http://"+ln.Addr().String(), "HERALD_TIMEOUT=1"), "-i", sc.inventory(false), "site.yml")
	if r.code != 0 || !strings.Contains(r.stdout, "PLAY RECAP") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	tried := len(conns)
	mu.Unlock()
	if tried != 1 {
		t.Errorf("the plugin tried %d times; after one timeout it should keep the rest for later", tried)
	}
	names, _ := filepath.Glob(filepath.Join(sc.state, "herald", "spool", "*.json"))
	if len(names) != 3 {
		t.Fatalf("%d reports spooled, want 3 (launch, running, end)", len(names))
	}
	flush := exec.Command(herald(t), "flush")
	flush.Env = sc.env(true)
	if fr := sc.wait(flush); fr.code != 0 {
		t.Fatalf("herald flush: exit %d\n%s%s", fr.code, fr.stdout, fr.stderr)
	}
	if j := sc.onlyJob(r); j["status"] != "successful" || host(j, "web1")["ok"] != 1.0 {
		t.Errorf("job %v", j)
	}
}

// HERALD_JOB_ID without herald run: the plugin reports into that job and
// launches none.
func testIntoAGivenJob(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", unchangedPlay)
	id := heraldtest.ID(sc.s.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", sc.template), map[string]any{}))
	r := sc.playbook(sc.env(true, "HERALD_JOB_TEMPLATE=", fmt.Sprintf("HERALD_JOB_ID=%d", id)), "-i", sc.inventory(false), "site.yml")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	if heraldtest.ID(j) != id || j["status"] != "successful" || host(j, "web2")["ok"] != 1.0 {
		t.Errorf("job %v", j)
	}
}

// A no_log task's failure reaches Herald censored, as every callback gets it.
func testNoLog(t *testing.T, w *world) {
	sc := w.scene(t)
	sc.write("site.yml", `- hosts: web1
  gather_facts: false
  tasks:
    - name: Log in
      fail:
        msg: "password s3cret-value refused"
      no_log: true
`)
	r := sc.playbook(sc.env(true), "-i", sc.inventory(false), "site.yml")
	if r.code != 2 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	j := sc.onlyJob(r)
	fs := failures(j)
	if len(fs) != 1 || fs[0]["task"] != "Log in" {
		t.Fatalf("failures %v", fs)
	}
	data, _ := json.Marshal(j)
	body, _ := json.Marshal(sc.hooked("error", 1))
	if strings.Contains(string(data)+string(body), "s3cret-value") {
		t.Errorf("a no_log secret reached Herald: %s", fs[0]["msg"])
	}
}
