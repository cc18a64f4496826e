package api_test

import (
	"net/http"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// FuzzWriteBodies sends arbitrary bodies to the endpoints that parse the most
// (notifiers with their configurations and messages, status reports,
// launches): every answer is a success or a 4xx, never a 5xx.
func FuzzWriteBodies(f *testing.F) {
	for _, seed := range []string{
		`{"name":"n","organization":1,"notification_type":"webhook","notification_configuration":{"url":"http://127.0.0.1:9/"}}`,
		`{"name":"e","notification_type":"email","notification_configuration":{"host":"h","port":25,"sender":"a@b.c","recipients":["x@y.z"]},"messages":{"success":{"message":"{{ job.name }}","body":null}}}`,
		`{"name":"s","notification_type":"slack","notification_configuration":{"token":"$encrypted$","channels":[]}}`,
		`{"status":"running","started":"2026-11-24T10:00:00Z","hosts":{"h":{"ok":1}}}`,
		`{"extra_vars":"{\"a\": 1}","limit":"web"}`,
		`[1,2]`, `{"messages":{"error":{"message":"{% for %}"}}}`, `{"port":1e999}`, "\x00",
	} {
		f.Add(seed)
	}
	s := heraldtest.Start(f, heraldtest.Options{})
	s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "P", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "T", "project": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/1/launch/", nil)
	f.Fuzz(func(t *testing.T, body string) {
		s := s.For(t)
		for _, req := range []struct{ method, path string }{
			{"POST", "/api/v1/notifiers/"},
			{"PATCH", "/api/v1/jobs/1/"},
			{"POST", "/api/v1/job_templates/1/launch/"},
			{"POST", "/api/v1/job_templates/1/notifiers_any/"},
		} {
			if r := s.Do(req.method, req.path, body); r.Status >= 500 {
				t.Fatalf("%s %s with %q: %d %s", req.method, req.path, body, r.Status, r.Body)
			}
		}
	})
}
