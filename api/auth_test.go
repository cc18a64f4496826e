package api_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/internal/heraldtest"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	group{
		{"Refused", testAuthRefused},
		{"TokenLifecycle", testTokenLifecycle},
		{"TokenRevokeLeavesOthers", testTokenRevokeLeavesOthers},
		{"TokenBadDescription", testTokenBadDescription},
		{"PingNeedsNoAuth", testPingNeedsNoAuth},
		{"HealthEndpointsNeedNoAuth", testHealthEndpointsNeedNoAuth},
	}.run(t, heraldtest.Start(t, heraldtest.Options{}))
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func testAuthRefused(t *testing.T, s *heraldtest.Server) {
	every := []struct{ method, path string }{
		{"GET", "/api/v1/organizations/"}, {"POST", "/api/v1/organizations/"}, {"POST", "/api/v1/tokens/"}, {"GET", "/api/v1/nosuch/"},
	}
	// A wrong password costs a bcrypt comparison (about a second under -race): one path is enough.
	one := every[1:2]
	cases := []struct {
		name, authorization, detail string
		paths                       []struct{ method, path string }
	}{
		{"no credentials", "", "Authentication credentials were not provided.", every},
		{"bad password", basic("admin", "wrong"), "Invalid username/password.", one},
		{"unknown user", basic("nobody", heraldtest.AdminPassword), "Invalid username/password.", every},
		{"bad bearer", "Bearer not-a-token", "Invalid token.", every},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.paths {
				r := s.Do(p.method, p.path, map[string]any{"name": "sneaky"}, "Authorization", c.authorization)
				wantAnswer(t, r, http.StatusUnauthorized, map[string]any{"detail": c.detail})
			}
		})
	}
	// Nothing was created by the refused requests.
	if list := must(t, s, http.StatusOK, "GET", "/api/v1/organizations/?name=sneaky", nil); num(list["count"]) != 0 {
		t.Errorf("a refused request created something: %v", list)
	}
	// A wrong password is refused even after the right one was accepted (and cached).
	must(t, s, http.StatusOK, "GET", "/api/v1/organizations/", nil)
	wantAnswer(t, s.Do("GET", "/api/v1/organizations/", nil, "Authorization", basic("admin", "wrong")), http.StatusUnauthorized,
		map[string]any{"detail": "Invalid username/password."})
}

func testTokenLifecycle(t *testing.T, s *heraldtest.Server) {
	r := s.Do("POST", "/api/v1/tokens/", map[string]any{"description": "ci"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create token: %d %s", r.Status, r.Body)
	}
	tok := r.JSON()
	text, _ := tok["token"].(string)
	id := heraldtest.ID(tok)
	if len(text) < 32 || id <= 0 || tok["description"] != "ci" || !timestamp.MatchString(tok["created"].(string)) {
		t.Fatalf("token answer %s", r.Body)
	}
	bearer := "Bearer " + text

	list := s.Do("GET", "/api/v1/tokens/", nil)
	if list.Status != http.StatusOK || strings.Contains(string(list.Body), text) {
		t.Fatalf("token list shows the token text: %d %s", list.Status, list.Body)
	}
	if listed := findToken(list.JSON(), id); listed == nil || listed["description"] != "ci" {
		t.Fatalf("token %d not in the list: %s", id, list.Body)
	} else if _, shown := listed["token"]; shown {
		t.Fatalf("token list has a token field: %s", list.Body)
	}

	// The token works, and acts as its user.
	org := must(t, s, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "by token"}, "Authorization", bearer)
	f := newFixture(t, s, "tok")
	job := must(t, s, http.StatusCreated, "POST", objPath("job_templates", f.jobTemplate)+"launch/", nil, "Authorization", bearer)
	if job["created_by"] != "admin" {
		t.Errorf("launched with admin's token: created_by %v", job["created_by"])
	}
	must(t, s, http.StatusOK, "GET", objPath("organizations", heraldtest.ID(org)), nil, "Authorization", bearer)

	// Revoked, it no longer works; the cache that made it fast does not outlive the revoke.
	if r := s.Do("DELETE", "/api/v1/tokens/"+itoa(id)+"/", nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	wantAnswer(t, s.Do("GET", "/api/v1/organizations/", nil, "Authorization", bearer), http.StatusUnauthorized, map[string]any{"detail": "Invalid token."})
	if l := must(t, s, http.StatusOK, "GET", "/api/v1/tokens/", nil); findToken(l, id) != nil {
		t.Errorf("revoked token still listed: %v", l)
	}
	wantAnswer(t, s.Do("DELETE", "/api/v1/tokens/"+itoa(id)+"/", nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
}

// findToken returns the token with id from a tokens/ answer, or nil.
func findToken(list map[string]any, id int64) map[string]any {
	results, _ := list["results"].([]any)
	for _, r := range results {
		if heraldtest.ID(obj(r)) == id {
			return obj(r)
		}
	}
	return nil
}

func testTokenRevokeLeavesOthers(t *testing.T, s *heraldtest.Server) {
	a := must(t, s, http.StatusCreated, "POST", "/api/v1/tokens/", nil)
	b := must(t, s, http.StatusCreated, "POST", "/api/v1/tokens/", map[string]any{"description": "b"})
	if a["token"] == b["token"] || a["description"] != "" {
		t.Fatalf("two tokens: %v %v", a, b)
	}
	must(t, s, http.StatusNoContent, "DELETE", "/api/v1/tokens/"+itoa(heraldtest.ID(a))+"/", nil)
	must(t, s, http.StatusOK, "GET", "/api/v1/organizations/", nil, "Authorization", "Bearer "+b["token"].(string))
	wantAnswer(t, s.Do("GET", "/api/v1/organizations/", nil, "Authorization", "Bearer "+a["token"].(string)), http.StatusUnauthorized,
		map[string]any{"detail": "Invalid token."})
}

func testTokenBadDescription(t *testing.T, s *heraldtest.Server) {
	fieldError(t, s.Do("POST", "/api/v1/tokens/", map[string]any{"description": 5}), "description", "Not a valid string.")
	fieldError(t, s.Do("POST", "/api/v1/tokens/", map[string]any{"description": strings.Repeat("d", 513)}), "description", "512")
}

func testPingNeedsNoAuth(t *testing.T, s *heraldtest.Server) {
	for _, auth := range []string{"", basic("admin", "wrong")} {
		r := s.Do("GET", "/api/v1/ping/", nil, "Authorization", auth)
		if r.Status != http.StatusOK {
			t.Fatalf("ping with %q: %d %s", auth, r.Status, r.Body)
		}
		p := r.JSON()
		if p["version"] != herald.Version || p["database"] != "sqlite" || p["instance"] == "" || p["instance"] == nil || len(p) != 3 {
			t.Fatalf("ping %s", r.Body)
		}
	}
}

func testHealthEndpointsNeedNoAuth(t *testing.T, s *heraldtest.Server) {
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			r := s.Do("GET", path, nil, "Authorization", "")
			if r.Status != http.StatusOK || r.JSON()["status"] != "ok" {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
