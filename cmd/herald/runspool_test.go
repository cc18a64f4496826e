package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// runFixture is a server with one job template, and the environment herald
// run and herald flush read.
type runFixture struct {
	s   *heraldtest.Server
	env map[string]string
}

func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	s := heraldtest.Start(t, heraldtest.Options{})
	s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Cron", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Nightly backup", "project": 1})
	return &runFixture{s: s, env: map[string]string{
		"HERALD_URL": s.URL, "HERALD_USERNAME": "admin", "HERALD_PASSWORD": heraldtest.AdminPassword, "XDG_STATE_HOME": t.TempDir(),
		"HERALD_TIMEOUT": "300s", // far above what Herald takes, even under -race on a loaded machine
	}}
}

// run runs a herald subcommand in-process with the fixture's environment
// changed by kv pairs; it returns the exit status and what went to stderr.
func (f *runFixture) run(t *testing.T, args []string, kv ...string) (int, string) {
	t.Helper()
	env := map[string]string{}
	for k, v := range f.env {
		env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return exitCode(err, &stderr), stdout.String() + stderr.String()
}

func (f *runFixture) jobs(t *testing.T) []any {
	t.Helper()
	return f.s.Must(http.StatusOK, "GET", "/api/v1/jobs/?order_by=id", nil)["results"].([]any)
}

func (f *runFixture) spooled(t *testing.T) int {
	t.Helper()
	names, err := (&spool{dir: filepath.Join(f.env["XDG_STATE_HOME"], "herald", "spool")}).names()
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "http://" + ln.Addr().String()
}

// Herald's trouble never stops the command nor changes its exit status.
func TestRunAlwaysRunsTheCommand(t *testing.T) {
	f := newRunFixture(t)
	down := closedURL(t)
	for _, tt := range []struct {
		name string
		kv   []string
		warn string
	}{
		{"herald down", []string{"HERALD_URL", down}, "did not take the report"},
		{"wrong password", []string{"HERALD_PASSWORD", "not-the-password"}, "401"},
		{"unknown template", []string{"HERALD_TEMPLATE", "No such template"}, "no job_template named"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "ran")
			args := []string{"run", "--", "sh", "-c", "touch " + marker + "; exit 5"}
			kv := append([]string{"HERALD_TEMPLATE", "Nightly backup"}, tt.kv...)
			code, out := f.run(t, args, kv...)
			if code != 5 {
				t.Fatalf("exit %d, want the command's 5; output %s", code, out)
			}
			if _, err := os.Stat(marker); err != nil {
				t.Fatalf("the command did not run: %v", err)
			}
			if !strings.Contains(out, tt.warn) {
				t.Errorf("no warning with %q: %s", tt.warn, out)
			}
		})
	}
	if code, out := f.run(t, []string{"run", "--template", "Nightly backup", "--", "/no/such/command"}); code != 127 {
		t.Errorf("a command that cannot start: exit %d, want 127 (%s)", code, out)
	}
	jobs := f.jobs(t)
	if last := jobs[len(jobs)-1].(map[string]any); last["status"] != "error" || !strings.Contains(last["job_explanation"].(string), "could not be started") {
		t.Errorf("the job of a command that cannot start: %v", last)
	}
}

// When Herald is down for a whole run, the launch and every report wait in
// the spool and reach Herald, in order, with herald flush: one job a run.
func TestRunSpoolsWhileHeraldIsDown(t *testing.T) {
	f := newRunFixture(t)
	down := closedURL(t)
	for i, script := range []string{"echo first", "echo second >&2; exit 3"} {
		if code, out := f.run(t, []string{"run", "--template", "Nightly backup", "--", "sh", "-c", script}, "HERALD_URL", down); code != 3*i {
			t.Fatalf("run %d: exit %d (%s)", i, code, out)
		}
	}
	if n := f.spooled(t); n != 6 {
		t.Fatalf("%d reports spooled, want 6 (launch, running, end, twice)", n)
	}
	if len(f.jobs(t)) != 0 {
		t.Fatal("a job reached a Herald that was down")
	}
	// A wrong password keeps them all.
	if code, out := f.run(t, []string{"flush"}, "HERALD_PASSWORD", "wrong-password"); code != 1 || f.spooled(t) != 6 {
		t.Fatalf("flush with a wrong password: exit %d, %d left (%s)", code, f.spooled(t), out)
	}
	if code, out := f.run(t, []string{"flush"}); code != 0 || !strings.Contains(out, "6 report(s) sent") {
		t.Fatalf("flush: exit %d: %s", code, out)
	}
	jobs := f.jobs(t)
	if len(jobs) != 2 {
		t.Fatalf("%d jobs after the flush, want 2: %v", len(jobs), jobs)
	}
	first, second := jobs[0].(map[string]any), jobs[1].(map[string]any)
	if first["status"] != "successful" || second["status"] != "failed" || !strings.Contains(second["result_traceback"].(string), "second") {
		t.Errorf("jobs in order: %v / %v", first, second)
	}
	// The times are the run's, not the flush's.
	if first["started"] == nil || first["finished"].(string) >= second["started"].(string) {
		t.Errorf("times: first %v–%v, second %v", first["started"], first["finished"], second["started"])
	}
	if f.spooled(t) != 0 {
		t.Error("the spool is not empty after a flush")
	}
	// Flushing again sends nothing more.
	if code, _ := f.run(t, []string{"flush"}); code != 0 || len(f.jobs(t)) != 2 {
		t.Error("a second flush changed something")
	}
}

// The next herald run sends what an earlier one kept, before its own.
func TestRunSendsTheSpoolFirst(t *testing.T) {
	f := newRunFixture(t)
	f.run(t, []string{"run", "--template", "Nightly backup", "--", "true"}, "HERALD_URL", closedURL(t))
	if code, out := f.run(t, []string{"run", "--template", "Nightly backup", "--", "true"}); code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	jobs := f.jobs(t)
	if len(jobs) != 2 || f.spooled(t) != 0 {
		t.Fatalf("%d jobs, %d spooled", len(jobs), f.spooled(t))
	}
	for _, j := range jobs {
		if j.(map[string]any)["status"] != "successful" {
			t.Errorf("job %v", j)
		}
	}
}

// The command learns its job and where Herald is, never the password.
func TestRunChildEnvironment(t *testing.T) {
	f := newRunFixture(t)
	t.Setenv("HERALD_PASSWORD", heraldtest.AdminPassword) // as a user's shell would have it
	out := filepath.Join(t.TempDir(), "env")
	code, msg := f.run(t, []string{"run", "--template", "Nightly backup", "--", "sh", "-c", "env > " + out})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	data, _ := os.ReadFile(out)
	env := string(data)
	id := fmt.Sprint(heraldtest.ID(f.jobs(t)[0].(map[string]any)))
	for _, want := range []string{"HERALD_JOB_ID=" + id + "\n", "HERALD_JOB_KIND=job\n", "HERALD_URL=" + f.s.URL + "\n", "HERALD_REPORT_FILE="} {
		if !strings.Contains(env, want) {
			t.Errorf("the command's environment lacks %q", want)
		}
	}
	if strings.Contains(env, "HERALD_PASSWORD") || strings.Contains(env, heraldtest.AdminPassword) {
		t.Error("the password reached the command")
	}
}

// What a callback inside leaves in HERALD_REPORT_FILE goes into the one
// final report; the status stays herald run's.
func TestRunTakesTheCallbackReport(t *testing.T) {
	f := newRunFixture(t)
	script := `printf '%s' '{"status": "failed", "hosts": {"web1": {"failed": true, "failures": 1, "ok": 1, "processed": 1}}, "failures": [{"host": "web1", "task": "Install nginx", "action": "apt", "msg": "No package matching"}], "host_status_counts": {"failures": 1, "ok": 1, "processed": 1}}' > "$HERALD_REPORT_FILE"; exit 2`
	if code, out := f.run(t, []string{"run", "--template", "Nightly backup", "--", "sh", "-c", script}); code != 2 {
		t.Fatalf("exit %d: %s", code, out)
	}
	jobs := f.jobs(t)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	j := jobs[0].(map[string]any)
	fails, _ := j["failures"].([]any)
	web1, _ := j["hosts"].(map[string]any)["web1"].(map[string]any)
	if j["status"] != "failed" || len(fails) != 1 || web1["failed"] != true {
		t.Errorf("job %v", j)
	}
}

// SIGTERM and SIGINT sent to herald run reach the command, and the job is
// reported canceled (the real binary: signals are its own business).
func TestRunPassesSignals(t *testing.T) {
	bin := heraldBinary(t)
	f := newRunFixture(t)
	for i, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			got := filepath.Join(t.TempDir(), "got")
			// The command says which signal reached it, then exits as a shell does.
			script := fmt.Sprintf(`trap 'echo TERM > %[1]s; exit 143' TERM; trap 'echo INT > %[1]s; exit 130' INT; echo ready; while :; do sleep 0.1; done`, got)
			cmd := exec.Command(bin, "run", "--template", "Nightly backup", "--", "sh", "-c", script)
			cmd.Env = os.Environ()
			for k, v := range f.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
				t.Fatalf("the command said %q", line)
			}
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			want := 128 + int(sig)
			if !errors.As(err, &ee) || ee.ExitCode() != want {
				t.Fatalf("herald run ended with %v, want exit %d", err, want)
			}
			data, _ := os.ReadFile(got)
			if name := strings.TrimPrefix(sig.String(), "SIG"); !strings.Contains(strings.ToUpper(string(data)), map[syscall.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGINT: "INT"}[sig]) {
				t.Fatalf("the command got %q, want %s", data, name)
			}
			j := f.jobs(t)[i].(map[string]any)
			if j["status"] != "canceled" || j["result_traceback"] != "" || !strings.Contains(j["job_explanation"].(string), signalName(sig)) {
				t.Errorf("job %v", j)
			}
		})
	}
}

// HERALD_TIMEOUT is read as the Ansible callback reads it too: seconds or a duration.
func TestTimeoutTakesSecondsOrADuration(t *testing.T) {
	for text, want := range map[string]time.Duration{"10": 10 * time.Second, "2.5": 2500 * time.Millisecond, "500ms": 500 * time.Millisecond, "1m": time.Minute} {
		var v secondsValue
		if err := v.Set(text); err != nil || time.Duration(v) != want {
			t.Errorf("%q: %v %v, want %v", text, time.Duration(v), err, want)
		}
	}
	for _, bad := range []string{"soon", "-1", "10q"} {
		var v secondsValue
		if v.Set(bad) == nil {
			t.Errorf("%q taken", bad)
		}
	}
}
