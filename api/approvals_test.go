package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// Workflow approvals through both API versions: each of the four events
// notifies the approvals lists of the workflow job template and of its
// organization, with AWX's default messages or a custom one.
func TestApprovals(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string // what the receiver was sent: "<path> <body>"
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.URL.Path+" "+string(b))
		mu.Unlock()
	}))
	defer receiver.Close()
	s := heraldtest.Start(t, heraldtest.Options{})
	org := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Releases"}))
	wfjt := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/workflow_job_templates/", map[string]any{"name": "Release", "organization": org}))
	hook := func(name string, messages any) int64 {
		return heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v2/notification_templates/", map[string]any{
			"name": name, "organization": org, "notification_type": "webhook", "messages": messages,
			"notification_configuration": map[string]any{"url": receiver.URL + "/" + name}}))
	}
	plain := hook("plain", nil)
	custom := hook("custom", map[string]any{"workflow_approval": map[string]any{
		"approved": map[string]any{"body": `{"node": "{{ approval_node_name }}", "status": "{{ approval_status }}"}`}}})
	// The organization's list through v1, the template's through v2.
	must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/organizations/%d/notifiers_approvals/", org), map[string]any{"id": plain})
	must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v2/workflow_job_templates/%d/notification_templates_approvals/", wfjt), map[string]any{"id": custom})
	if l := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v2/workflow_job_templates/%d/notification_templates_approvals/", wfjt), nil); l["count"] != float64(1) {
		t.Fatalf("v2 approvals list: %v", l)
	}
	shown := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v2/notification_templates/%d/", custom), nil)
	if wa := shown["messages"].(map[string]any)["workflow_approval"].(map[string]any); wa["approved"] == nil || wa["denied"] != nil || shown["type"] != "notification_template" {
		t.Errorf("v2 notification template: %v", shown)
	}

	wf := heraldtest.ID(must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/workflow_job_templates/%d/launch/", wfjt), map[string]any{}))
	must(t, s, http.StatusConflict, "POST", fmt.Sprintf("/api/v1/workflow_jobs/%d/approvals/", wf), map[string]any{"name": "too early"})
	must(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/workflow_jobs/%d/", wf), map[string]any{"status": "running"})
	url := fmt.Sprintf("https://herald.example.com/#/jobs/workflow/%d", wf)

	a := must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/workflow_jobs/%d/approvals/", wf), map[string]any{"name": "Go live", "timeout": 0})
	b := must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v2/workflow_jobs/%d/approvals/", wf), map[string]any{"name": "Tell customers"})
	if a["status"] != "pending" || b["url"] != fmt.Sprintf("/api/v2/workflow_approvals/%d/", heraldtest.ID(b)) {
		t.Errorf("new approvals: %v, %v", a, b)
	}
	// A user who reads the template may not decide; one with its approve role may.
	wfRoles := roleIDs(t, s, "workflow_job_templates", wfjt)
	reader := newUser(t, s, "watcher", wfRoles["read"])
	approver := newUser(t, s, "approver", wfRoles["approve"])
	must(t, reader, http.StatusForbidden, "POST", fmt.Sprintf("/api/v1/workflow_approvals/%d/approve/", heraldtest.ID(a)), map[string]any{})
	must(t, approver, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/workflow_approvals/%d/approve/", heraldtest.ID(a)), map[string]any{})
	must(t, approver, http.StatusConflict, "POST", fmt.Sprintf("/api/v1/workflow_approvals/%d/deny/", heraldtest.ID(a)), map[string]any{})
	must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v2/workflow_approvals/%d/deny/", heraldtest.ID(b)), map[string]any{})
	c := must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/workflow_jobs/%d/approvals/", wf), map[string]any{"name": "Wait for QA", "timeout": 1})
	if !heraldtest.Eventually(t, 15*time.Second, func() bool {
		return must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v2/workflow_approvals/%d/", heraldtest.ID(c)), nil)["status"] == "timed_out"
	}) {
		t.Fatal("the approval with a 1 s timeout never timed out")
	}
	if d := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/workflow_approvals/%d/", heraldtest.ID(a)), nil); d["status"] != "approved" || d["approved_or_denied_by"] != "approver" {
		t.Errorf("approved approval: %v", d)
	}

	body := func(text string) string { b, _ := json.Marshal(map[string]string{"body": text}); return string(b) }
	want := []string{
		"/custom " + body(`The approval node "Go live" needs review. This node can be viewed at: `+url),
		"/custom " + body(`The approval node "Tell customers" needs review. This node can be viewed at: `+url),
		"/custom " + body(`The approval node "Tell customers" was denied. `+url),
		"/custom " + body(`The approval node "Wait for QA" has timed out. `+url),
		"/custom " + body(`The approval node "Wait for QA" needs review. This node can be viewed at: `+url),
		`/custom {"node":"Go live","status":"approved"}`,
		"/plain " + body(`The approval node "Go live" needs review. This node can be viewed at: `+url),
		"/plain " + body(`The approval node "Go live" was approved. `+url),
		"/plain " + body(`The approval node "Tell customers" needs review. This node can be viewed at: `+url),
		"/plain " + body(`The approval node "Tell customers" was denied. `+url),
		"/plain " + body(`The approval node "Wait for QA" has timed out. `+url),
		"/plain " + body(`The approval node "Wait for QA" needs review. This node can be viewed at: `+url),
	}
	sort.Strings(want)
	var sent []string
	heraldtest.Eventually(t, 15*time.Second, func() bool {
		mu.Lock()
		sent = append([]string(nil), got...)
		mu.Unlock()
		return len(sent) >= len(want)
	})
	sort.Strings(sent)
	if fmt.Sprint(sent) != fmt.Sprint(want) {
		t.Errorf("the receiver got\n%q\nwant\n%q", sent, want)
	}
	// The notifications belong to the workflow job.
	if l := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v2/workflow_jobs/%d/notifications/", wf), nil); l["count"] != float64(len(want)) {
		t.Errorf("the workflow job's notifications: %v", l["count"])
	}
}
