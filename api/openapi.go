package api

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/herald-notify/herald"
)

// operation documents one method of one route.
type operation struct {
	Summary string
	Body    any   // the request body: a value of its Go type, a schema, or a func(*schemas) schema; nil for none
	Partial bool  // the body's fields are all optional (PATCH)
	MayOmit bool  // no body at all is an empty object
	Answer  any   // the success answer, as Body; nil for an empty answer
	Status  int   // the success status (200 when 0)
	List    bool  // the answer is a page of Answer, and the list query parameters apply
	Text    bool  // the answer is text/plain (Answer is then a string)
	Errors  []int // error statuses besides those every operation of its kind has
	Query   []any // more parameters: schema objects of OpenAPI parameters
}

// pathInfo is what a route's path says: the object type or job kind of its
// collection, and the trigger list.
type pathInfo struct {
	object  *herald.ObjectType
	kind    herald.JobKind
	trigger herald.Trigger
}

// operations documents every route, keyed by "METHOD path" as routes.go
// registers it. Paths of the generated families use placeholders:
// {objects} is any collection of herald.ObjectTypes, {jobs} any job kind's,
// {launch} the object's launch verb, and notifiers_{trigger} any list of
// herald.AttachTriggers. A new route needs one line here.
var operations = map[string]func(p pathInfo) operation{
	"GET /healthz": func(pathInfo) operation { return operation{Summary: "Liveness", Answer: healthDoc{}} },
	"GET /readyz": func(pathInfo) operation {
		return operation{Summary: "Readiness: the database reachable, workers running", Answer: healthDoc{}, Errors: []int{503}}
	},
	"GET /metrics": func(pathInfo) operation { return operation{Summary: "Prometheus metrics", Answer: "", Text: true} },
	"GET /api/v1/ping/": func(pathInfo) operation {
		return operation{Summary: "Version, database and instance", Answer: pingDoc{}}
	},
	"GET /api/v1/openapi.json/": func(pathInfo) operation {
		return operation{Summary: "This document (OpenAPI 3.1)", Answer: schema{"type": "object"}}
	},
	"GET /api/v1/tokens/": func(pathInfo) operation {
		return operation{Summary: "List your live tokens", Answer: tokenDoc{}, List: true}
	},
	"POST /api/v1/tokens/": func(pathInfo) operation {
		return operation{Summary: "Make a token", Body: tokenBodyDoc{}, MayOmit: true, Answer: newTokenDoc{}, Status: 201}
	},
	"DELETE /api/v1/tokens/{id}/": func(pathInfo) operation { return operation{Summary: "Revoke a token", Status: 204} },

	"GET /api/v1/{objects}/": func(p pathInfo) operation {
		return operation{Summary: "List " + plural(p.object.Title), Answer: objectSchema(p.object), List: true}
	},
	"POST /api/v1/{objects}/": func(p pathInfo) operation {
		return operation{Summary: "Create " + article(p.object.Title), Body: objectBody(p.object), Answer: objectSchema(p.object), Status: 201, Errors: []int{409}}
	},
	"GET /api/v1/{objects}/{id}/": func(p pathInfo) operation {
		return operation{Summary: "Get " + article(p.object.Title), Answer: objectSchema(p.object)}
	},
	"PUT /api/v1/{objects}/{id}/": func(p pathInfo) operation {
		return operation{Summary: "Replace " + article(p.object.Title), Body: objectBody(p.object), Answer: objectSchema(p.object), Errors: []int{409}}
	},
	"PATCH /api/v1/{objects}/{id}/": func(p pathInfo) operation {
		return operation{Summary: "Change " + article(p.object.Title), Body: objectBody(p.object), Partial: true, Answer: objectSchema(p.object), Errors: []int{409}}
	},
	"DELETE /api/v1/{objects}/{id}/": func(p pathInfo) operation {
		return operation{Summary: "Delete " + article(p.object.Title), Status: 204, Errors: []int{409}, Query: []any{cascadeParam}}
	},
	"POST /api/v1/{objects}/{id}/{launch}/": func(p pathInfo) operation {
		return launchOperation(p.object.Launches, launchDoc{})
	},
	"GET /api/v1/{objects}/{id}/notifiers_{trigger}/": func(p pathInfo) operation {
		return operation{Summary: fmt.Sprintf("Notifiers attached to %s's %s list", article(p.object.Title), p.trigger), Answer: notifierDoc{}, List: true}
	},
	"POST /api/v1/{objects}/{id}/notifiers_{trigger}/": func(p pathInfo) operation {
		return operation{Summary: fmt.Sprintf("Attach a notifier to %s's %s list, or detach it", article(p.object.Title), p.trigger), Body: attachDoc{}, Status: 204}
	},
	"GET /api/v1/{objects}/{id}/effective_notifiers/": func(p pathInfo) operation {
		return operation{Summary: fmt.Sprintf("Which notifiers a job of %s collects, and why", article(p.object.Title)), Answer: effectiveNotifiersDoc{}, Query: []any{triggerParam}}
	},
	"GET /api/v1/organizations/{id}/notifiers/": func(pathInfo) operation {
		return operation{Summary: "Notifiers owned by an organization", Answer: notifierDoc{}, List: true}
	},

	"GET /api/v1/{jobs}/": func(p pathInfo) operation {
		return operation{Summary: "List " + plural(p.kind.FriendlyName()), Answer: jobSchema(p.kind), List: true}
	},
	"POST /api/v1/ad_hoc_commands/": func(pathInfo) operation {
		return launchOperation(herald.KindAdHocCommand, adHocCommandBodyDoc{})
	},
	"GET /api/v1/{jobs}/{id}/": func(p pathInfo) operation {
		return operation{Summary: "Get " + article(p.kind.FriendlyName()), Answer: jobSchema(p.kind)}
	},
	"PATCH /api/v1/{jobs}/{id}/": func(p pathInfo) operation {
		return operation{Summary: "Report " + article(p.kind.FriendlyName()) + "'s status; fires the triggers", Body: jobUpdateDoc{}, Answer: jobSchema(p.kind), Errors: []int{409}}
	},
	"GET /api/v1/{jobs}/{id}/notifications/": func(p pathInfo) operation {
		return operation{Summary: "Notifications of " + article(p.kind.FriendlyName()), Answer: notificationDoc{}, List: true}
	},
	"GET /api/v1/unified_jobs/": func(pathInfo) operation {
		return operation{Summary: "List jobs of every kind", Answer: jobSchema(""), List: true}
	},

	"GET /api/v1/notifiers/": func(pathInfo) operation {
		return operation{Summary: "List notifiers", Answer: notifierDoc{}, List: true}
	},
	"POST /api/v1/notifiers/": func(pathInfo) operation {
		return operation{Summary: "Create a notifier", Body: notifierBodyDoc{}, Answer: notifierDoc{}, Status: 201}
	},
	"GET /api/v1/notifiers/{id}/": func(pathInfo) operation {
		return operation{Summary: "Get a notifier", Answer: notifierDoc{}}
	},
	"PUT /api/v1/notifiers/{id}/": func(pathInfo) operation {
		return operation{Summary: "Replace a notifier", Body: notifierBodyDoc{}, Answer: notifierDoc{}}
	},
	"PATCH /api/v1/notifiers/{id}/": func(pathInfo) operation {
		return operation{Summary: "Change a notifier", Body: notifierBodyDoc{}, Partial: true, Answer: notifierDoc{}}
	},
	"DELETE /api/v1/notifiers/{id}/": func(pathInfo) operation {
		return operation{Summary: "Delete a notifier (409 while it has notifications being delivered)", Status: 204, Errors: []int{409}}
	},
	"POST /api/v1/notifiers/{id}/test/": func(pathInfo) operation {
		return operation{Summary: "Send a test notification", Answer: testNotificationDoc{}, Status: 202}
	},
	"GET /api/v1/notifiers/{id}/notifications/": func(pathInfo) operation {
		return operation{Summary: "Notifications of a notifier", Answer: notificationDoc{}, List: true}
	},
	"GET /api/": func(pathInfo) operation {
		return operation{Summary: "The API's versions, as AWX's /api/", Answer: apiRootDoc{}}
	},
	"GET /api/v2/": func(pathInfo) operation {
		return operation{Summary: "The AWX-compatible API: each collection's URL", Answer: map[string]string{}}
	},
	"GET /api/v1/me/": func(pathInfo) operation {
		return operation{Summary: "The caller, in a list of one (as AWX)", Answer: userDoc{}, List: true}
	},
	"GET /api/v1/users/": func(pathInfo) operation { return operation{Summary: "List users", Answer: userDoc{}, List: true} },
	"POST /api/v1/users/": func(pathInfo) operation {
		return operation{Summary: "Create a user", Body: userBodyDoc{}, Answer: userDoc{}, Status: 201}
	},
	"GET /api/v1/users/{id}/": func(pathInfo) operation {
		return operation{Summary: "Get a user", Answer: userDoc{}}
	},
	"PUT /api/v1/users/{id}/": func(pathInfo) operation {
		return operation{Summary: "Change a user (a new password ends their tokens)", Body: userBodyDoc{}, Partial: true, Answer: userDoc{}}
	},
	"PATCH /api/v1/users/{id}/": func(pathInfo) operation {
		return operation{Summary: "Change a user (a new password ends their tokens)", Body: userBodyDoc{}, Partial: true, Answer: userDoc{}}
	},
	"DELETE /api/v1/users/{id}/": func(pathInfo) operation {
		return operation{Summary: "Delete a user and end their tokens", Status: 204}
	},
	"GET /api/v1/users/{id}/tokens/": func(pathInfo) operation {
		return operation{Summary: "A user's live tokens (superusers)", Answer: tokenDoc{}, List: true}
	},
	"GET /api/v1/users/{id}/roles/": func(pathInfo) operation {
		return operation{Summary: "The roles a user holds", Answer: roleDoc{}, List: true}
	},
	"GET /api/v1/teams/{id}/roles/": func(pathInfo) operation {
		return operation{Summary: "The roles a team holds", Answer: roleDoc{}, List: true}
	},
	"GET /api/v1/roles/{id}/": func(pathInfo) operation { return operation{Summary: "Get a role", Answer: roleDoc{}} },
	"POST /api/v1/roles/{id}/users/": func(pathInfo) operation {
		return operation{Summary: "Grant a role to a user, or take it back", Body: grantDoc{}, Status: 204}
	},
	"POST /api/v1/roles/{id}/teams/": func(pathInfo) operation {
		return operation{Summary: "Grant a role to a team, or take it back", Body: grantDoc{}, Status: 204}
	},
	"GET /api/v1/{objects}/{id}/object_roles/": func(p pathInfo) operation {
		return operation{Summary: fmt.Sprintf("The roles of %s", article(p.object.Title)), Answer: roleDoc{}, List: true}
	},
	"POST /api/v1/workflow_jobs/{id}/approvals/": func(pathInfo) operation {
		return operation{Summary: "Ask for an approval in a running workflow job", Body: approvalBodyDoc{}, Answer: workflowApprovalDoc{}, Status: 201, Errors: []int{409}}
	},
	"GET /api/v1/workflow_approvals/": func(pathInfo) operation {
		return operation{Summary: "List workflow approvals", Answer: workflowApprovalDoc{}, List: true}
	},
	"GET /api/v1/workflow_approvals/{id}/": func(pathInfo) operation {
		return operation{Summary: "Get a workflow approval", Answer: workflowApprovalDoc{}}
	},
	"POST /api/v1/workflow_approvals/{id}/approve/": func(pathInfo) operation {
		return operation{Summary: "Approve a pending workflow approval", Status: 204, Errors: []int{409}}
	},
	"POST /api/v1/workflow_approvals/{id}/deny/": func(pathInfo) operation {
		return operation{Summary: "Deny a pending workflow approval", Status: 204, Errors: []int{409}}
	},

	"POST /api/v1/notifiers/preview/": func(pathInfo) operation {
		return operation{Summary: "Render custom messages for each trigger, without saving them", Body: previewBodyDoc{}, Answer: map[string]renderedDoc{}}
	},
	"GET /api/v1/notification_types/": func(pathInfo) operation {
		return operation{Summary: "Every notifier type's configuration fields", Answer: notificationTypeDoc{}, List: true}
	},
	"GET /api/v1/notifications/": func(pathInfo) operation {
		return operation{Summary: "List notifications", Answer: notificationDoc{}, List: true}
	},
	"GET /api/v1/notifications/{id}/": func(pathInfo) operation { return operation{Summary: "Get a notification", Answer: notificationDoc{}} },
	"GET /api/v1/notifications/{id}/attempts/": func(pathInfo) operation {
		return operation{Summary: "A notification's attempt log, oldest first", Answer: attemptDoc{}, List: true}
	},
	"POST /api/v1/notifications/{id}/retry/": func(pathInfo) operation {
		return operation{Summary: "Send a failed or canceled notification again (409 otherwise)", MayOmit: true, Body: schema{"type": "object"}, Answer: notificationDoc{}, Status: 202, Errors: []int{409}}
	},
	"POST /api/v1/notifications/{id}/cancel/": func(pathInfo) operation {
		return operation{Summary: "Cancel a pending notification (409 otherwise)", MayOmit: true, Body: schema{"type": "object"}, Answer: notificationDoc{}, Errors: []int{409}}
	},
	"POST /api/v1/notifications/retry/": func(pathInfo) operation {
		return operation{Summary: "Send again the failed or canceled notifications a filter picks", Body: steerFilterDoc{}, Answer: steerCountDoc{}, Status: 202}
	},
	"POST /api/v1/notifications/cancel/": func(pathInfo) operation {
		return operation{Summary: "Cancel the pending notifications a filter picks", Body: steerFilterDoc{}, Answer: steerCountDoc{}, Status: 202}
	},
}

func launchOperation(kind herald.JobKind, body any) operation {
	return operation{
		Summary: "Launch " + article(kind.FriendlyName()) + " (200 with the same job for a repeated Idempotency-Key)",
		Body:    body, MayOmit: kind != herald.KindAdHocCommand, Answer: launchSchema(kind), Status: 201, Query: []any{idempotencyKeyParam},
	}
}

var (
	cascadeParam = schema{"name": "cascade", "in": "query", "description": "true: delete what the object holds too, instead of 409",
		"schema": schema{"type": "boolean"}}
	triggerParam = schema{"name": "trigger", "in": "query", "required": true,
		"schema": schema{"type": "string", "enum": []any{"started", "success", "error"}}}
	idempotencyKeyParam = schema{"name": "Idempotency-Key", "in": "header", "description": "the same key within 24 h returns the same job",
		"schema": schema{"type": "string", "maxLength": 255}}
)

// describe finds a route method's operation: by its exact path first, then
// with its collection, launch verb and trigger list as placeholders.
func describe(method, path string) (operation, bool) {
	if f, ok := operations[method+" "+path]; ok {
		return f(pathInfo{}), true
	}
	var p pathInfo
	seg := strings.Split(path, "/") // "", "api", "v1", collection, ...
	if len(seg) < 4 || seg[1] != "api" || seg[2] != "v1" {
		return operation{}, false
	}
	if t := herald.ObjectTypeByCollection(seg[3]); t != nil {
		p.object, seg[3] = t, "{objects}"
	} else {
		for _, k := range herald.JobKinds {
			if k.Collection() == seg[3] {
				p.kind, seg[3] = k, "{jobs}"
			}
		}
	}
	for i := 4; i < len(seg); i++ {
		switch {
		case p.object != nil && p.object.Launches != "" && seg[i] == p.object.LaunchVerb && seg[i-1] == "{id}":
			seg[i] = "{launch}"
		case p.object != nil && strings.HasPrefix(seg[i], "notifiers_") && slices.Contains(p.object.Triggers(), herald.Trigger(strings.TrimPrefix(seg[i], "notifiers_"))):
			p.trigger, seg[i] = herald.Trigger(strings.TrimPrefix(seg[i], "notifiers_")), "notifiers_{trigger}"
		}
	}
	if f, ok := operations[method+" "+strings.Join(seg, "/")]; ok {
		return f(p), true
	}
	return operation{}, false
}

// objectSchema is an object type's answer, from its declared fields.
func objectSchema(t *herald.ObjectType) func(*schemas) schema {
	return func(sc *schemas) schema {
		name := strings.ReplaceAll(t.Title, " ", "")
		if _, ok := sc.components[name]; !ok {
			out := sc.object(reflect.TypeFor[resourceDoc]())
			props := out["properties"].(schema)
			for _, f := range t.Fields {
				props[f.Name] = fieldSchema(f, !f.Required)
			}
			out["required"] = slices.Sorted(maps.Keys(props))
			sc.components[name] = out
		}
		return ref(name)
	}
}

// objectBody is what creating or replacing an object of t takes.
func objectBody(t *herald.ObjectType) schema {
	props := schema{}
	var required []string
	for _, f := range t.Fields {
		if f.ReadOnly {
			continue
		}
		props[f.Name] = fieldSchema(f, !f.Required)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	out := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func fieldSchema(f herald.ObjectField, orNull bool) schema {
	var sc schema
	switch f.Kind {
	case herald.RefField:
		sc = schema{"type": "integer", "description": "the id of one of " + f.Ref}
		if orNull {
			sc["type"] = []string{"integer", "null"}
		}
	default:
		sc = schema{"type": "string"}
		if f.MaxLen > 0 {
			sc["maxLength"] = f.MaxLen
		}
	}
	if f.ReadOnly {
		sc["readOnly"] = true
	}
	return sc
}

// jobSchema is a job kind's answer: what all kinds share, its template link
// and its own fields; kind "" is any kind (unified_jobs/).
func jobSchema(kind herald.JobKind) func(*schemas) schema {
	return func(sc *schemas) schema {
		if kind == "" {
			var kinds []any
			for _, k := range herald.JobKinds {
				kinds = append(kinds, jobSchema(k)(sc))
			}
			return schema{"oneOf": kinds}
		}
		name := strings.ReplaceAll(kind.FriendlyName(), " ", "")
		if _, ok := sc.components[name]; !ok {
			out := sc.object(reflect.TypeFor[jobDoc]())
			props := out["properties"].(schema)
			props["type"] = schema{"type": "string", "const": string(kind)}
			props[templateField(kind)] = schema{"type": "integer"}
			switch kind {
			case herald.KindJob:
				orNull := schema{"type": []string{"integer", "null"}}
				props["playbook"], props["project"], props["inventory"] = schema{"type": "string"}, orNull, orNull
			case herald.KindAdHocCommand:
				props["module_name"], props["module_args"] = schema{"type": "string"}, schema{"type": "string"}
			}
			out["required"] = slices.Sorted(maps.Keys(props))
			sc.components[name] = out
		}
		return ref(name)
	}
}

// launchSchema is a launch's answer: the new job, and its id again under
// the kind's name ({"job": N, ...}), as AWX answers.
func launchSchema(kind herald.JobKind) func(*schemas) schema {
	return func(sc *schemas) schema {
		r := jobSchema(kind)(sc)["$ref"].(string)
		out := maps.Clone(sc.components[strings.TrimPrefix(r, "#/components/schemas/")])
		props := maps.Clone(out["properties"].(schema))
		props[string(kind)] = schema{"type": "integer", "description": "the new job's id again, as AWX answers"}
		out["properties"], out["required"] = props, slices.Sorted(maps.Keys(props))
		return out
	}
}

// templateField is the field of a job that names what it was launched from.
func templateField(kind herald.JobKind) string {
	for _, t := range herald.ObjectTypes {
		if t.Launches == kind {
			return t.Name
		}
	}
	return "inventory" // ad hoc commands run on an inventory
}

func plural(title string) string {
	switch {
	case strings.HasSuffix(title, "y"):
		return strings.ToLower(strings.TrimSuffix(title, "y") + "ies")
	case strings.HasSuffix(title, "s"):
		return strings.ToLower(title)
	}
	return strings.ToLower(title + "s")
}

func article(title string) string {
	if strings.ContainsRune("AEIOU", rune(title[0])) {
		return "an " + title
	}
	return "a " + title
}

// openAPI describes the API (OpenAPI 3.1) from the routes routes.go
// registered: paths, methods and security from the registrations, bodies,
// answers and parameters from operations.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, s.openAPIDocument(scheme+"://"+r.Host))
}

// openAPIDocument is the document; serverURL is where the client reached it.
func (s *server) openAPIDocument(serverURL string) schema {
	sc := newSchemas()
	paths := schema{}
	tags := map[string]bool{}
	for _, rt := range *s.routed {
		item := schema{}
		if names := pathParams(rt.path); len(names) > 0 {
			var params []any
			for _, n := range names {
				params = append(params, schema{"name": n, "in": "path", "required": true, "schema": schema{"type": "integer", "minimum": 1}})
			}
			item["parameters"] = params
		}
		for _, m := range rt.methods {
			op, ok := describe(m, rt.path)
			if !ok {
				op = operation{Summary: "Undocumented: add it to operations in api/openapi.go"}
			}
			tag := tagOf(rt.path)
			tags[tag] = true
			item[strings.ToLower(m)] = s.operationDoc(sc, m, rt, op, tag)
		}
		paths[rt.path] = item
	}
	var tagList []any
	for _, t := range slices.Sorted(maps.Keys(tags)) {
		tagList = append(tagList, schema{"name": t, "description": tagDescription(t)})
	}
	sc.of(detailDoc{}) // the error answers' components
	sc.of(healthDoc{})
	sc.components["FieldErrors"] = schema{"type": "object", "description": "messages by field; those tied to no field under __all__",
		"additionalProperties": schema{"type": "array", "items": schema{"type": "string"}}}
	var types []string
	for k := range s.svc.Types() {
		types = append(types, k)
	}
	sort.Strings(types)
	return schema{
		"openapi": "3.1.0",
		"info": schema{"title": "Herald", "version": herald.Version,
			"description": "Job notifications: the API of docs/api.md in the Herald repository. Notifier types: " + strings.Join(types, ", ") + ".",
			// The registry's types, for clients (the console) that offer a choice of them.
			"x-herald-notifier-types": types},
		"servers": []any{schema{"url": serverURL, "description": "the server that served this document"}},
		"tags":    tagList,
		"paths":   paths,
		"components": schema{
			"schemas": sc.components,
			"securitySchemes": schema{
				"basic":  schema{"type": "http", "scheme": "basic", "description": "a user's name and password"},
				"bearer": schema{"type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/tokens/"},
			},
			"parameters": schema{
				"page":      schema{"name": "page", "in": "query", "schema": schema{"type": "integer", "minimum": 1, "default": 1}},
				"page_size": schema{"name": "page_size", "in": "query", "description": fmt.Sprintf("a larger value is served as %d", maxPageSize), "schema": schema{"type": "integer", "minimum": 1, "default": defaultPageSize}},
				"order_by":  schema{"name": "order_by", "in": "query", "description": "a field, -field for descending; several separated by commas", "schema": schema{"type": "string"}},
				"search":    schema{"name": "search", "in": "query", "description": "text in the name or description (notifications: subject, type, body)", "schema": schema{"type": "string"}},
				"filters": schema{"name": "filters", "in": "query", "style": "form", "explode": true,
					"description": "field=value, field__icontains=text, field__in=a,b (not on notification_configuration)",
					"schema":      schema{"type": "object", "additionalProperties": schema{"type": "string"}}},
			},
			"responses": errorResponses(),
		},
	}
}

// operationDoc is one operation object.
func (s *server) operationDoc(sc *schemas, method string, rt route, op operation, tag string) schema {
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	responses := schema{}
	ok := schema{"description": http.StatusText(status)}
	if op.Answer != nil {
		var body schema
		if op.Text {
			body = schema{"text/plain": schema{"schema": schema{"type": "string"}}}
		} else {
			a := schemaOf(sc, op.Answer)
			if op.List {
				a = pageSchema(a)
			}
			body = schema{"application/json": schema{"schema": a}}
		}
		ok["content"] = body
	}
	responses[strconv.Itoa(status)] = ok
	errs := slices.Clone(op.Errors)
	if !rt.public {
		errs = append(errs, 401, 403)
	}
	if strings.Contains(rt.path, "{") {
		errs = append(errs, 404)
	}
	if op.Body != nil {
		errs = append(errs, 400, 413, 415)
	}
	if op.List {
		errs = append(errs, 400, 404)
	}
	errs = append(errs, 405)
	slices.Sort(errs)
	for _, code := range slices.Compact(errs) {
		responses[strconv.Itoa(code)] = schema{"$ref": "#/components/responses/" + errorName(code)}
	}
	doc := schema{"summary": op.Summary, "operationId": operationID(method, rt.path), "tags": []string{tag}, "responses": responses}
	var params []any
	if op.List {
		for _, p := range []string{"page", "page_size", "order_by", "search", "filters"} {
			params = append(params, schema{"$ref": "#/components/parameters/" + p})
		}
	}
	params = append(params, op.Query...)
	if len(params) > 0 {
		doc["parameters"] = params
	}
	if op.Body != nil {
		b := schemaOf(sc, op.Body)
		if op.Partial {
			b = optional(sc, b)
		}
		doc["requestBody"] = schema{"required": !op.MayOmit, "content": schema{"application/json": schema{"schema": b}}}
	}
	if rt.public {
		doc["security"] = []any{}
	} else {
		doc["security"] = []any{schema{"basic": []any{}}, schema{"bearer": []any{}}}
	}
	return doc
}

// schemaOf turns an operation's Body or Answer into a schema.
func schemaOf(sc *schemas, v any) schema {
	switch v := v.(type) {
	case schema:
		return v
	case func(*schemas) schema:
		return v(sc)
	}
	return sc.of(v)
}

// optional is sc with nothing required (a PATCH body), inlined from its
// component if it is a reference.
func optional(sc *schemas, b schema) schema {
	if r, ok := b["$ref"].(string); ok {
		b = sc.components[strings.TrimPrefix(r, "#/components/schemas/")]
	}
	out := maps.Clone(b)
	delete(out, "required")
	return out
}

func pageSchema(item schema) schema {
	link := schema{"type": []string{"string", "null"}}
	return schema{"type": "object", "required": []string{"count", "next", "previous", "results"}, "properties": schema{
		"count": schema{"type": "integer"}, "next": link, "previous": link, "results": schema{"type": "array", "items": item},
	}}
}

var errorNames = map[int]string{400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
	409: "Conflict", 413: "ContentTooLarge", 415: "UnsupportedMediaType", 503: "ServiceUnavailable"}

func errorName(code int) string { return errorNames[code] }

func errorResponses() schema {
	out := schema{}
	detail := schema{"application/json": schema{"schema": ref("Detail")}}
	for code, name := range errorNames {
		out[name] = schema{"description": http.StatusText(code), "content": detail}
	}
	out["BadRequest"] = schema{"description": "Bad Request: field errors, or a detail for a body that is not JSON",
		"content": schema{"application/json": schema{"schema": schema{"oneOf": []any{ref("FieldErrors"), ref("Detail")}}}}}
	out["ServiceUnavailable"] = schema{"description": "Service Unavailable", "content": schema{"application/json": schema{"schema": ref("Health")}}}
	return out
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

func pathParams(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// operationID is unique per method and path: GET /api/v1/jobs/{id}/ is get_jobs_id.
func operationID(method, path string) string {
	var parts []string
	for _, p := range strings.FieldsFunc(strings.TrimPrefix(path, "/api/v1/"), func(r rune) bool { return r == '/' || r == '.' }) {
		parts = append(parts, strings.Trim(p, "{}"))
	}
	return strings.ToLower(method) + "_" + strings.Join(parts, "_")
}

// tagOf groups operations by collection; the operational endpoints together.
func tagOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/v1/")
	if path == "/api/" || path == "/api/v2/" {
		return "versions"
	}
	if !ok || rest == "ping/" || rest == "openapi.json/" {
		return "operations"
	}
	c, _, _ := strings.Cut(rest, "/")
	return c
}

func tagDescription(tag string) string {
	if tag == "versions" {
		return "The API's versions and the AWX-compatible /api/v2/ (docs/api.md §10)"
	}
	if tag == "operations" {
		return "Health, readiness, metrics, version and this document (docs/api.md §8)"
	}
	if t := herald.ObjectTypeByCollection(tag); t != nil {
		return plural(t.Title) + ": objects that notifiers hang on (docs/api.md §2, §5)"
	}
	for _, k := range herald.JobKinds {
		if k.Collection() == tag {
			return plural(k.FriendlyName()) + " and their status reports (docs/api.md §3)"
		}
	}
	switch tag {
	case "unified_jobs":
		return "Jobs of every kind (docs/api.md §3)"
	case "notifiers", "notification_types":
		return "Configured destinations (docs/api.md §4)"
	case "notifications":
		return "Messages and their delivery (docs/api.md §6)"
	case "tokens":
		return "Bearer tokens (docs/api.md §1)"
	case "me", "users", "teams", "roles":
		return "Users, teams and roles (docs/api.md §9)"
	case "workflow_approvals":
		return "Workflow approvals (docs/api.md §10)"
	}
	return "The " + tag + " collection"
}
