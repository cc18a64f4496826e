package api_test

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/notify/registry"
)

// The console and the API carry the same protective headers, and a 401
// brings up no browser dialog.
func TestSecurityHeaders(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	for _, path := range []string{"/", "/console.js", "/api/v1/ping/", "/api/v1/notifiers/"} {
		r := s.Do("GET", path, nil)
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	for _, auth := range []string{"", "Basic " + basic("admin", "wrong"), "Bearer nosuch"} {
		r := s.Do("GET", "/api/v1/notifiers/", nil, "Authorization", auth)
		if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("Authorization %q: %d, WWW-Authenticate %q; want 401 and none", auth, r.Status, r.Header.Get("WWW-Authenticate"))
		}
	}
}

// Every registered type's schema is served, keys in the spec's order, with
// the secrets marked.
func TestNotificationTypes(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	got := s.Must(http.StatusOK, "GET", "/api/v1/notification_types/", nil)
	results := got["results"].([]any)
	var names []string
	for name := range registry.Types() {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(results) != len(names) {
		t.Fatalf("%d types, want %d", len(results), len(names))
	}
	for i, r := range results {
		typ := r.(map[string]any)
		name := typ["notification_type"].(string)
		if name != names[i] {
			t.Fatalf("type %d = %s, want %s", i, name, names[i])
		}
		spec := registry.Types()[name]
		fields := typ["fields"].([]any)
		if typ["label"] != spec.Label || len(fields) != len(spec.Fields) {
			t.Errorf("%s: label %v, %d fields; want %s, %d", name, typ["label"], len(fields), spec.Label, len(spec.Fields))
			continue
		}
		for j, f := range fields {
			field := f.(map[string]any)
			want := spec.Fields[j]
			secret := slices.Contains(spec.Secrets(), want.Key)
			if field["key"] != want.Key || field["label"] != want.Label || field["required"] != want.Required || field["secret"] != secret {
				t.Errorf("%s field %d = %v, want %+v (secret %v)", name, j, field, want, secret)
			}
		}
	}
	email := results[slices.Index(names, "email")].(map[string]any)["fields"].([]any)
	for _, f := range email {
		field := f.(map[string]any)
		switch field["key"] {
		case "port":
			if field["type"] != "integer" || field["required"] != true {
				t.Errorf("email port = %v", field)
			}
		case "recipients":
			if field["type"] != "list" {
				t.Errorf("email recipients = %v", field)
			}
		case "timeout":
			if field["default"] != 30.0 {
				t.Errorf("email timeout default = %v", field["default"])
			}
		}
	}
}

func TestPreviewRendersEachTrigger(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	got := s.Must(http.StatusOK, "POST", "/api/v1/notifiers/preview/", map[string]any{
		"notification_type": "webhook",
		"messages":          map[string]any{"error": map[string]any{"message": "{{ job.name }} broke", "body": `{"status": "{{ job.status }}"}`}},
		"job":               nil,
	})
	errPart := got["error"].(map[string]any)
	if errPart["subject"] != "Sample Job broke" || errPart["body"] != `{"status": "failed"}` || errPart["custom"] != true {
		t.Errorf("error = %v", errPart)
	}
	success := got["success"].(map[string]any)
	if !strings.HasPrefix(success["subject"].(string), "Job #1 'Sample Job' succeeded: https://herald.example.com/#/jobs/playbook/1") {
		t.Errorf("success subject = %v", success["subject"])
	}
}

func TestPreviewAgainstARealJob(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Deploy", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Ping all", "project": 1})
	job := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/1/launch/", nil))
	got := s.Must(http.StatusOK, "POST", "/api/v1/notifiers/preview/", map[string]any{
		"notification_type": "slack",
		"messages":          map[string]any{"started": map[string]any{"message": "{{ job.name }} #{{ job.id }}"}},
		"job":               map[string]any{"kind": "job", "id": job},
	})
	if s := got["started"].(map[string]any)["subject"]; s != "Ping all #1" {
		t.Errorf("started subject = %v", s)
	}
	r := s.Do("POST", "/api/v1/notifiers/preview/", map[string]any{"notification_type": "slack", "messages": nil, "job": map[string]any{"kind": "job", "id": 99}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "No job 99") {
		t.Errorf("missing job: %d %s", r.Status, r.Body)
	}
}

// A template's problem comes back with the line it is at.
func TestPreviewReportsTheLine(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	for _, c := range []struct {
		body string
		line float64
	}{
		{"first\nsecond\n{{ job.name }\nfourth", 3},
		{"{% if job.status %}\nok\n{% endif %}\n{{ job.nosuch }}", 4},
		{"a\nb\nc\nd\n{% if %}\nf", 5},
	} {
		r := s.Do("POST", "/api/v1/notifiers/preview/", map[string]any{
			"notification_type": "webhook", "messages": map[string]any{"success": map[string]any{"body": c.body}},
		})
		if r.Status != http.StatusBadRequest {
			t.Errorf("%q: %d %s, want 400", c.body, r.Status, r.Body)
			continue
		}
		errs, _ := r.JSON()["template_errors"].([]any)
		if len(errs) != 1 {
			t.Errorf("%q: template_errors %v", c.body, r.JSON())
			continue
		}
		e := errs[0].(map[string]any)
		if e["trigger"] != "success" || e["field"] != "body" || e["line"] != c.line || e["error"] == "" {
			t.Errorf("%q: %v, want line %v", c.body, e, c.line)
		}
	}
	for _, bad := range []map[string]any{
		{"messages": nil},
		{"notification_type": "nosuch"},
		{"notification_type": "slack", "messages": "text"},
		{"notification_type": "slack", "job": map[string]any{"kind": "nosuch", "id": 1}},
	} {
		if r := s.Do("POST", "/api/v1/notifiers/preview/", bad); r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", bad, r.Status)
		}
	}
}
