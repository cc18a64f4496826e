package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// TestImportAWX imports an export made by hand in awx export's format
// (testdata/awx-export.json) into a running Herald, twice.
func TestImportAWX(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	env := map[string]string{"HERALD_URL": s.URL, "HERALD_USERNAME": "admin", "HERALD_PASSWORD": heraldtest.AdminPassword}
	importOnce := func() string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"import", "awx", "testdata/awx-export.json"}, func(k string) string { return env[k] }, &out, &errOut); err != nil {
			t.Fatalf("import: %v\n%s%s", err, out.String(), errOut.String())
		}
		return out.String()
	}
	first := importOnce()
	for _, want := range []string{"6 created, 0 updated", `needs a value: notification template "platform-slack": token`, "not imported until its secret is given"} {
		if !strings.Contains(first, want) {
			t.Errorf("first import says\n%s\nwant %q", first, want)
		}
	}
	one := func(path string) map[string]any {
		l := s.Must(http.StatusOK, "GET", path, nil)
		if l["count"] != float64(1) {
			t.Fatalf("GET %s: %v", path, l)
		}
		return l["results"].([]any)[0].(map[string]any)
	}
	hook := one("/api/v2/notification_templates/?name=platform-hook")
	if m := hook["messages"].(map[string]any)["workflow_approval"].(map[string]any); m["running"] == nil {
		t.Errorf("the hook's approval message: %v", hook["messages"])
	}
	jt := one("/api/v1/job_templates/?name=Deploy")
	if jt["playbook"] != "deploy.yml" || jt["summary_fields"].(map[string]any)["project"].(map[string]any)["name"] != "Playbooks" {
		t.Errorf("job template: %v", jt)
	}
	lists := func(path string) int { return int(s.Must(http.StatusOK, "GET", path, nil)["count"].(float64)) }
	for path, want := range map[string]int{
		fmt.Sprintf("/api/v1/job_templates/%d/notifiers_started/", heraldtest.ID(jt)): 1,
		fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", heraldtest.ID(jt)): 1,
		fmt.Sprintf("/api/v1/job_templates/%d/notifiers_error/", heraldtest.ID(jt)):   0, // its notifier needs a token first
	} {
		if got := lists(path); got != want {
			t.Errorf("%s: %d notifiers, want %d", path, got, want)
		}
	}
	if second := importOnce(); !strings.Contains(second, "0 created, 0 updated, 6 unchanged, 0 attachments made") {
		t.Errorf("a second import changed something:\n%s", second)
	}
	// The operator gives the secret; the next import takes the template as
	// it is, keeps the token, and attaches it.
	org := heraldtest.ID(one("/api/v1/organizations/?name=Platform"))
	s.Must(http.StatusCreated, "POST", "/api/v2/notification_templates/", map[string]any{"name": "platform-slack", "organization": org,
		"notification_type": "slack", "notification_configuration": map[string]any{"token": "xoxb-given-by-hand", "channels": []string{"#platform"}}})
	third := importOnce()
	if !strings.Contains(third, "0 created") || strings.Contains(third, "needs a value") || !strings.Contains(third, "2 attachments made") {
		t.Errorf("import after the secret was given:\n%s", third)
	}
	if c := one("/api/v1/notifiers/?name=platform-slack")["notification_configuration"].(map[string]any); c["token"] != "$encrypted$" {
		t.Errorf("the token was not kept: %v", c)
	}
	if got := lists(fmt.Sprintf("/api/v1/job_templates/%d/notifiers_error/", heraldtest.ID(jt))); got != 1 {
		t.Errorf("error list after the secret was given: %d", got)
	}
}
