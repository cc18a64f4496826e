package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// kindCase is one of the six job kinds of docs/api.md §3 and how it is launched.
type kindCase struct {
	kind, collection   string
	templateField      string // the job's link to what it was launched from
	templateCollection string
	launchPath         func(f fixture) string
	launchBody         func(f fixture) map[string]any
	template           func(f fixture) int64
	name               func(f fixture) string
	org                func(f fixture) any // the resolved organization, nil for none
}

var kindCases = []kindCase{
	{kind: "job", collection: "jobs", templateField: "job_template", templateCollection: "job_templates",
		launchPath: func(f fixture) string { return objPath("job_templates", f.jobTemplate) + "launch/" },
		template:   func(f fixture) int64 { return f.jobTemplate },
		name:       func(f fixture) string { return f.prefix + " template" },
		org:        func(f fixture) any { return f.org }},
	{kind: "project_update", collection: "project_updates", templateField: "project", templateCollection: "projects",
		launchPath: func(f fixture) string { return objPath("projects", f.project) + "update/" },
		template:   func(f fixture) int64 { return f.project },
		name:       func(f fixture) string { return f.prefix + " project" },
		org:        func(f fixture) any { return f.org }},
	{kind: "inventory_update", collection: "inventory_updates", templateField: "inventory_source", templateCollection: "inventory_sources",
		launchPath: func(f fixture) string { return objPath("inventory_sources", f.source) + "update/" },
		template:   func(f fixture) int64 { return f.source },
		name:       func(f fixture) string { return f.prefix + " source" },
		org:        func(f fixture) any { return f.org }},
	{kind: "ad_hoc_command", collection: "ad_hoc_commands", templateField: "inventory", templateCollection: "inventories",
		launchPath: func(f fixture) string { return "/api/v1/ad_hoc_commands/" },
		launchBody: func(f fixture) map[string]any {
			return map[string]any{"inventory": f.inventory, "module_name": "ping", "module_args": "data=x"}
		},
		template: func(f fixture) int64 { return f.inventory },
		name:     func(f fixture) string { return "ping" },
		org:      func(f fixture) any { return f.org }},
	{kind: "workflow_job", collection: "workflow_jobs", templateField: "workflow_job_template", templateCollection: "workflow_job_templates",
		launchPath: func(f fixture) string { return objPath("workflow_job_templates", f.workflow) + "launch/" },
		template:   func(f fixture) int64 { return f.workflow },
		name:       func(f fixture) string { return f.prefix + " workflow" },
		org:        func(f fixture) any { return f.org }},
	{kind: "system_job", collection: "system_jobs", templateField: "system_job_template", templateCollection: "system_job_templates",
		launchPath: func(f fixture) string { return objPath("system_job_templates", f.system) + "launch/" },
		template:   func(f fixture) int64 { return f.system },
		name:       func(f fixture) string { return f.prefix + " cleanup" },
		org:        func(f fixture) any { return nil }},
}

func TestJobs(t *testing.T) {
	t.Parallel()
	group{
		{"LaunchEveryKind", testLaunchEveryKind},
		{"LaunchJobShowsProjectInventoryPlaybook", testLaunchJobShowsProjectInventoryPlaybook},
		{"LaunchMissingTemplate", testLaunchMissingTemplate},
		{"LaunchIdempotencyKey", testLaunchIdempotencyKey},
		{"LaunchExtraVars", testLaunchExtraVars},
		{"StatusMoves", testJobStatusMoves},
		{"FinishedIsFinal", testJobFinishedIsFinal},
		{"BadReport", testJobBadReport},
		{"ReportFields", testJobReportFields},
		{"HostsTakeAWXsRule", testJobHostsTakeAWXsRule},
		{"FailuresAreBounded", testJobFailuresAreBounded},
		{"StatusEveryKind", testJobStatusEveryKind},
		{"RepeatedStatusFiresNothing", testJobRepeatedStatusFiresNothing},
		{"UnifiedJobs", testUnifiedJobs},
		{"CollectionsAreNotWritable", testJobCollectionsAreNotWritable},
		{"ListFilters", testListJobFilters},
		{"Tour", testTour},
	}.run(t, heraldtest.Start(t, heraldtest.Options{}))
}

// body returns the launch body with extra fields merged in.
func (k kindCase) body(f fixture, extra map[string]any) map[string]any {
	b := map[string]any{}
	if k.launchBody != nil {
		b = k.launchBody(f)
	}
	for key, v := range extra {
		b[key] = v
	}
	return b
}

// launch starts a job of kind k on the fixture and returns its id.
func launch(t *testing.T, s *heraldtest.Server, k kindCase, f fixture) int64 {
	t.Helper()
	return heraldtest.ID(must(t, s, http.StatusCreated, "POST", k.launchPath(f), k.body(f, nil)))
}

// report sends a status report and requires the status code.
func report(t *testing.T, s *heraldtest.Server, path string, want int, body map[string]any) map[string]any {
	t.Helper()
	return must(t, s, want, "PATCH", path, body)
}

func testLaunchEveryKind(t *testing.T, s *heraldtest.Server) {
	for _, k := range kindCases {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, s, "launch "+k.kind)
			r := s.Do("POST", k.launchPath(f), k.body(f, nil))
			if r.Status != http.StatusCreated {
				t.Fatalf("launch: %d %s", r.Status, r.Body)
			}
			j := r.JSON()
			id := heraldtest.ID(j)
			self := objPath(k.collection, id)
			if r.Header.Get("Location") != self || j["url"] != self || j["type"] != k.kind || num(j[k.kind]) != id {
				t.Errorf("Location %q, url %v, type %v, %s %v", r.Header.Get("Location"), j["url"], j["type"], k.kind, j[k.kind])
			}
			want := map[string]any{
				"name": k.name(f), "status": "pending", "failed": false, "started": nil, "finished": nil, "elapsed": 0.0,
				"launch_type": "manual", "created_by": "admin", "extra_vars": "{}", "limit": "", "result_traceback": "",
				"job_explanation": "", "host_status_counts": nil, k.templateField: float64(k.template(f)),
			}
			if o := k.org(f); o != nil {
				want["organization"] = float64(o.(int64))
			} else {
				want["organization"] = nil
			}
			for field, v := range want {
				if !reflect.DeepEqual(j[field], v) {
					t.Errorf("%s = %#v, want %#v", field, j[field], v)
				}
			}
			if ts, _ := j["created"].(string); !timestamp.MatchString(ts) {
				t.Errorf("created = %v", j["created"])
			}
			related, summary := obj(j["related"]), obj(j["summary_fields"])
			if related[k.templateField] != objPath(k.templateCollection, k.template(f)) || related["notifications"] != self+"notifications/" {
				t.Errorf("related = %v", related)
			}
			if tf := obj(summary[k.templateField]); num(tf["id"]) != k.template(f) || tf["name"] == "" {
				t.Errorf("summary_fields.%s = %v", k.templateField, tf)
			}
			if o := k.org(f); o != nil && related["organization"] != objPath("organizations", o.(int64)) {
				t.Errorf("related.organization = %v", related["organization"])
			}

			// GET shows the same job (the launch answer adds AWX's {"<kind>": id}).
			delete(j, k.kind)
			if got := must(t, s, http.StatusOK, "GET", self, nil); !reflect.DeepEqual(got, j) {
				t.Errorf("GET %s\n%v\nlaunch answered\n%v", self, got, j)
			}
			if n := must(t, s, http.StatusOK, "GET", self+"notifications/", nil); num(n["count"]) != 0 {
				t.Errorf("a pending job has notifications: %v", n)
			}
			// The id under another kind's collection is not found.
			for _, other := range kindCases {
				if other.kind == k.kind {
					continue
				}
				wantAnswer(t, s.Do("GET", objPath(other.collection, id), nil), http.StatusNotFound, map[string]any{"detail": "Not found."})
				wantAnswer(t, s.Do("PATCH", objPath(other.collection, id), map[string]any{"status": "running"}), http.StatusNotFound, map[string]any{"detail": "Not found."})
			}
		})
	}
}

func testLaunchJobShowsProjectInventoryPlaybook(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "pb")
	j := must(t, s, http.StatusCreated, "POST", objPath("job_templates", f.jobTemplate)+"launch/", map[string]any{"limit": "web*"})
	if num(j["project"]) != f.project || num(j["inventory"]) != f.inventory || j["playbook"] != "site.yml" || j["limit"] != "web*" {
		t.Errorf("project %v inventory %v playbook %v limit %v", j["project"], j["inventory"], j["playbook"], j["limit"])
	}
	a := must(t, s, http.StatusCreated, "POST", "/api/v1/ad_hoc_commands/", map[string]any{"inventory": f.inventory})
	if a["name"] != "command" || a["module_name"] != "command" {
		t.Errorf("ad hoc command without module_name: name %v module_name %v, want AWX's default command", a["name"], a["module_name"])
	}
}

func testLaunchMissingTemplate(t *testing.T, s *heraldtest.Server) {
	for _, path := range []string{
		"/api/v1/job_templates/9999/launch/", "/api/v1/projects/9999/update/", "/api/v1/inventory_sources/9999/update/",
		"/api/v1/workflow_job_templates/9999/launch/", "/api/v1/system_job_templates/9999/launch/",
	} {
		t.Run(path, func(t *testing.T) {
			wantAnswer(t, s.Do("POST", path, map[string]any{}), http.StatusNotFound, map[string]any{"detail": "Not found."})
		})
	}
	t.Run("ad_hoc_commands", func(t *testing.T) {
		wantAnswer(t, s.Do("POST", "/api/v1/ad_hoc_commands/", map[string]any{"inventory": 9999, "module_name": "ping"}), http.StatusBadRequest,
			map[string]any{"inventory": []string{`Invalid pk "9999" - object does not exist.`}})
		wantAnswer(t, s.Do("POST", "/api/v1/ad_hoc_commands/", map[string]any{"module_name": "ping"}), http.StatusBadRequest,
			map[string]any{"inventory": []string{"This field is required."}})
		fieldError(t, s.Do("POST", "/api/v1/ad_hoc_commands/", map[string]any{"inventory": "1"}), "inventory", "Incorrect type. Expected pk value, received str.")
	})
}

func testLaunchIdempotencyKey(t *testing.T, s *heraldtest.Server) {
	for _, k := range kindCases {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, s, "idem "+k.kind)
			key := "key-" + k.kind
			first := must(t, s, http.StatusCreated, "POST", k.launchPath(f), k.body(f, nil), "Idempotency-Key", key)
			again := must(t, s, http.StatusOK, "POST", k.launchPath(f), k.body(f, nil), "Idempotency-Key", key)
			if heraldtest.ID(again) != heraldtest.ID(first) {
				t.Fatalf("same key: job %d then %d", heraldtest.ID(first), heraldtest.ID(again))
			}
			other := must(t, s, http.StatusCreated, "POST", k.launchPath(f), k.body(f, nil), "Idempotency-Key", key+"-2")
			plain := must(t, s, http.StatusCreated, "POST", k.launchPath(f), k.body(f, nil))
			if ids := []int64{heraldtest.ID(first), heraldtest.ID(other), heraldtest.ID(plain)}; ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
				t.Fatalf("different or no keys must launch new jobs: %v", ids)
			}
			list := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/%s/?%s=%d", k.collection, k.templateField, k.template(f)), nil)
			if num(list["count"]) != 3 {
				t.Errorf("%d jobs launched, want 3: %v", num(list["count"]), list)
			}
		})
	}
	t.Run("too long", func(t *testing.T) {
		f := newFixture(t, s, "long key")
		r := s.Do("POST", objPath("job_templates", f.jobTemplate)+"launch/", nil, "Idempotency-Key", strings.Repeat("k", 256))
		fieldError(t, r, "Idempotency-Key", "255")
	})
}

func testLaunchExtraVars(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "vars")
	cases := []struct {
		name  string
		value any // absent when nil... use omit
		omit  bool
		want  string // extra_vars shown, "" for a 400
	}{
		{name: "omitted", omit: true, want: "{}"},
		{name: "null", value: nil, want: "{}"},
		{name: "object", value: map[string]any{"env": "prod", "n": 2}, want: `{"env":"prod","n":2}`},
		{name: "text", value: `{"env": "prod"}`, want: `{"env": "prod"}`},
		{name: "empty text", value: "", want: "{}"},
		{name: "bad text", value: "env=prod"},
		{name: "text of a list", value: "[1, 2]"},
		{name: "list", value: []int{1, 2}},
		{name: "number", value: 5},
		{name: "bool", value: true},
	}
	for _, c := range cases {
		for _, k := range kindCases {
			t.Run(c.name+"/"+k.kind, func(t *testing.T) {
				body := k.body(f, nil)
				if !c.omit {
					body["extra_vars"] = c.value
				}
				r := s.Do("POST", k.launchPath(f), body)
				if c.want == "" {
					fieldError(t, r, "extra_vars", "JSON object")
					return
				}
				if r.Status != http.StatusCreated {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				if got := r.JSON()["extra_vars"]; got != c.want {
					t.Errorf("extra_vars = %#v, want %#v", got, c.want)
				}
			})
		}
	}
}

// step is one status report and what it must answer.
type step struct {
	body   map[string]any
	code   int
	status string // the job's status after the step
}

func testJobStatusMoves(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "moves")
	st := func(status string) map[string]any { return map[string]any{"status": status} }
	cases := []struct {
		name   string
		steps  []step
		failed bool
	}{
		{"running then successful", []step{{st("running"), 200, "running"}, {st("successful"), 200, "successful"}}, false},
		{"running then failed", []step{{st("running"), 200, "running"}, {st("failed"), 200, "failed"}}, true},
		{"running then error", []step{{st("running"), 200, "running"}, {st("error"), 200, "error"}}, true},
		{"running then canceled", []step{{st("running"), 200, "running"}, {st("canceled"), 200, "canceled"}}, true},
		{"failed directly", []step{{st("failed"), 200, "failed"}}, true},
		{"successful directly", []step{{st("successful"), 200, "successful"}}, false},
		{"waiting then running", []step{{st("waiting"), 200, "waiting"}, {st("running"), 200, "running"}, {st("successful"), 200, "successful"}}, false},
		{"waiting then finished", []step{{st("waiting"), 200, "waiting"}, {st("error"), 200, "error"}}, true},
		{"pending again", []step{{st("pending"), 200, "pending"}, {st("running"), 200, "running"}}, false},
		{"running again", []step{{st("running"), 200, "running"}, {st("running"), 200, "running"}, {st("successful"), 200, "successful"}}, false},
		{"running cannot go back", []step{{st("running"), 200, "running"}, {st("pending"), 409, "running"}, {st("waiting"), 409, "running"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			self := objPath("jobs", launch(t, s, kindCases[0], f))
			var j map[string]any
			for i, stp := range c.steps {
				r := s.Do("PATCH", self, stp.body)
				if r.Status != stp.code {
					t.Fatalf("step %d %v: %d %s, want %d", i, stp.body, r.Status, r.Body, stp.code)
				}
				j = must(t, s, http.StatusOK, "GET", self, nil)
				if j["status"] != stp.status {
					t.Fatalf("step %d %v: status %v, want %s", i, stp.body, j["status"], stp.status)
				}
				if stp.code == 200 && !reflect.DeepEqual(r.JSON(), j) {
					t.Errorf("step %d: the answer is not the job as GET shows it:\n%s\n%v", i, r.Body, j)
				}
			}
			requireTimes(t, j)
			if j["failed"] != c.failed {
				t.Errorf("failed = %v, want %v", j["failed"], c.failed)
			}
		})
	}
}

// requireTimes checks started, finished and elapsed against the job's status.
func requireTimes(t *testing.T, j map[string]any) {
	t.Helper()
	status := j["status"].(string)
	started, _ := j["started"].(string)
	finished, _ := j["finished"].(string)
	switch status {
	case "pending", "waiting":
		if j["started"] != nil || j["finished"] != nil {
			t.Errorf("%s job has started %v finished %v", status, j["started"], j["finished"])
		}
	case "running":
		if !timestamp.MatchString(started) || j["finished"] != nil {
			t.Errorf("running job has started %v finished %v", j["started"], j["finished"])
		}
	default:
		if !timestamp.MatchString(started) || !timestamp.MatchString(finished) {
			t.Fatalf("%s job has started %v finished %v", status, j["started"], j["finished"])
		}
		s, _ := time.Parse(time.RFC3339Nano, started)
		e, _ := time.Parse(time.RFC3339Nano, finished)
		if e.Before(s) || j["elapsed"] != e.Sub(s).Seconds() {
			t.Errorf("started %s finished %s elapsed %v", started, finished, j["elapsed"])
		}
		return
	}
	if j["elapsed"] != 0.0 {
		t.Errorf("%s job has elapsed %v", status, j["elapsed"])
	}
}

func testJobFinishedIsFinal(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "final")
	for _, final := range []string{"successful", "failed", "error", "canceled"} {
		t.Run(final, func(t *testing.T) {
			t.Parallel()
			id := launch(t, s, kindCases[0], f)
			self := objPath("jobs", id)
			done := report(t, s, self, http.StatusOK, map[string]any{"status": final})
			for _, next := range []string{"pending", "waiting", "running", "successful", "failed", "error", "canceled"} {
				if next == final {
					continue
				}
				wantAnswer(t, s.Do("PATCH", self, map[string]any{"status": next}), http.StatusConflict,
					map[string]any{"detail": fmt.Sprintf("Job %d is already %s.", id, final)})
			}
			// Repeating the final status is a no-op: nothing changes, not even modified.
			again := report(t, s, self, http.StatusOK, map[string]any{"status": final})
			if !reflect.DeepEqual(again, done) {
				t.Errorf("repeating %s changed the job:\n%v\n%v", final, again, done)
			}
			// Details may still arrive with it (AWX sends stats last); the move stays as it was.
			late := report(t, s, self, http.StatusOK, map[string]any{"status": final, "job_explanation": "late"})
			if late["job_explanation"] != "late" || late["status"] != final || late["finished"] != done["finished"] || late["started"] != done["started"] {
				t.Errorf("details after %s: %v", final, late)
			}
		})
	}
}

func testJobBadReport(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "bad")
	cases := []struct {
		name, field string
		body        map[string]any
		part        string
	}{
		{"unknown status", "status", map[string]any{"status": "done"}, `"done" is not a valid choice.`},
		{"status not a string", "status", map[string]any{"status": 1}, "Not a valid string."},
		{"status null", "status", map[string]any{"status": nil}, "may not be null"},
		{"started not a time", "started", map[string]any{"status": "running", "started": "yesterday"}, "Datetime has wrong format."},
		{"started a number", "started", map[string]any{"status": "running", "started": 1700000000}, "Datetime has wrong format."},
		{"finished not a time", "finished", map[string]any{"status": "failed", "finished": "2026-13-01T00:00:00Z"}, "Datetime has wrong format."},
		{"counts unknown key", "host_status_counts", map[string]any{"status": "failed", "host_status_counts": map[string]any{"okay": 1}}, "integer counts"},
		{"counts not integers", "host_status_counts", map[string]any{"status": "failed", "host_status_counts": map[string]any{"ok": "1"}}, "integer counts"},
		{"hosts not objects", "hosts", map[string]any{"status": "failed", "hosts": map[string]any{"web1": 3}}, "host names"},
		{"host failed an integer", "hosts", map[string]any{"status": "failed", "hosts": map[string]any{"web1": map[string]any{"failed": 1}}}, "AWX's shape"},
		{"host count negative", "hosts", map[string]any{"status": "failed", "hosts": map[string]any{"web1": map[string]any{"ok": -1}}}, "non-negative"},
		{"host count unknown", "hosts", map[string]any{"status": "failed", "hosts": map[string]any{"web1": map[string]any{"okay": 1}}}, "AWX's shape"},
		{"counts negative", "host_status_counts", map[string]any{"status": "failed", "host_status_counts": map[string]any{"ok": -2}}, "non-negative"},
		{"failures not a list", "failures", map[string]any{"status": "failed", "failures": map[string]any{"host": "web1"}}, "list of objects"},
		{"failure unknown key", "failures", map[string]any{"status": "failed", "failures": []any{map[string]any{"host": "web1", "error": "x"}}}, "list of objects"},
		{"failure msg not text", "failures", map[string]any{"status": "failed", "failures": []any{map[string]any{"host": "web1", "msg": 3}}}, "list of objects"},
		{"traceback not a string", "result_traceback", map[string]any{"status": "failed", "result_traceback": []string{"x"}}, "Not a valid string."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			self := objPath("jobs", launch(t, s, kindCases[0], f))
			fieldError(t, s.Do("PATCH", self, c.body), c.field, c.part)
			if j := must(t, s, http.StatusOK, "GET", self, nil); j["status"] != "pending" || j["started"] != nil {
				t.Errorf("a refused report changed the job: %v", j)
			}
		})
	}
}

func testJobReportFields(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "fields")
	self := objPath("jobs", launch(t, s, kindCases[0], f))
	j := report(t, s, self, http.StatusOK, map[string]any{"status": "running", "started": "2026-11-24T11:00:00+01:00"})
	if j["started"] != "2026-11-24T10:00:00.000000Z" || j["finished"] != nil || j["elapsed"] != 0.0 {
		t.Errorf("running: started %v finished %v elapsed %v", j["started"], j["finished"], j["elapsed"])
	}
	counts := map[string]any{"ok": 3, "changed": 1, "failed": 1, "dark": 0, "skipped": 2, "processed": 4, "rescued": 0, "ignored": 0, "failures": 1}
	// AWX's shape: failed a boolean, true when the host was dark or failed.
	hosts := map[string]any{
		"web1": map[string]any{"failed": false, "changed": 1, "dark": 0, "failures": 0, "ok": 3, "processed": 1, "skipped": 2, "rescued": 0, "ignored": 0},
		"web2": map[string]any{"failed": true, "changed": 0, "dark": 0, "failures": 1, "ok": 0, "processed": 1, "skipped": 0, "rescued": 0, "ignored": 0},
	}
	if fresh := must(t, s, http.StatusOK, "GET", self, nil); !reflect.DeepEqual(fresh["hosts"], map[string]any{}) || !reflect.DeepEqual(fresh["failures"], []any{}) {
		t.Errorf("before any report: hosts %v failures %v, want {} and []", fresh["hosts"], fresh["failures"])
	}
	failures := []any{map[string]any{"host": "web2", "task": "Install nginx", "action": "ansible.builtin.apt", "msg": "No package matching 'ngnix' is available"}}
	j = report(t, s, self, http.StatusOK, map[string]any{
		"status": "failed", "finished": "2026-11-24T10:00:42.5Z", "result_traceback": "boom\nat line 3",
		"job_explanation": "Task failed", "host_status_counts": counts, "hosts": hosts, "failures": failures,
	})
	if !reflect.DeepEqual(j["failures"], failures) {
		t.Errorf("failures %v, want %v", j["failures"], failures)
	}
	if again := must(t, s, http.StatusOK, "GET", self, nil); !reflect.DeepEqual(again["failures"], failures) || !reflect.DeepEqual(again["hosts"], j["hosts"]) {
		t.Errorf("read back: failures %v hosts %v", again["failures"], again["hosts"])
	}
	want := map[string]any{
		"status": "failed", "failed": true, "started": "2026-11-24T10:00:00.000000Z", "finished": "2026-11-24T10:00:42.500000Z",
		"elapsed": 42.5, "result_traceback": "boom\nat line 3", "job_explanation": "Task failed",
	}
	for k, v := range want {
		if j[k] != v {
			t.Errorf("%s = %#v, want %#v", k, j[k], v)
		}
	}
	var wantCounts, wantHosts any
	data, _ := json.Marshal(counts)
	json.Unmarshal(data, &wantCounts)
	data, _ = json.Marshal(hosts)
	json.Unmarshal(data, &wantHosts)
	if !reflect.DeepEqual(j["host_status_counts"], wantCounts) || !reflect.DeepEqual(j["hosts"], wantHosts) {
		t.Errorf("host_status_counts %v hosts %v", j["host_status_counts"], j["hosts"])
	}
}

// testJobHostsTakeAWXsRule: failed is true exactly when dark or failures
// is above 0, as AWX's JobHostSummary sets it, whatever the report said.
func testJobHostsTakeAWXsRule(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "awx hosts")
	self := objPath("jobs", launch(t, s, kindCases[0], f))
	j := report(t, s, self, http.StatusOK, map[string]any{"status": "failed", "hosts": map[string]any{
		"down": map[string]any{"dark": 1}, "ok": map[string]any{"ok": 2, "failed": true}, "bad": map[string]any{"failures": 2, "failed": false},
	}})
	hosts := j["hosts"].(map[string]any)
	for host, want := range map[string]bool{"down": true, "ok": false, "bad": true} {
		if got := hosts[host].(map[string]any)["failed"]; got != want {
			t.Errorf("%s: failed %v, want %v", host, got, want)
		}
	}
}

// testJobFailuresAreBounded: past 100 failures the rest are dropped, and
// each text is cut to 1,024 characters; the report itself is taken.
func testJobFailuresAreBounded(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "bounded failures")
	self := objPath("jobs", launch(t, s, kindCases[0], f))
	var many []any
	for i := range 150 {
		many = append(many, map[string]any{"host": fmt.Sprintf("h%d", i), "task": "t", "action": "command", "msg": strings.Repeat("é", 3000)})
	}
	j := report(t, s, self, http.StatusOK, map[string]any{"status": "failed", "failures": many})
	got := j["failures"].([]any)
	if len(got) != 100 || got[99].(map[string]any)["host"] != "h99" {
		t.Fatalf("%d failures kept, the last %v", len(got), got[len(got)-1])
	}
	if msg := got[0].(map[string]any)["msg"].(string); utf8.RuneCountInString(msg) != 1024 {
		t.Errorf("msg has %d characters, want 1024", utf8.RuneCountInString(msg))
	}
	// An empty list clears them.
	if j := report(t, s, self, http.StatusOK, map[string]any{"failures": []any{}}); !reflect.DeepEqual(j["failures"], []any{}) {
		t.Errorf("after clearing: %v", j["failures"])
	}
}

func testJobStatusEveryKind(t *testing.T, s *heraldtest.Server) {
	for _, k := range kindCases {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, s, "every "+k.kind)
			self := objPath(k.collection, launch(t, s, k, f))
			report(t, s, self, http.StatusOK, map[string]any{"status": "running"})
			j := report(t, s, self, http.StatusOK, map[string]any{"status": "successful"})
			if j["status"] != "successful" || j["failed"] != false {
				t.Fatalf("after successful: %v", j)
			}
			requireTimes(t, j)
		})
	}
}

// receiver is a webhook endpoint that records the bodies it is sent.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(data, &m)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, m)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func testJobRepeatedStatusFiresNothing(t *testing.T, s *heraldtest.Server) {
	rc := newReceiver(t)
	f := newFixture(t, s, "repeat")
	n := create(t, s, "notifiers", webhookNotifier("hook", &f.org, rc.URL))
	for _, list := range []string{"notifiers_started", "notifiers_any"} {
		must(t, s, http.StatusNoContent, "POST", objPath("job_templates", f.jobTemplate)+list+"/", map[string]any{"id": n})
	}
	self := objPath("jobs", launch(t, s, kindCases[0], f))
	count := func() int64 {
		t.Helper()
		return num(must(t, s, http.StatusOK, "GET", self+"notifications/", nil)["count"])
	}
	steps := []struct {
		status string
		want   int64
	}{{"running", 1}, {"running", 1}, {"failed", 2}, {"failed", 2}}
	for _, stp := range steps {
		report(t, s, self, http.StatusOK, map[string]any{"status": stp.status})
		if got := count(); got != stp.want {
			t.Fatalf("after %s: %d notifications, want %d", stp.status, got, stp.want)
		}
	}
}

func testUnifiedJobs(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "unified")
	ids := map[int64]string{}
	for _, k := range kindCases {
		ids[launch(t, s, k, f)] = k.kind
	}
	var in []string
	for id := range ids {
		in = append(in, fmt.Sprint(id))
	}
	mine := "id__in=" + strings.Join(in, ",")
	list := must(t, s, http.StatusOK, "GET", "/api/v1/unified_jobs/?"+mine, nil)
	results, _ := list["results"].([]any)
	if num(list["count"]) != 6 || len(results) != 6 {
		t.Fatalf("unified_jobs lists %v of 6: %v", list["count"], list)
	}
	for _, r := range results {
		j := obj(r)
		if ids[heraldtest.ID(j)] != j["type"] {
			t.Errorf("unified job %v has type %v, want %s", j["id"], j["type"], ids[heraldtest.ID(j)])
		}
		if want := objPath(strings.Split(j["url"].(string), "/")[3], heraldtest.ID(j)); want != j["url"] {
			t.Errorf("url %v", j["url"])
		}
	}
	typed := must(t, s, http.StatusOK, "GET", "/api/v1/unified_jobs/?type=project_update&"+mine, nil)
	if num(typed["count"]) != 1 {
		t.Errorf("?type=project_update: %v", typed)
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		t.Run(m, func(t *testing.T) {
			wantAnswer(t, s.Do(m, "/api/v1/unified_jobs/", map[string]any{}), http.StatusMethodNotAllowed,
				map[string]any{"detail": fmt.Sprintf("Method %q not allowed.", m)})
		})
	}
}

func testJobCollectionsAreNotWritable(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "ro")
	for _, k := range kindCases {
		t.Run(k.kind, func(t *testing.T) {
			self := objPath(k.collection, launch(t, s, k, f))
			cases := []struct{ method, path string }{{"PUT", self}, {"DELETE", self}, {"POST", self}}
			if k.kind != "ad_hoc_command" {
				cases = append(cases, struct{ method, path string }{"POST", "/api/v1/" + k.collection + "/"})
			}
			for _, c := range cases {
				wantAnswer(t, s.Do(c.method, c.path, map[string]any{}), http.StatusMethodNotAllowed,
					map[string]any{"detail": fmt.Sprintf("Method %q not allowed.", c.method)})
			}
		})
	}
}

// testTour follows the README's five-minute tour: an organization, a
// project, a job template, a webhook notifier on the organization's error
// list, its test, effective_notifiers, a launch, running, failed, and the
// notification that reaches the receiver. Each answer is checked as docs/api.md has it.
func testTour(t *testing.T, s *heraldtest.Server) {
	rc := newReceiver(t)

	org := must(t, s, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	orgID := heraldtest.ID(org)
	if org["type"] != "organization" || org["name"] != "Ops" || org["url"] != objPath("organizations", orgID) {
		t.Fatalf("organization: %v", org)
	}
	project := must(t, s, http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Deploy", "organization": orgID})
	if project["type"] != "project" || num(project["organization"]) != orgID || obj(obj(project["summary_fields"])["organization"])["name"] != "Ops" {
		t.Fatalf("project: %v", project)
	}
	jt := must(t, s, http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Ping", "project": heraldtest.ID(project), "playbook": "ping.yml"})
	jtPath := objPath("job_templates", heraldtest.ID(jt))
	if jt["type"] != "job_template" || num(jt["organization"]) != orgID || jt["playbook"] != "ping.yml" || obj(jt["related"])["launch"] != jtPath+"launch/" {
		t.Fatalf("job template: %v", jt)
	}
	notifier := must(t, s, http.StatusCreated, "POST", "/api/v1/notifiers/", webhookNotifier("ops-hook", ptr(orgID), rc.URL+"/hook"))
	nID := heraldtest.ID(notifier)
	if r := s.Do("POST", objPath("organizations", orgID)+"notifiers_error/", map[string]any{"id": nID}); r.Status != http.StatusNoContent {
		t.Fatalf("attach: %d %s", r.Status, r.Body)
	}

	// The test: 202 naming the notification, which is then delivered.
	r := s.Do("POST", objPath("notifiers", nID)+"test/", nil)
	testID := num(r.JSON()["notification"])
	if r.Status != http.StatusAccepted || r.Header.Get("Location") != objPath("notifications", testID) {
		t.Fatalf("test: %d Location %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if n := s.WaitNotification(testID, 10*time.Second); n["status"] != "successful" {
		t.Fatalf("test notification: %v", n)
	}

	eff := must(t, s, http.StatusOK, "GET", jtPath+"effective_notifiers/?trigger=error", nil)
	results, _ := eff["results"].([]any)
	if eff["trigger"] != "error" || len(results) != 1 || num(obj(obj(results[0])["notifier"])["id"]) != nID {
		t.Fatalf("effective_notifiers: %v", eff)
	}
	if levels, _ := obj(results[0])["levels"].([]any); len(levels) != 1 || obj(levels[0])["type"] != "organization" || obj(levels[0])["list"] != "notifiers_error" {
		t.Fatalf("effective_notifiers levels: %v", eff)
	}

	job := must(t, s, http.StatusCreated, "POST", jtPath+"launch/", nil)
	id := heraldtest.ID(job)
	self := objPath("jobs", id)
	if job["status"] != "pending" || job["name"] != "Ping" || num(job["job"]) != id || num(job["job_template"]) != heraldtest.ID(jt) ||
		job["created_by"] != "admin" || job["url"] != self || num(job["organization"]) != orgID {
		t.Fatalf("launch: %v", job)
	}
	running := report(t, s, self, http.StatusOK, map[string]any{"status": "running"})
	if running["status"] != "running" || running["started"] == nil || running["finished"] != nil || running["failed"] != false {
		t.Fatalf("running: %v", running)
	}
	failed := report(t, s, self, http.StatusOK, map[string]any{"status": "failed", "result_traceback": "boom"})
	if failed["status"] != "failed" || failed["failed"] != true || failed["finished"] == nil || failed["result_traceback"] != "boom" {
		t.Fatalf("failed: %v", failed)
	}
	requireTimes(t, failed)

	notes := must(t, s, http.StatusOK, "GET", obj(failed["related"])["notifications"].(string), nil)
	results, _ = notes["results"].([]any)
	if num(notes["count"]) != 1 || len(results) != 1 {
		t.Fatalf("job notifications: %v", notes)
	}
	n := s.WaitNotification(heraldtest.ID(obj(results[0])), 10*time.Second)
	wantSubject := fmt.Sprintf("Job #%d 'Ping' failed: https://herald.example.com/#/jobs/playbook/%d", id, id)
	if n["status"] != "successful" || n["subject"] != wantSubject || num(obj(n["job"])["id"]) != id || obj(n["job"])["kind"] != "job" || num(n["notifier"]) != nID {
		t.Fatalf("notification: %v", n)
	}
	if failedList := must(t, s, http.StatusOK, "GET", "/api/v1/notifications/?status=failed", nil); num(failedList["count"]) != 0 {
		t.Errorf("failed notifications: %v", failedList)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 2 || num(rc.bodies[1]["id"]) != id || rc.bodies[1]["status"] != "failed" || rc.bodies[1]["name"] != "Ping" {
		t.Fatalf("the receiver got %v, want the test then job %d failed", rc.bodies, id)
	}
}

func ptr[T any](v T) *T { return &v }
