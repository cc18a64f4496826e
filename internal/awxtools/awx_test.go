package awxtools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// taskResult is one task of a playbook run, as Ansible's json callback reports it.
type taskResult struct {
	name     string
	changed  bool
	skipped  bool
	failed   bool
	warnings []string
	msg      string
}

// playbook runs testdata/site.yml with the real ansible-playbook and the
// awx.awx collection against the Herald at url, and returns its tasks.
func playbook(t *testing.T, url, receiver string, env ...string) []taskResult {
	t.Helper()
	bin, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-playbook is not installed; .ci/run installs Debian's ansible")
		}
		t.Skip("ansible-playbook not installed (apt-get install ansible: it carries awx.awx)")
	}
	cmd := exec.Command(bin, "-i", "localhost,", "-c", "local", "testdata/site.yml")
	cmd.Env = append(os.Environ(), "HERALD_URL="+url, "HERALD_PASSWORD="+heraldtest.AdminPassword, "RECEIVER_URL="+receiver,
		"ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_HOME="+t.TempDir(), "ANSIBLE_NOCOLOR=1")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out struct {
		Plays []struct {
			Tasks []struct {
				Task  struct{ Name string }
				Hosts map[string]struct {
					Changed  bool     `json:"changed"`
					Skipped  bool     `json:"skipped"`
					Failed   bool     `json:"failed"`
					Warnings []string `json:"warnings"`
					Msg      any      `json:"msg"`
				}
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out.Plays) == 0 {
		t.Fatalf("ansible-playbook: %v %v\n%s\n%s", runErr, err, stdout.String(), stderr.String())
	}
	var res []taskResult
	for _, task := range out.Plays[0].Tasks {
		h := task.Hosts["localhost"]
		res = append(res, taskResult{task.Task.Name, h.Changed, h.Skipped, h.Failed, h.Warnings, fmt.Sprint(h.Msg)})
		if h.Failed {
			t.Errorf("task %q failed: %v", task.Task.Name, h.Msg)
		}
	}
	if runErr != nil && !t.Failed() {
		t.Fatalf("ansible-playbook: %v\n%s", runErr, stderr.String())
	}
	return res
}

// encryptedWarning is what awx.awx says of a task whose object holds secrets.
const encryptedWarning = "has encrypted data and may inaccurately report task is changed"

// TestAWXCollection manages Herald with AWX's own Ansible collection
// (awx.awx, from Debian's ansible package) through /api/v2/: it creates an
// organization, a project, an inventory, notification templates of three
// types with custom messages and secrets, a job template and a workflow job
// template pointing at them, and an approvals list; runs again and changes
// nothing; changes one thing; then deletes it all.
func TestAWXCollection(t *testing.T) {
	var mu sync.Mutex
	var received []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, string(b))
		mu.Unlock()
	}))
	defer receiver.Close()
	s := heraldtest.Start(t, heraldtest.Options{})

	first := playbook(t, s.URL, receiver.URL)
	for _, task := range first {
		if !task.skipped && !task.changed {
			t.Errorf("first run: task %q made no change", task.name)
		}
	}
	// Again: nothing changes. awx.awx cannot compare the secrets it sends
	// with the $encrypted$ it reads back, so it always re-sends them and
	// reports those tasks changed with a warning, as it does against AWX.
	for _, task := range playbook(t, s.URL, receiver.URL) {
		secret := strings.Contains(task.name, "secret")
		switch {
		case task.changed && !secret:
			t.Errorf("second run: task %q changed", task.name)
		case secret && !strings.Contains(strings.Join(task.warnings, " "), encryptedWarning):
			t.Errorf("second run: task %q has secrets but no warning about them: %v", task.name, task.warnings)
		}
	}

	// What Herald holds, through its own API.
	get := func(path string) map[string]any { return s.Must(http.StatusOK, "GET", path, nil) }
	one := func(path string) map[string]any {
		l := get(path)
		if l["count"] != float64(1) {
			t.Fatalf("GET %s: %v, want one", path, l)
		}
		return l["results"].([]any)[0].(map[string]any)
	}
	org := heraldtest.ID(one("/api/v1/organizations/?name=Herald%20Ops"))
	hook := one("/api/v1/notifiers/?name=ops-webhook")
	slack := one("/api/v1/notifiers/?name=ops-slack")
	mail := one("/api/v1/notifiers/?name=ops-mail")
	if c := slack["notification_configuration"].(map[string]any); c["token"] != "$encrypted$" || fmt.Sprint(c["channels"]) != "[#ops]" {
		t.Errorf("slack configuration: %v", c)
	}
	if c := mail["notification_configuration"].(map[string]any); c["password"] != "$encrypted$" || c["use_tls"] != true || c["port"] != float64(587) {
		t.Errorf("e-mail configuration: %v", c)
	}
	if m := hook["messages"].(map[string]any); m["success"] == nil || m["workflow_approval"].(map[string]any)["running"] == nil {
		t.Errorf("webhook messages: %v", m)
	}
	jt := one("/api/v1/job_templates/?name=Deploy")
	wf := one("/api/v1/workflow_job_templates/?name=Release")
	names := func(path string) string {
		var out []string
		for _, n := range get(path)["results"].([]any) {
			out = append(out, n.(map[string]any)["name"].(string))
		}
		return strings.Join(out, ",")
	}
	for path, want := range map[string]string{
		fmt.Sprintf("/api/v1/job_templates/%d/notifiers_started/", heraldtest.ID(jt)):            "ops-webhook",
		fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", heraldtest.ID(jt)):            "ops-webhook",
		fmt.Sprintf("/api/v1/job_templates/%d/notifiers_error/", heraldtest.ID(jt)):              "ops-mail,ops-slack",
		fmt.Sprintf("/api/v1/workflow_job_templates/%d/notifiers_approvals/", heraldtest.ID(wf)): "ops-webhook",
		fmt.Sprintf("/api/v1/workflow_job_templates/%d/notifiers_error/", heraldtest.ID(wf)):     "ops-slack",
		fmt.Sprintf("/api/v1/organizations/%d/notifiers_approvals/", org):                        "ops-mail",
	} {
		if got := names(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}

	// A job fires what the playbook set up.
	job := s.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", heraldtest.ID(jt)), map[string]any{})
	s.Must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", heraldtest.ID(job)), map[string]any{"status": "successful"})
	want := `{"job":"Deploy","result":"successful"}` // the webhook sends the body compacted
	if !heraldtest.Eventually(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range received {
			if r == want {
				return true
			}
		}
		return false
	}) {
		t.Errorf("the receiver got %q, want %s", received, want)
	}

	// Change one thing.
	changed := 0
	for _, task := range playbook(t, s.URL, receiver.URL, "JT_DESCRIPTION=Deploys the site, now on Herald") {
		if task.changed && !strings.Contains(task.name, "secret") {
			changed++
			if task.name != "job template and its notification lists" {
				t.Errorf("changing the description changed %q", task.name)
			}
		}
	}
	if d := get(fmt.Sprintf("/api/v1/job_templates/%d/", heraldtest.ID(jt)))["description"]; changed != 1 || d != "Deploys the site, now on Herald" {
		t.Errorf("%d tasks changed; description %q", changed, d)
	}

	// Delete it all.
	playbook(t, s.URL, receiver.URL, "STATE=absent")
	for _, path := range []string{"/api/v1/organizations/?name=Herald%20Ops", "/api/v1/notifiers/", "/api/v1/job_templates/", "/api/v1/workflow_job_templates/", "/api/v1/projects/", "/api/v1/inventories/"} {
		if n := get(path)["count"]; n != float64(0) {
			t.Errorf("after state absent, %s holds %v", path, n)
		}
	}
}
