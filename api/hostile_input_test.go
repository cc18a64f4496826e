package api_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// Names and the e-mail host refuse control characters: they forge log
// lines and terminal output, and cut strings where C reads them.
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Ctl"})
	project := nfCreate(t, s, "projects", map[string]any{"name": "P", "organization": org})
	for _, bad := range []string{"a\x00b", "a\x1b[31mred", "line\r\nforged=1", "a\nb", "tab\there", "del\x7f", "c1\u0085"} {
		for _, c := range []struct {
			path string
			body map[string]any
		}{
			{"/api/v1/organizations/", map[string]any{"name": bad}},
			{"/api/v1/projects/", map[string]any{"name": bad, "organization": org}},
			{"/api/v1/job_templates/", map[string]any{"name": bad, "project": project}},
			{"/api/v1/inventories/", map[string]any{"name": bad, "organization": org}},
			{"/api/v1/notifiers/", map[string]any{"name": bad, "organization": org, "notification_type": "webhook", "notification_configuration": nfValidConfig("webhook")}},
		} {
			p := nfProblems(t, s.Do("POST", c.path, c.body), "name")
			if len(p) != 1 || !strings.Contains(p[0], "Control characters") {
				t.Errorf("POST %s name %q: %q", c.path, bad, p)
			}
		}
		cfg := nfValidConfig("email")
		cfg["host"] = "smtp.example.com" + bad
		p := nfProblems(t, s.Do("POST", "/api/v1/notifiers/", map[string]any{"name": "mail", "organization": org, "notification_type": "email", "notification_configuration": cfg}), "notification_configuration")
		if len(p) != 1 || !strings.Contains(p[0], "'host'") {
			t.Errorf("e-mail host %q: %q", cfg["host"], p)
		}
	}
	// PATCH too, and ordinary non-ASCII names still pass.
	nfProblems(t, s.Do("PATCH", "/api/v1/organizations/1/", map[string]any{"name": "x\x00"}), "name")
	nfMust(t, s, http.StatusOK, "PATCH", "/api/v1/organizations/1/", map[string]any{"name": "Équipe Öst – 运维"})
}

// The unauthenticated ping shows a random instance id, not the host name
// and PID it used to be made of.
func TestPingShowsOnlyARandomInstance(t *testing.T) {
	t.Parallel()
	a, b := heraldtest.Start(t, heraldtest.Options{}), heraldtest.Start(t, heraldtest.Options{})
	ids := []string{}
	for _, s := range []*heraldtest.Server{a, b} {
		r := s.Do("GET", "/api/v1/ping/", nil, "Authorization", "")
		if r.Status != http.StatusOK {
			t.Fatalf("ping: %d %s", r.Status, r.Body)
		}
		id, _ := r.JSON()["instance"].(string)
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
			t.Errorf("instance %q is not 16 random hex digits", id)
		}
		if host, _ := os.Hostname(); host != "" && strings.Contains(string(r.Body), host) {
			t.Errorf("ping shows the host name: %s", r.Body)
		}
		ids = append(ids, id)
	}
	if ids[0] == ids[1] {
		t.Errorf("two instances share the id %s", ids[0])
	}
}
