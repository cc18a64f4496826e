// Tests of the core API (docs/api.md §0–§3) through real HTTP against a whole
// Herald on a fresh SQLite file: objects, jobs, authentication, lists and
// error answers. The helpers shared by these files live here.
package api_test

import (
	"database/sql"
	"path/filepath"

	"encoding/json"
	"fmt"
	_ "modernc.org/sqlite"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// fixture is one organization with one object of every other type under it.
type fixture struct {
	prefix                                                         string
	org, project, inventory, source, jobTemplate, workflow, system int64
}

// newFixture creates a full tree of objects whose names start with prefix.
func newFixture(t *testing.T, s *heraldtest.Server, prefix string) fixture {
	t.Helper()
	f := fixture{prefix: prefix}
	f.org = create(t, s, "organizations", map[string]any{"name": prefix + " org"})
	f.project = create(t, s, "projects", map[string]any{"name": prefix + " project", "organization": f.org, "scm_type": "git", "scm_url": "https://git.example.com/site.git"})
	f.inventory = create(t, s, "inventories", map[string]any{"name": prefix + " inventory", "organization": f.org})
	f.source = create(t, s, "inventory_sources", map[string]any{"name": prefix + " source", "inventory": f.inventory, "source": "scm"})
	f.jobTemplate = create(t, s, "job_templates", map[string]any{"name": prefix + " template", "project": f.project, "inventory": f.inventory, "playbook": "site.yml"})
	f.workflow = create(t, s, "workflow_job_templates", map[string]any{"name": prefix + " workflow", "organization": f.org})
	f.system = create(t, s, "system_job_templates", map[string]any{"name": prefix + " cleanup", "job_type": "cleanup_jobs"})
	return f
}

// create posts body to a collection, requires 201 and returns the new id.
func create(t *testing.T, s *heraldtest.Server, collection string, body any) int64 {
	t.Helper()
	return heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/"+collection+"/", body))
}

// must sends a request as admin, requires the status and returns the decoded object.
// It reports on t (not on the server's test) so parallel subtests fail on their own.
func must(t *testing.T, s *heraldtest.Server, want int, method, path string, body any, header ...string) map[string]any {
	t.Helper()
	r := s.Do(method, path, body, header...)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r.JSON()
}

// wantAnswer requires the status and a JSON body equal to want.
func wantAnswer(t *testing.T, r *heraldtest.Response, status int, want any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var got, norm any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.Body)
	}
	data, _ := json.Marshal(want)
	json.Unmarshal(data, &norm)
	if !reflect.DeepEqual(got, norm) {
		t.Fatalf("body %s, want %s", r.Body, data)
	}
}

// fieldError requires a 400 whose body lists field with a message containing part.
func fieldError(t *testing.T, r *heraldtest.Response, field, part string) {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
	}
	var body map[string][]string
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("400 body is not {field: [messages]}: %v: %s", err, r.Body)
	}
	for _, m := range body[field] {
		if strings.Contains(m, part) {
			return
		}
	}
	t.Fatalf("no %q error containing %q in %s", field, part, r.Body)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func objPath(collection string, id int64) string {
	return fmt.Sprintf("/api/v1/%s/%d/", collection, id)
}

var timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// group is a set of subtests that share one server: a Herald starts in a
// fraction of a second, but its admin's bcrypt hash is slow under -race.
type group []struct {
	name string
	fn   func(t *testing.T, s *heraldtest.Server)
}

// run runs the group's tests in parallel on s, each failing itself. One
// request first puts the admin's credentials in the server's cache, so that
// the tests do not all pay for a bcrypt comparison at once.
func (g group) run(t *testing.T, s *heraldtest.Server) {
	t.Helper()
	must(t, s, http.StatusOK, "GET", "/api/v1/tokens/", nil)
	for _, c := range g {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, s.For(t))
		})
	}
}

func TestObjects(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "herald.db")
	s := heraldtest.Start(t, heraldtest.Options{DatabaseURL: "sqlite:" + dbPath})
	group{
		{"CreateGetList", testObjectCreateGetList},
		{"UpdateAndDelete", testObjectUpdateAndDelete},
		{"RequiredFields", testObjectRequiredFields},
		{"ReferenceBadType", testObjectReferenceBadType},
		{"ReferenceMissing", testObjectReferenceMissing},
		{"NameUniqueness", testObjectNameUniqueness},
		{"RelatedAndSummaryFields", testObjectRelatedAndSummaryFields},
		{"JobTemplateOrganizationIsTheProjects", testJobTemplateOrganizationIsTheProjects},
		{"DeleteOrganizationWithChildren", testDeleteOrganizationWithChildren},
	}.run(t, s)
	// Not parallel: it runs alone before the group, which waits for this body to end.
	t.Run("DeleteRemovesAttachments", func(t *testing.T) { testDeleteRemovesAttachments(t, s.For(t), dbPath) })
}

// objectCase is one collection of docs/api.md §2 with a valid body on a fixture.
type objectCase struct {
	collection, typ string
	body            func(f fixture) map[string]any // a valid create body, named prefix + " new"
	refs            map[string]string              // reference field → collection it links to
	launch          string                         // launch sub-path, "" for none
	attachable      bool
	// uniqueField is the error key of a duplicate name: "name" when unique
	// overall, "__all__" when unique within a parent.
	uniqueField string
}

var objectCases = []objectCase{
	{collection: "organizations", typ: "organization", uniqueField: "name", attachable: true,
		body: func(f fixture) map[string]any { return map[string]any{"name": f.prefix + " new", "description": "d"} }},
	{collection: "projects", typ: "project", uniqueField: "__all__", attachable: true, launch: "update",
		refs: map[string]string{"organization": "organizations"},
		body: func(f fixture) map[string]any {
			return map[string]any{"name": f.prefix + " new", "description": "d", "organization": f.org, "scm_type": "git", "scm_url": "https://x/y.git"}
		}},
	{collection: "inventories", typ: "inventory", uniqueField: "__all__",
		refs: map[string]string{"organization": "organizations"},
		body: func(f fixture) map[string]any {
			return map[string]any{"name": f.prefix + " new", "description": "d", "organization": f.org}
		}},
	{collection: "inventory_sources", typ: "inventory_source", uniqueField: "__all__", attachable: true, launch: "update",
		refs: map[string]string{"inventory": "inventories"},
		body: func(f fixture) map[string]any {
			return map[string]any{"name": f.prefix + " new", "description": "d", "inventory": f.inventory, "source": "ec2"}
		}},
	{collection: "job_templates", typ: "job_template", uniqueField: "__all__", attachable: true, launch: "launch",
		refs: map[string]string{"project": "projects", "inventory": "inventories", "organization": "organizations"},
		body: func(f fixture) map[string]any {
			return map[string]any{"name": f.prefix + " new", "description": "d", "project": f.project, "inventory": f.inventory, "playbook": "ping.yml"}
		}},
	{collection: "workflow_job_templates", typ: "workflow_job_template", uniqueField: "__all__", attachable: true, launch: "launch",
		refs: map[string]string{"organization": "organizations"},
		body: func(f fixture) map[string]any {
			return map[string]any{"name": f.prefix + " new", "description": "d", "organization": f.org}
		}},
	{collection: "system_job_templates", typ: "system_job_template", uniqueField: "name", attachable: true, launch: "launch",
		body: func(f fixture) map[string]any {
			return map[string]any{"name": f.prefix + " new", "description": "d", "job_type": "cleanup_activitystream"}
		}},
}

func testObjectCreateGetList(t *testing.T, s *heraldtest.Server) {
	for _, c := range objectCases {
		t.Run(c.collection, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, s, c.collection)
			body := c.body(f)
			r := s.Do("POST", "/api/v1/"+c.collection+"/", body)
			created := r.JSON()
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			id := heraldtest.ID(created)
			if id <= 0 || created["type"] != c.typ || created["url"] != objPath(c.collection, id) {
				t.Fatalf("id/type/url wrong: %v", created)
			}
			if loc := r.Header.Get("Location"); loc != objPath(c.collection, id) {
				t.Errorf("Location %q", loc)
			}
			for k, v := range body {
				if got := created[k]; fmt.Sprint(got) != fmt.Sprint(v) {
					t.Errorf("%s = %v, want %v", k, got, v)
				}
			}
			for _, k := range []string{"created", "modified"} {
				if ts, _ := created[k].(string); !timestamp.MatchString(ts) {
					t.Errorf("%s = %v, want RFC 3339 UTC with microseconds", k, created[k])
				}
			}
			got := must(t, s, http.StatusOK, "GET", objPath(c.collection, id), nil)
			if !reflect.DeepEqual(got, created) {
				t.Errorf("GET differs from the create answer:\n%v\n%v", got, created)
			}
			list := must(t, s, http.StatusOK, "GET", "/api/v1/"+c.collection+"/?name="+url.QueryEscape(c.collection+" new"), nil)
			results, _ := list["results"].([]any)
			if num(list["count"]) != 1 || len(results) != 1 || !reflect.DeepEqual(results[0], created) {
				t.Errorf("list by name: %v", list)
			}
		})
	}
}

func testObjectUpdateAndDelete(t *testing.T, s *heraldtest.Server) {
	for _, c := range objectCases {
		t.Run(c.collection, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, s, "upd "+c.collection)
			id := create(t, s, c.collection, c.body(f))
			self := objPath(c.collection, id)
			sentinel(t, s, c.collection, c.body(f))

			// PUT replaces the writable fields; a field left out of PUT is required again.
			put := c.body(f)
			put["name"], put["description"] = f.prefix+" renamed", "changed"
			got := must(t, s, http.StatusOK, "PUT", self, put)
			if got["name"] != f.prefix+" renamed" || got["description"] != "changed" {
				t.Errorf("PUT answer %v", got)
			}
			delete(put, "name")
			fieldError(t, s.Do("PUT", self, put), "name", "This field is required.")

			// PATCH changes only what it names.
			got = must(t, s, http.StatusOK, "PATCH", self, map[string]any{"description": "patched"})
			if got["name"] != f.prefix+" renamed" || got["description"] != "patched" {
				t.Errorf("PATCH answer %v", got)
			}
			fieldError(t, s.Do("PATCH", self, map[string]any{"name": ""}), "name", "may not be blank")
			if g := must(t, s, http.StatusOK, "GET", self, nil); g["description"] != "patched" {
				t.Errorf("after PATCH, GET %v", g)
			}

			if r := s.Do("DELETE", self, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("DELETE: %d %s", r.Status, r.Body)
			}
			wantAnswer(t, s.Do("GET", self, nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
			wantAnswer(t, s.Do("DELETE", self, nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
			wantAnswer(t, s.Do("PATCH", self, map[string]any{"description": "x"}), http.StatusNotFound, map[string]any{"detail": "Not found."})
		})
	}
}

func testObjectRequiredFields(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "req")
	cases := []struct {
		collection string
		body       map[string]any
		want       map[string]any
	}{
		{"organizations", map[string]any{}, map[string]any{"name": []string{"This field is required."}}},
		{"organizations", map[string]any{"name": "  "}, map[string]any{"name": []string{"This field may not be blank."}}},
		{"organizations", map[string]any{"name": nil}, map[string]any{"name": []string{"This field may not be null."}}},
		{"organizations", map[string]any{"name": 5}, map[string]any{"name": []string{"Not a valid string."}}},
		{"organizations", map[string]any{"name": strings.Repeat("x", 513)}, map[string]any{"name": []string{"Ensure this field has no more than 512 characters."}}},
		{"projects", map[string]any{"name": "p"}, map[string]any{"organization": []string{"This field is required."}}},
		{"projects", map[string]any{"name": "p", "organization": nil}, map[string]any{"organization": []string{"This field may not be null."}}},
		{"projects", map[string]any{}, map[string]any{"name": []string{"This field is required."}, "organization": []string{"This field is required."}}},
		{"inventories", map[string]any{"name": "i"}, map[string]any{"organization": []string{"This field is required."}}},
		{"inventory_sources", map[string]any{"name": "s"}, map[string]any{"inventory": []string{"This field is required."}}},
		{"job_templates", map[string]any{"name": "j", "inventory": f.inventory}, map[string]any{"project": []string{"This field is required."}}},
		{"workflow_job_templates", map[string]any{"name": "w"}, map[string]any{"organization": []string{"This field is required."}}},
		{"system_job_templates", map[string]any{"job_type": "cleanup_jobs"}, map[string]any{"name": []string{"This field is required."}}},
	}
	for _, c := range cases {
		t.Run(c.collection, func(t *testing.T) {
			wantAnswer(t, s.Do("POST", "/api/v1/"+c.collection+"/", c.body), http.StatusBadRequest, c.want)
		})
	}
}

func testObjectReferenceBadType(t *testing.T, s *heraldtest.Server) {
	cases := []struct {
		collection, field string
		value             any
		received          string
	}{
		{"projects", "organization", "1", "str"},
		{"projects", "organization", true, "bool"},
		{"projects", "organization", []int{1}, "list"},
		{"projects", "organization", map[string]int{"id": 1}, "dict"},
		{"projects", "organization", 1.5, "float"},
		{"inventories", "organization", "1", "str"},
		{"inventory_sources", "inventory", "1", "str"},
		{"job_templates", "project", "1", "str"},
		{"job_templates", "inventory", "x", "str"},
		{"workflow_job_templates", "organization", "1", "str"},
	}
	for _, c := range cases {
		t.Run(c.collection+"/"+c.field+"/"+c.received, func(t *testing.T) {
			body := map[string]any{"name": "x", "organization": 1, "inventory": 1, "project": 1}
			body[c.field] = c.value
			r := s.Do("POST", "/api/v1/"+c.collection+"/", body)
			fieldError(t, r, c.field, "Incorrect type. Expected pk value, received "+c.received+".")
		})
	}
}

func testObjectReferenceMissing(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "ref")
	cases := []struct {
		collection, field string
		body              map[string]any
	}{
		{"projects", "organization", map[string]any{"name": "x", "organization": 9999}},
		{"inventories", "organization", map[string]any{"name": "x", "organization": 9999}},
		{"inventory_sources", "inventory", map[string]any{"name": "x", "inventory": 9999}},
		{"job_templates", "project", map[string]any{"name": "x", "project": 9999}},
		{"job_templates", "inventory", map[string]any{"name": "x", "project": f.project, "inventory": 9999}},
		{"workflow_job_templates", "organization", map[string]any{"name": "x", "organization": 9999}},
	}
	for _, c := range cases {
		t.Run(c.collection+"/"+c.field, func(t *testing.T) {
			wantAnswer(t, s.Do("POST", "/api/v1/"+c.collection+"/", c.body), http.StatusBadRequest,
				map[string]any{c.field: []string{`Invalid pk "9999" - object does not exist.`}})
		})
	}
	t.Run("PATCH", func(t *testing.T) {
		wantAnswer(t, s.Do("PATCH", objPath("projects", f.project), map[string]any{"organization": 9999}), http.StatusBadRequest,
			map[string]any{"organization": []string{`Invalid pk "9999" - object does not exist.`}})
	})
}

func testObjectNameUniqueness(t *testing.T, s *heraldtest.Server) {
	for _, c := range objectCases {
		t.Run(c.collection, func(t *testing.T) {
			t.Parallel()
			a := newFixture(t, s, c.collection+" a")
			b := newFixture(t, s, c.collection+" b")
			body := c.body(a)
			create(t, s, c.collection, body)
			fieldError(t, s.Do("POST", "/api/v1/"+c.collection+"/", body), c.uniqueField, "already exists")

			// The same name under another parent is fine when the name is only unique within its parent.
			other := c.body(b)
			other["name"] = body["name"]
			r := s.Do("POST", "/api/v1/"+c.collection+"/", other)
			if c.uniqueField == "__all__" && r.Status != http.StatusCreated {
				t.Fatalf("same name under another parent: %d %s", r.Status, r.Body)
			}
			if c.uniqueField == "name" {
				fieldError(t, r, "name", "already exists")
			}

			// Renaming onto a taken name is refused the same way.
			renamed := c.body(a)
			renamed["name"] = a.prefix + " second"
			id := create(t, s, c.collection, renamed)
			fieldError(t, s.Do("PATCH", objPath(c.collection, id), map[string]any{"name": body["name"]}), c.uniqueField, "already exists")
		})
	}
}

func testObjectRelatedAndSummaryFields(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "rel")
	ids := map[string]int64{
		"organizations": f.org, "projects": f.project, "inventories": f.inventory, "inventory_sources": f.source,
		"job_templates": f.jobTemplate, "workflow_job_templates": f.workflow, "system_job_templates": f.system,
	}
	names := map[string]string{
		"organizations": "rel org", "projects": "rel project", "inventories": "rel inventory",
	}
	for _, c := range objectCases {
		t.Run(c.collection, func(t *testing.T) {
			self := objPath(c.collection, ids[c.collection])
			got := must(t, s, http.StatusOK, "GET", self, nil)
			related, summary := obj(got["related"]), obj(got["summary_fields"])
			want := map[string]any{}
			wantSummary := map[string]any{}
			for field, coll := range c.refs {
				want[field] = objPath(coll, ids[coll])
				wantSummary[field] = map[string]any{"id": float64(ids[coll]), "name": names[coll]}
			}
			if c.attachable {
				for _, tr := range []string{"error", "success", "any", "started", "changed"} {
					want["notifiers_"+tr] = self + "notifiers_" + tr + "/"
				}
				if c.collection == "organizations" || c.collection == "workflow_job_templates" {
					want["notifiers_approvals"] = self + "notifiers_approvals/"
				}
				want["effective_notifiers"] = self + "effective_notifiers/"
			}
			if c.collection == "organizations" {
				want["notifiers"] = self + "notifiers/"
			}
			want["object_roles"] = self + "object_roles/"
			if c.launch != "" {
				want[c.launch] = self + c.launch + "/"
			}
			if !reflect.DeepEqual(related, want) {
				t.Errorf("related = %v\nwant %v", related, want)
			}
			if !reflect.DeepEqual(summary, wantSummary) {
				t.Errorf("summary_fields = %v\nwant %v", summary, wantSummary)
			}
			// Every related link answers.
			for k, link := range related {
				if k == c.launch {
					continue
				}
				path := link.(string)
				if k == "effective_notifiers" {
					path += "?trigger=error"
				}
				if r := s.Do("GET", path, nil); r.Status != http.StatusOK {
					t.Errorf("related %s %s: %d %s", k, link, r.Status, r.Body)
				}
			}
		})
	}
}

func testJobTemplateOrganizationIsTheProjects(t *testing.T, s *heraldtest.Server) {
	a := newFixture(t, s, "a")
	b := newFixture(t, s, "b")
	c := create(t, s, "organizations", map[string]any{"name": "c org"})
	jt := objPath("job_templates", a.jobTemplate)

	got := must(t, s, http.StatusOK, "GET", jt, nil)
	if num(got["organization"]) != a.org {
		t.Fatalf("organization %v, want the project's %d", got["organization"], a.org)
	}
	// organization is read-only: a value sent is ignored.
	got = must(t, s, http.StatusOK, "PATCH", jt, map[string]any{"organization": b.org})
	if num(got["organization"]) != a.org {
		t.Errorf("PATCH organization took %v; it is read-only", got["organization"])
	}
	id := create(t, s, "job_templates", map[string]any{"name": "x", "project": a.project, "organization": b.org})
	if g := must(t, s, http.StatusOK, "GET", objPath("job_templates", id), nil); num(g["organization"]) != a.org {
		t.Errorf("create with organization took %v; it is read-only", g["organization"])
	}
	// Moving the template to another project moves its organization.
	got = must(t, s, http.StatusOK, "PATCH", jt, map[string]any{"project": b.project})
	if num(got["organization"]) != b.org || num(obj(obj(got["summary_fields"])["organization"])["id"]) != b.org {
		t.Errorf("after moving to project %d: organization %v, summary %v", b.project, got["organization"], got["summary_fields"])
	}
	// Moving the project to another organization moves its templates.
	must(t, s, http.StatusOK, "PATCH", objPath("projects", b.project), map[string]any{"organization": c})
	if g := must(t, s, http.StatusOK, "GET", jt, nil); num(g["organization"]) != c {
		t.Errorf("after moving the project to organization %d: template organization %v", c, g["organization"])
	}
}

func testDeleteOrganizationWithChildren(t *testing.T, s *heraldtest.Server) {
	cases := []struct {
		child string
		body  func(org int64) map[string]any
	}{
		{"projects", func(org int64) map[string]any { return map[string]any{"name": "p", "organization": org} }},
		{"inventories", func(org int64) map[string]any { return map[string]any{"name": "i", "organization": org} }},
		{"workflow_job_templates", func(org int64) map[string]any { return map[string]any{"name": "w", "organization": org} }},
		{"notifiers", func(org int64) map[string]any { return webhookNotifier("n", &org, "http://127.0.0.1:9/") }},
	}
	for _, c := range cases {
		t.Run(c.child, func(t *testing.T) {
			t.Parallel()
			org := create(t, s, "organizations", map[string]any{"name": "owner of " + c.child})
			child := create(t, s, c.child, c.body(org))
			other := sentinel(t, s, "organizations", map[string]any{"name": "sentinel owner of " + c.child})
			sentinel(t, s, c.child, c.body(other))
			r := s.Do("DELETE", objPath("organizations", org), nil)
			if r.Status != http.StatusConflict || !strings.Contains(fmt.Sprint(r.JSON()["detail"]), "cascade=true") {
				t.Fatalf("DELETE with a child: %d %s, want 409 naming ?cascade=true", r.Status, r.Body)
			}
			must(t, s, http.StatusOK, "GET", objPath(c.child, child), nil)
			must(t, s, http.StatusOK, "GET", objPath("organizations", org), nil)
			r = s.Do("DELETE", objPath("organizations", org)+"?cascade=true", nil)
			if r.Status != http.StatusNoContent {
				t.Fatalf("DELETE ?cascade=true: %d %s", r.Status, r.Body)
			}
			wantAnswer(t, s.Do("GET", objPath(c.child, child), nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
			wantAnswer(t, s.Do("GET", objPath("organizations", org), nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
		})
	}
	t.Run("childless", func(t *testing.T) {
		t.Parallel()
		org := create(t, s, "organizations", map[string]any{"name": "childless"})
		sentinel(t, s, "organizations", map[string]any{"name": "sentinel after childless"})
		if r := s.Do("DELETE", objPath("organizations", org), nil); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE a childless organization: %d %s", r.Status, r.Body)
		}
		wantAnswer(t, s.Do("GET", objPath("organizations", org), nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
	})
}

// sentinel creates an object after one a test deletes, and keeps it: SQLite
// gives a new row the largest id plus one, so with the sentinel there the
// deleted id is never reused by a test running beside it, and a 404 means gone.
func sentinel(t *testing.T, s *heraldtest.Server, collection string, body map[string]any) int64 {
	t.Helper()
	b := map[string]any{}
	for k, v := range body {
		b[k] = v
	}
	if name, ok := b["name"].(string); ok && !strings.HasPrefix(name, "sentinel") {
		b["name"] = "sentinel " + name
	}
	return create(t, s, collection, b)
}

// webhookNotifier is a notifier body for the tests that only need a notifier to exist.
func webhookNotifier(name string, org *int64, target string) map[string]any {
	body := map[string]any{"name": name, "notification_type": "webhook", "notification_configuration": map[string]any{"url": target}}
	if org != nil {
		body["organization"] = *org
	}
	return body
}

// testDeleteRemovesAttachments reads the database file itself: ids are never
// reused, so a left-over attachment would show in no answer, yet it would
// sit there for good. The notifier has no organization so it survives the
// deletions.
func testDeleteRemovesAttachments(t *testing.T, s *heraldtest.Server, dbPath string) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := func(t *testing.T, objectType string, id int64) int {
		t.Helper()
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM attachments WHERE object_type = ? AND object_id = ?", objectType, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	notifier := create(t, s, "notifiers", webhookNotifier("orphan", nil, "http://127.0.0.1:9/"))
	attach := func(t *testing.T, collection string, id int64) {
		t.Helper()
		for _, tr := range []string{"error", "success", "any", "started"} {
			if r := s.Do("POST", objPath(collection, id)+"notifiers_"+tr+"/", map[string]any{"id": notifier}); r.Status != http.StatusNoContent {
				t.Fatalf("attach to %s %d: %d %s", collection, id, r.Status, r.Body)
			}
		}
	}
	// Each object is checked to hold its 4 attachments before the delete, so
	// that "none after" cannot pass for a wrong query.
	requireGone := func(t *testing.T, objectType string, id int64, before int) {
		t.Helper()
		if before != 4 {
			t.Fatalf("%s %d held %d attachments before the delete, want 4", objectType, id, before)
		}
		if n := stored(t, objectType, id); n != 0 {
			t.Errorf("%s %d: %d attachments left after its deletion", objectType, id, n)
		}
	}

	t.Run("job_template", func(t *testing.T) {
		f := newFixture(t, s, "jt")
		attach(t, "job_templates", f.jobTemplate)
		before := stored(t, "job_template", f.jobTemplate)
		must(t, s, http.StatusNoContent, "DELETE", objPath("job_templates", f.jobTemplate), nil)
		requireGone(t, "job_template", f.jobTemplate, before)
	})
	t.Run("cascade", func(t *testing.T) {
		f := newFixture(t, s, "cascade")
		objects := []struct {
			collection, objectType string
			id                     int64
		}{
			{"organizations", "organization", f.org}, {"projects", "project", f.project},
			{"inventory_sources", "inventory_source", f.source}, {"job_templates", "job_template", f.jobTemplate},
			{"workflow_job_templates", "workflow_job_template", f.workflow},
		}
		before := map[string]int{}
		for _, o := range objects {
			attach(t, o.collection, o.id)
			before[o.objectType] = stored(t, o.objectType, o.id)
		}
		must(t, s, http.StatusNoContent, "DELETE", objPath("organizations", f.org)+"?cascade=true", nil)
		for _, o := range objects {
			requireGone(t, o.objectType, o.id, before[o.objectType])
		}
	})
}
