package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

func TestCreateOrganization(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	org := s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	if org["name"] != "Ops" || org["type"] != "organization" {
		t.Fatalf("got %v", org)
	}
}

func TestConsoleIsServed(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	for _, path := range []string{"/", "/console.js", "/console.css"} {
		if r := s.Do("GET", path, nil); r.Status != http.StatusOK || len(r.Body) == 0 {
			t.Errorf("GET %s: %d", path, r.Status)
		}
	}
	if r := s.Do("GET", "/nosuch.js", nil); r.Status != http.StatusNotFound {
		t.Errorf("GET /nosuch.js: %d, want 404", r.Status)
	}
}

// A job in a list shows what its detail shows: links, names and all.
func TestJobListMatchesDetail(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Deploy", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/inventories/", map[string]any{"name": "Hosts", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Ping", "project": 1, "inventory": 1})
	job := s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/1/launch/", nil)
	detail := s.Must(http.StatusOK, "GET", "/api/v1/jobs/1/", nil)
	list := s.Must(http.StatusOK, "GET", "/api/v1/jobs/", nil)["results"].([]any)[0].(map[string]any)
	want := `map[inventory:map[id:1 name:Hosts] job_template:map[id:1 name:Ping] organization:map[id:1 name:Ops] project:map[id:1 name:Deploy]]`
	for name, got := range map[string]map[string]any{"launch": job, "detail": detail, "list": list} {
		if fmt.Sprint(got["summary_fields"]) != want || got["project"] != 1.0 || got["inventory"] != 1.0 {
			t.Errorf("%s: summary_fields %v, project %v, inventory %v", name, got["summary_fields"], got["project"], got["inventory"])
		}
	}
}
