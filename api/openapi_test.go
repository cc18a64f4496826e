package api_test

// Tests of GET /api/v1/openapi.json on a real server: what it says of each
// operation, and that the answers the server really gives fit the schemas
// it publishes (a small JSON Schema check of the subset the document uses,
// strict about fields: an answer field the schema lacks is a failure too).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]any `json:"schemas"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema any `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"components"`
}

type openAPIOperation struct {
	Summary   string            `json:"summary"`
	Security  *[]map[string]any `json:"security"`
	Responses map[string]struct {
		Ref     string `json:"$ref"`
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
	RequestBody *struct {
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Parameters []map[string]any `json:"parameters"`
}

func fetchOpenAPI(t *testing.T, s *heraldtest.Server) *openAPIDoc {
	t.Helper()
	r := s.Do("GET", "/api/v1/openapi.json", nil, "Authorization", "")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json without credentials: %d %s", r.Status, r.Body)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

func (d *openAPIDoc) op(t *testing.T, method, path string) *openAPIOperation {
	t.Helper()
	raw, ok := d.Paths[path][strings.ToLower(method)]
	if !ok {
		t.Fatalf("the document has no %s %s", method, path)
	}
	var op openAPIOperation
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatal(err)
	}
	return &op
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	doc := fetchOpenAPI(t, s)
	ops := 0
	for path, item := range doc.Paths {
		for method := range item {
			if method == "parameters" {
				continue
			}
			ops++
			op := doc.op(t, method, path)
			if strings.HasPrefix(op.Summary, "Undocumented") {
				t.Errorf("%s %s is undocumented", method, path)
			}
			public := slices.Contains([]string{"/healthz", "/readyz", "/metrics", "/api/", "/api/v2/", "/api/v1/ping/", "/api/v1/openapi.json/"}, path)
			switch {
			case op.Security == nil:
				t.Errorf("%s %s has no security of its own", method, path)
			case public && len(*op.Security) != 0:
				t.Errorf("%s %s is public but its security is %v", method, path, *op.Security)
			case !public && (len(*op.Security) != 2 || (*op.Security)[0]["basic"] == nil || (*op.Security)[1]["bearer"] == nil):
				t.Errorf("%s %s needs a user but its security is %v", method, path, *op.Security)
			}
			// The document's methods are served: the server does not answer 405.
			probe := strings.ReplaceAll(path, "{id}", "999999")
			if r := s.Do(strings.ToUpper(method), probe, map[string]any{}); r.Status == http.StatusMethodNotAllowed {
				t.Errorf("%s %s is documented but answers 405", method, probe)
			}
		}
	}
	if ops < 140 {
		t.Errorf("%d operations, want every route's", ops)
	}
	// The routes the old document forgot.
	for _, mp := range [][2]string{{"DELETE", "/api/v1/tokens/{id}/"}, {"GET", "/api/v1/organizations/{id}/notifiers/"}, {"POST", "/api/v1/ad_hoc_commands/"}} {
		doc.op(t, mp[0], mp[1])
	}
	// Bodies and answers where they belong, and the list parameters.
	if op := doc.op(t, "POST", "/api/v1/notifiers/"); op.RequestBody == nil || op.Responses["201"].Content["application/json"].Schema == nil {
		t.Errorf("POST notifiers/ lacks its body or answer: %+v", op)
	}
	op := doc.op(t, "GET", "/api/v1/notifications/")
	var names []string
	for _, p := range op.Parameters {
		names = append(names, fmt.Sprint(p["$ref"]))
	}
	for _, want := range []string{"page", "page_size", "order_by", "search", "filters"} {
		if !slices.Contains(names, "#/components/parameters/"+want) {
			t.Errorf("GET notifications/ lacks the %s parameter: %v", want, names)
		}
	}
}

// validator checks a JSON value against the document's schemas.
type validator struct{ doc *openAPIDoc }

func (v validator) check(sc any, val any, at string) []string {
	m, ok := sc.(map[string]any)
	if !ok {
		return nil
	}
	if r, ok := m["$ref"].(string); ok {
		return v.check(v.doc.Components.Schemas[strings.TrimPrefix(r, "#/components/schemas/")], val, at)
	}
	var problems []string
	for _, key := range []string{"anyOf", "oneOf"} {
		if alts, ok := m[key].([]any); ok {
			fits := 0
			var why []string
			for _, alt := range alts {
				if p := v.check(alt, val, at); len(p) == 0 {
					fits++
				} else {
					why = append(why, p...)
				}
			}
			if fits == 0 || (key == "oneOf" && fits > 1) {
				problems = append(problems, fmt.Sprintf("%s: fits %d of %s %v", at, fits, key, why))
			}
		}
	}
	if parts, ok := m["allOf"].([]any); ok {
		for _, p := range parts {
			problems = append(problems, v.check(p, val, at)...)
		}
	}
	if c, ok := m["const"]; ok && c != val {
		problems = append(problems, fmt.Sprintf("%s: %v, want %v", at, val, c))
	}
	if e, ok := m["enum"].([]any); ok && !slices.Contains(e, val) {
		problems = append(problems, fmt.Sprintf("%s: %v is not one of %v", at, val, e))
	}
	if t, ok := m["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonTypeOf(val)) && !(jsonTypeOf(val) == "integer" && slices.Contains(types, "number")) {
			return append(problems, fmt.Sprintf("%s: %s, want %v", at, jsonTypeOf(val), types))
		}
	}
	switch val := val.(type) {
	case map[string]any:
		props, _ := m["properties"].(map[string]any)
		for _, r := range asStrings(m["required"]) {
			if _, ok := val[r]; !ok {
				problems = append(problems, fmt.Sprintf("%s: %q is required but missing", at, r))
			}
		}
		extra, hasExtra := m["additionalProperties"]
		for k, x := range val {
			if p, ok := props[k]; ok {
				problems = append(problems, v.check(p, x, at+"."+k)...)
			} else if hasExtra {
				problems = append(problems, v.check(extra, x, at+"."+k)...)
			} else if props != nil {
				problems = append(problems, fmt.Sprintf("%s: field %q is not in the schema", at, k))
			}
		}
	case []any:
		for i, x := range val {
			problems = append(problems, v.check(m["items"], x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return problems
}

func asStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

func jsonTypeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// TestOpenAPIAnswersMatch drives every kind of answer from a real server and
// checks each against the schema the document gives for it.
func TestOpenAPIAnswersMatch(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	doc := fetchOpenAPI(t, s)
	v := validator{doc}
	f := newFixture(t, s, "doc")
	hook := create(t, s, "notifiers", map[string]any{"name": "hook", "organization": f.org, "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": "http://127.0.0.1:1/hook", "password": "pw"},
		"messages":                   map[string]any{"error": map[string]any{"message": "{{ job.name }} failed", "body": nil}}})
	must(t, s, http.StatusNoContent, "POST", objPath("organizations", f.org)+"notifiers_any/", map[string]any{"id": hook})

	type call struct {
		method, docPath, path string
		body                  any
		status                int
	}
	calls := []call{
		{"GET", "/healthz", "/healthz", nil, 200},
		{"GET", "/readyz", "/readyz", nil, 200},
		{"GET", "/api/v1/ping/", "/api/v1/ping/", nil, 200},
		{"POST", "/api/v1/tokens/", "/api/v1/tokens/", map[string]any{"description": "ci"}, 201},
		{"GET", "/api/v1/tokens/", "/api/v1/tokens/", nil, 200},
		{"POST", "/api/v1/notifiers/{id}/test/", objPath("notifiers", hook) + "test/", nil, 202},
		{"GET", "/api/v1/notifiers/", "/api/v1/notifiers/", nil, 200},
		{"GET", "/api/v1/notifiers/{id}/", objPath("notifiers", hook), nil, 200},
		{"PATCH", "/api/v1/notifiers/{id}/", objPath("notifiers", hook), map[string]any{"description": "d"}, 200},
		{"GET", "/api/v1/organizations/{id}/notifiers/", objPath("organizations", f.org) + "notifiers/", nil, 200},
		{"GET", "/api/v1/organizations/{id}/notifiers_any/", objPath("organizations", f.org) + "notifiers_any/", nil, 200},
		{"GET", "/api/v1/job_templates/{id}/effective_notifiers/", objPath("job_templates", f.jobTemplate) + "effective_notifiers/?trigger=error", nil, 200},
		{"GET", "/api/v1/notification_types/", "/api/v1/notification_types/", nil, 200},
		{"POST", "/api/v1/notifiers/preview/", "/api/v1/notifiers/preview/", map[string]any{"notification_type": "webhook",
			"messages": map[string]any{"error": map[string]any{"message": "{{ job.name }} failed", "body": nil}}}, 200},
		{"GET", "/api/v1/notifiers/{id}/", "/api/v1/notifiers/999999/", nil, 404},
		{"POST", "/api/v1/organizations/", "/api/v1/organizations/", map[string]any{}, 400},
		{"POST", "/api/v1/organizations/", "/api/v1/organizations/", "{", 400},
	}
	for _, coll := range []string{"organizations", "projects", "inventories", "inventory_sources", "job_templates", "workflow_job_templates", "system_job_templates"} {
		id := map[string]int64{"organizations": f.org, "projects": f.project, "inventories": f.inventory, "inventory_sources": f.source,
			"job_templates": f.jobTemplate, "workflow_job_templates": f.workflow, "system_job_templates": f.system}[coll]
		calls = append(calls,
			call{"GET", "/api/v1/" + coll + "/", "/api/v1/" + coll + "/", nil, 200},
			call{"GET", "/api/v1/" + coll + "/{id}/", objPath(coll, id), nil, 200},
			call{"PATCH", "/api/v1/" + coll + "/{id}/", objPath(coll, id), map[string]any{"description": "changed"}, 200})
	}
	for _, k := range kindCases {
		launchDoc := strings.Replace(k.launchPath(f), fmt.Sprintf("/%d/", k.template(f)), "/{id}/", 1)
		if k.kind == "ad_hoc_command" {
			launchDoc = k.launchPath(f)
		}
		r := s.Do("POST", k.launchPath(f), k.body(f, nil))
		if r.Status != http.StatusCreated {
			t.Fatalf("launch %s: %d %s", k.kind, r.Status, r.Body)
		}
		checkAnswer(t, v, doc, "POST", launchDoc, "201", r)
		job := objPath(k.collection, heraldtest.ID(r.JSON()))
		calls = append(calls,
			call{"PATCH", "/api/v1/" + k.collection + "/{id}/", job, map[string]any{"status": "failed", "result_traceback": "boom",
				"host_status_counts": map[string]any{"ok": 1, "failures": 1}, "hosts": map[string]any{"web1": map[string]any{"failures": 1}}}, 200},
			call{"GET", "/api/v1/" + k.collection + "/{id}/", job, nil, 200},
			call{"GET", "/api/v1/" + k.collection + "/", "/api/v1/" + k.collection + "/", nil, 200},
			call{"GET", "/api/v1/" + k.collection + "/{id}/notifications/", job + "notifications/", nil, 200})
	}
	calls = append(calls,
		call{"GET", "/api/v1/unified_jobs/", "/api/v1/unified_jobs/", nil, 200},
		call{"GET", "/api/v1/notifications/", "/api/v1/notifications/", nil, 200},
		call{"GET", "/api/v1/notifications/{id}/", "/api/v1/notifications/1/", nil, 200})
	for _, c := range calls {
		r := s.Do(c.method, c.path, c.body)
		if r.Status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, r.Status, r.Body, c.status)
			continue
		}
		checkAnswer(t, v, doc, c.method, c.docPath, fmt.Sprint(c.status), r)
	}
}

func checkAnswer(t *testing.T, v validator, doc *openAPIDoc, method, docPath, status string, r *heraldtest.Response) {
	t.Helper()
	op := doc.op(t, method, docPath)
	resp, ok := op.Responses[status]
	if !ok {
		t.Errorf("%s %s: the document has no %s answer", method, docPath, status)
		return
	}
	var sc any
	if resp.Ref != "" {
		sc = doc.Components.Responses[strings.TrimPrefix(resp.Ref, "#/components/responses/")].Content["application/json"].Schema
	} else {
		sc = resp.Content["application/json"].Schema
	}
	if sc == nil {
		t.Errorf("%s %s %s: no schema for the answer", method, docPath, status)
		return
	}
	var val any
	if err := json.Unmarshal(r.Body, &val); err != nil {
		t.Errorf("%s %s: answer is not JSON: %v", method, docPath, err)
		return
	}
	for _, p := range v.check(sc, val, "answer") {
		t.Errorf("%s %s %s: %s", method, docPath, status, p)
	}
}
