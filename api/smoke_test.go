package api_test

import (
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
