package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// The roles matrix (docs/api.md §9): two organizations, A and B, each with an
// admin, a notification admin, an auditor, a member, an executor (the
// organization's execute role) and a team whose member holds execute on the
// job template through the team. Every role tries every action on A's
// objects; B's admin stands for "another organization".

// orgFixture is one organization's objects and people.
type orgFixture struct {
	name                                          string
	org, project, inventory, source, jt, wf, team int64
	notifier, job                                 int64
	users                                         map[string]*heraldtest.Server // role → a client acting as that user
}

var matrixRoles = []string{"admin", "notification_admin", "auditor", "member", "execute", "team", "other_admin"}

func newOrgFixture(t *testing.T, s *heraldtest.Server, name string) *orgFixture {
	t.Helper()
	f := &orgFixture{name: name, users: map[string]*heraldtest.Server{}}
	create := func(path string, body map[string]any) int64 {
		return heraldtest.ID(must(t, s, http.StatusCreated, "POST", path, body))
	}
	f.org = create("/api/v1/organizations/", map[string]any{"name": name})
	f.project = create("/api/v1/projects/", map[string]any{"name": name + "-project", "organization": f.org})
	f.inventory = create("/api/v1/inventories/", map[string]any{"name": name + "-inventory", "organization": f.org})
	f.source = create("/api/v1/inventory_sources/", map[string]any{"name": name + "-source", "inventory": f.inventory})
	f.jt = create("/api/v1/job_templates/", map[string]any{"name": name + "-jt", "project": f.project, "inventory": f.inventory})
	f.wf = create("/api/v1/workflow_job_templates/", map[string]any{"name": name + "-wf", "organization": f.org})
	f.team = create("/api/v1/teams/", map[string]any{"name": name + "-team", "organization": f.org})
	f.notifier = create("/api/v1/notifiers/", map[string]any{"name": name + "-notifier", "organization": f.org,
		"notification_type": "webhook", "notification_configuration": nfValidConfig("webhook")})
	must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", f.jt), map[string]any{"id": f.notifier})
	f.job = heraldtest.ID(must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", f.jt), map[string]any{}))
	must(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", f.job), map[string]any{"status": "successful"})

	orgRoles := roleIDs(t, s, "organizations", f.org)
	for _, role := range []string{"admin", "notification_admin", "auditor", "member", "execute"} {
		f.users[role] = newUser(t, s, name+"-"+role, orgRoles[role])
	}
	teamRoles := roleIDs(t, s, "teams", f.team)
	f.users["team"] = newUser(t, s, name+"-team-user", teamRoles["member"])
	must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/roles/%d/teams/", roleIDs(t, s, "job_templates", f.jt)["execute"]), map[string]any{"id": f.team})
	return f
}

// roleIDs returns an object's roles by name.
func roleIDs(t *testing.T, s *heraldtest.Server, collection string, id int64) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/%s/%d/object_roles/", collection, id), nil)["results"].([]any) {
		ro := r.(map[string]any)
		out[ro["name"].(string)] = int64(ro["id"].(float64))
	}
	return out
}

// newUser makes a user holding role and returns a client acting as it.
func newUser(t *testing.T, s *heraldtest.Server, username string, role int64) *heraldtest.Server {
	t.Helper()
	id := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/users/", map[string]any{"username": username, "password": "pw-" + username}))
	must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/roles/%d/users/", role), map[string]any{"id": id})
	return s.As(username, "pw-"+username)
}

func TestRolesMatrix(t *testing.T) {
	t.Parallel()
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", func(testing.TB) string { return "" }}, {"postgres", heraldtest.PostgresURL}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			testRolesMatrix(t, heraldtest.Start(t, heraldtest.Options{DatabaseURL: db.url(t)}))
		})
	}
}

func testRolesMatrix(t *testing.T, s *heraldtest.Server) {
	a := newOrgFixture(t, s, "A")
	b := newOrgFixture(t, s, "B")
	a.users["other_admin"] = b.users["admin"]

	// Counts: what each role's lists hold of A's (and nothing of B's but
	// for B's own admin, who holds nothing of A's).
	counts := []struct {
		path string
		want map[string]int // role → count; absent: 0
	}{
		{"/api/v1/organizations/", map[string]int{"admin": 1, "notification_admin": 1, "auditor": 1, "member": 1, "execute": 1, "other_admin": 1}},
		{"/api/v1/projects/", map[string]int{"admin": 1, "auditor": 1, "other_admin": 1}},
		{"/api/v1/inventories/", map[string]int{"admin": 1, "auditor": 1, "other_admin": 1}},
		{"/api/v1/inventory_sources/", map[string]int{"admin": 1, "auditor": 1, "other_admin": 1}},
		{"/api/v1/job_templates/", map[string]int{"admin": 1, "auditor": 1, "execute": 1, "team": 1, "other_admin": 1}},
		{"/api/v1/workflow_job_templates/", map[string]int{"admin": 1, "auditor": 1, "execute": 1, "other_admin": 1}},
		{"/api/v1/system_job_templates/", map[string]int{}},
		{"/api/v1/teams/", map[string]int{"admin": 1, "auditor": 1, "team": 1, "other_admin": 1}},
		{"/api/v1/notifiers/", map[string]int{"admin": 1, "notification_admin": 1, "auditor": 1, "other_admin": 1}},
		{"/api/v1/jobs/", map[string]int{"admin": 1, "auditor": 1, "execute": 1, "team": 1, "other_admin": 1}},
		{"/api/v1/unified_jobs/", map[string]int{"admin": 1, "auditor": 1, "execute": 1, "team": 1, "other_admin": 1}},
		{"/api/v1/notifications/", map[string]int{"admin": 1, "notification_admin": 1, "auditor": 1, "execute": 1, "team": 1, "other_admin": 1}},
		{fmt.Sprintf("/api/v1/jobs/%d/notifications/", a.job), map[string]int{"admin": 1, "auditor": 1, "execute": 1, "team": 1}},
		{fmt.Sprintf("/api/v1/notifiers/%d/notifications/", a.notifier), map[string]int{"admin": 1, "notification_admin": 1, "auditor": 1}},
		{fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", a.jt), map[string]int{"admin": 1, "auditor": 1}},
		{fmt.Sprintf("/api/v1/organizations/%d/notifiers/", a.org), map[string]int{"admin": 1, "notification_admin": 1, "auditor": 1}},
	}
	for _, c := range counts {
		for _, role := range matrixRoles {
			r := a.users[role].Do("GET", c.path, nil)
			got := r.JSON()
			want := c.want[role]
			wantStatus := http.StatusOK
			if strings.Count(c.path, "/") > 4 && role != "other_admin" && want == 0 && !seesParent(c.path, role) {
				wantStatus = http.StatusNotFound // a sub-list of what the role cannot see
			}
			if role == "other_admin" && strings.Count(c.path, "/") > 4 {
				wantStatus, want = http.StatusNotFound, 0
			}
			if r.Status != wantStatus {
				t.Errorf("%s GET %s: status %d, want %d: %s", role, c.path, r.Status, wantStatus, r.Body)
				continue
			}
			if wantStatus != http.StatusOK {
				continue
			}
			if n, _ := got["count"].(float64); int(n) != want || len(got["results"].([]any)) != want {
				t.Errorf("%s GET %s: count %v with %d results, want %d", role, c.path, got["count"], len(got["results"].([]any)), want)
			}
			// Nobody but its own people sees anything of the other organization.
			other := "A-"
			if role == "other_admin" {
				other = "B-" // B's admin: its own things, named B-...
			}
			for _, res := range got["results"].([]any) {
				name, _ := res.(map[string]any)["name"].(string)
				if name != "" && !strings.HasPrefix(name, other) && name != strings.TrimSuffix(other, "-") {
					t.Errorf("%s GET %s shows %q", role, c.path, name)
				}
			}
		}
	}

	// Actions: the status each role gets.
	type action struct {
		name string
		do   func(as *heraldtest.Server) *heraldtest.Response
		want map[string]int // role → status
	}
	all := func(def int, except map[string]int) map[string]int {
		out := map[string]int{}
		for _, r := range matrixRoles {
			out[r] = def
		}
		for k, v := range except {
			out[k] = v
		}
		return out
	}
	jobsToReport := map[string]int64{}
	for _, role := range matrixRoles {
		jobsToReport[role] = heraldtest.ID(must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", a.jt), map[string]any{}))
	}
	seq := 0
	next := func() int { seq++; return seq }
	actions := []action{
		{"see organization", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("GET", fmt.Sprintf("/api/v1/organizations/%d/", a.org), nil)
		}, all(200, map[string]int{"team": 404, "other_admin": 404})},
		{"see project", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("GET", fmt.Sprintf("/api/v1/projects/%d/", a.project), nil)
		}, all(404, map[string]int{"admin": 200, "auditor": 200})},
		{"see job template", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("GET", fmt.Sprintf("/api/v1/job_templates/%d/", a.jt), nil)
		}, all(404, map[string]int{"admin": 200, "auditor": 200, "execute": 200, "team": 200})},
		{"create project", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", "/api/v1/projects/", map[string]any{"name": fmt.Sprintf("A-new-%d", next()), "organization": a.org})
		}, all(403, map[string]int{"admin": 201, "team": 400, "other_admin": 400})},
		{"create job template", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", "/api/v1/job_templates/", map[string]any{"name": fmt.Sprintf("A-new-%d", next()), "project": a.project})
		}, all(400, map[string]int{"admin": 201, "auditor": 403})},
		{"change project", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("PATCH", fmt.Sprintf("/api/v1/projects/%d/", a.project), map[string]any{"description": "changed"})
		}, all(404, map[string]int{"admin": 200, "auditor": 403})},
		{"change job template", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("PATCH", fmt.Sprintf("/api/v1/job_templates/%d/", a.jt), map[string]any{"description": "changed"})
		}, all(404, map[string]int{"admin": 200, "auditor": 403, "execute": 403, "team": 403})},
		{"delete project", func(as *heraldtest.Server) *heraldtest.Response {
			p := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": fmt.Sprintf("A-doomed-%d", next()), "organization": a.org}))
			return as.Do("DELETE", fmt.Sprintf("/api/v1/projects/%d/", p), nil)
		}, all(404, map[string]int{"admin": 204, "auditor": 403})},
		{"create notifier", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", "/api/v1/notifiers/", map[string]any{"name": fmt.Sprintf("A-n-%d", next()), "organization": a.org,
				"notification_type": "webhook", "notification_configuration": nfValidConfig("webhook")})
		}, all(403, map[string]int{"admin": 201, "notification_admin": 201, "team": 400, "other_admin": 400})},
		{"see notifier", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("GET", fmt.Sprintf("/api/v1/notifiers/%d/", a.notifier), nil)
		}, all(404, map[string]int{"admin": 200, "notification_admin": 200, "auditor": 200})},
		{"change notifier", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", a.notifier), map[string]any{"description": "changed"})
		}, all(404, map[string]int{"admin": 200, "notification_admin": 200, "auditor": 403})},
		{"test notifier", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", a.notifier), map[string]any{})
		}, all(404, map[string]int{"admin": 202, "notification_admin": 202, "auditor": 403})},
		{"delete notifier", func(as *heraldtest.Server) *heraldtest.Response {
			n := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{"name": fmt.Sprintf("A-doomed-%d", next()), "organization": a.org,
				"notification_type": "webhook", "notification_configuration": nfValidConfig("webhook")}))
			return as.Do("DELETE", fmt.Sprintf("/api/v1/notifiers/%d/", n), nil)
		}, all(404, map[string]int{"admin": 204, "notification_admin": 204, "auditor": 403})},
		{"attach notifier", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_error/", a.jt), map[string]any{"id": a.notifier})
		}, all(404, map[string]int{"admin": 204, "auditor": 403, "execute": 403, "team": 403})},
		{"attach notifier to organization", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", fmt.Sprintf("/api/v1/organizations/%d/notifiers_started/", a.org), map[string]any{"id": a.notifier})
		}, all(403, map[string]int{"admin": 204, "team": 404, "other_admin": 404})},
		{"effective notifiers", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("GET", fmt.Sprintf("/api/v1/job_templates/%d/effective_notifiers/?trigger=success", a.jt), nil)
		}, all(404, map[string]int{"admin": 200, "auditor": 200, "execute": 200, "team": 200})},
		{"launch", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", a.jt), map[string]any{})
		}, all(404, map[string]int{"admin": 201, "auditor": 403, "execute": 201, "team": 201})},
		{"launch workflow", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", fmt.Sprintf("/api/v1/workflow_job_templates/%d/launch/", a.wf), map[string]any{})
		}, all(404, map[string]int{"admin": 201, "auditor": 403, "execute": 201})},
		{"update project", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", fmt.Sprintf("/api/v1/projects/%d/update/", a.project), map[string]any{})
		}, all(404, map[string]int{"admin": 201, "auditor": 403})},
		{"report", func(as *heraldtest.Server) *heraldtest.Response {
			for role, u := range a.users {
				if u == as {
					return as.Do("PATCH", fmt.Sprintf("/api/v1/jobs/%d/", jobsToReport[role]), map[string]any{"status": "running"})
				}
			}
			panic("unknown user")
		}, all(404, map[string]int{"admin": 200, "auditor": 403, "execute": 200, "team": 200})},
		{"see job", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("GET", fmt.Sprintf("/api/v1/jobs/%d/", a.job), nil)
		}, all(404, map[string]int{"admin": 200, "auditor": 200, "execute": 200, "team": 200})},
		{"see notification", func(as *heraldtest.Server) *heraldtest.Response {
			list := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/notifications/", a.job), nil)["results"].([]any)
			return as.Do("GET", fmt.Sprintf("/api/v1/notifications/%d/", int64(list[0].(map[string]any)["id"].(float64))), nil)
		}, all(404, map[string]int{"admin": 200, "notification_admin": 200, "auditor": 200, "execute": 200, "team": 200})},
		{"grant organization role", func(as *heraldtest.Server) *heraldtest.Response {
			u := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/users/", map[string]any{"username": fmt.Sprintf("grantee-%d", next()), "password": "grantee-password"}))
			return as.Do("POST", fmt.Sprintf("/api/v1/roles/%d/users/", roleIDs(t, s, "organizations", a.org)["member"]), map[string]any{"id": u})
		}, all(403, map[string]int{"admin": 204, "team": 404, "other_admin": 404})},
		{"create user", func(as *heraldtest.Server) *heraldtest.Response {
			return as.Do("POST", "/api/v1/users/", map[string]any{"username": fmt.Sprintf("made-%d", next()), "password": "made-password", "organization": a.org})
		}, all(403, map[string]int{"admin": 201})},
	}
	for _, ac := range actions {
		for _, role := range matrixRoles {
			if r := ac.do(a.users[role]); r.Status != ac.want[role] {
				t.Errorf("%s as %s: status %d, want %d: %s", ac.name, role, r.Status, ac.want[role], r.Body)
			}
		}
	}

	// What effective_notifiers shows follows what the caller sees.
	if got := a.users["execute"].Do("GET", fmt.Sprintf("/api/v1/job_templates/%d/effective_notifiers/?trigger=success", a.jt), nil).JSON(); len(got["results"].([]any)) != 0 {
		t.Errorf("the executor sees notifiers it may not: %v", got)
	}
	if got := a.users["admin"].Do("GET", fmt.Sprintf("/api/v1/job_templates/%d/effective_notifiers/?trigger=success", a.jt), nil).JSON(); len(got["results"].([]any)) != 1 {
		t.Errorf("the admin does not see its notifier: %v", got)
	}
	// A user made by an organization admin is a member of that organization.
	made := a.users["admin"].Do("POST", "/api/v1/users/", map[string]any{"username": "A-joined", "password": "joined-password"})
	if made.Status != http.StatusCreated {
		t.Fatalf("admin creates a user: %d %s", made.Status, made.Body)
	}
	if orgs := s.As("A-joined", "joined-password").Do("GET", "/api/v1/organizations/", nil).JSON(); orgs["count"] != float64(1) {
		t.Errorf("the new user's organizations: %v", orgs)
	}
	// B's admin sees none of A's users; A's admin sees A's, not B's.
	for _, c := range []struct {
		role, prefix string
		sees         bool
	}{{"other_admin", "A-", false}, {"admin", "A-", true}, {"admin", "B-", false}} {
		list := a.users[c.role].Do("GET", "/api/v1/users/?page_size=200&username__icontains="+c.prefix, nil).JSON()
		if n := list["count"].(float64); (n > 0) != c.sees {
			t.Errorf("%s lists %v users named %s...", c.role, n, c.prefix)
		}
	}
}

// seesParent: the roles that see the object a sub-list hangs on, and so get
// an empty list rather than a 404.
func seesParent(path, role string) bool {
	switch {
	case strings.Contains(path, "/jobs/"), strings.Contains(path, "/job_templates/"):
		return role == "execute" || role == "team"
	case strings.Contains(path, "/organizations/"):
		return role != "team"
	}
	return false
}
