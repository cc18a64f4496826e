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
