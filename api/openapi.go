package api

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/herald-notify/herald"
)

// openAPI describes the API (OpenAPI 3.1). It is built from the same tables
// the routes are, so it cannot forget a collection.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]any{}
	op := func(summary string, codes ...string) map[string]any {
		resp := map[string]any{}
		for _, c := range codes {
			resp[c] = map[string]any{"description": statusText(c)}
		}
		return map[string]any{"summary": summary, "responses": resp}
	}
	idParam := []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "integer"}}}
	crud := func(base, what string) {
		paths[base] = map[string]any{"get": op("List "+what, "200", "400", "401"), "post": op("Create "+what, "201", "400", "401", "413", "415")}
		paths[base+"{id}/"] = map[string]any{"parameters": idParam,
			"get": op("Get "+what, "200", "404"), "put": op("Replace "+what, "200", "400", "404"),
			"patch": op("Update "+what, "200", "400", "404"), "delete": op("Delete "+what, "204", "404", "409")}
	}
	for _, t := range herald.ObjectTypes {
		base := "/api/v1/" + t.Collection + "/"
		crud(base, t.Title)
		if t.Launches != "" {
			paths[base+"{id}/"+t.LaunchVerb+"/"] = map[string]any{"parameters": idParam, "post": op("Launch a "+t.Launches.FriendlyName(), "200", "201", "400", "404")}
		}
		if t.Attachable() {
			for _, tr := range t.Triggers() {
				paths[base+"{id}/notifiers_"+string(tr)+"/"] = map[string]any{"parameters": idParam,
					"get": op("Notifiers attached for "+string(tr), "200", "404"), "post": op("Attach or detach a notifier", "204", "400", "404")}
			}
			paths[base+"{id}/effective_notifiers/"] = map[string]any{"parameters": idParam, "get": op("Explain which notifiers a job collects", "200", "400", "404")}
		}
	}
	for _, k := range herald.JobKinds {
		base := "/api/v1/" + k.Collection() + "/"
		paths[base] = map[string]any{"get": op("List "+k.FriendlyName()+"s", "200")}
		paths[base+"{id}/"] = map[string]any{"parameters": idParam, "get": op("Get a "+k.FriendlyName(), "200", "404"),
			"patch": op("Report a status change", "200", "400", "404", "409")}
		paths[base+"{id}/notifications/"] = map[string]any{"parameters": idParam, "get": op("The job's notifications", "200", "404")}
	}
	crud("/api/v1/notifiers/", "Notifier")
	paths["/api/v1/notifiers/{id}/test/"] = map[string]any{"parameters": idParam, "post": op("Send a test notification", "202", "404")}
	paths["/api/v1/notifications/"] = map[string]any{"get": op("List notifications", "200", "403")}
	paths["/api/v1/notifications/{id}/"] = map[string]any{"parameters": idParam, "get": op("Get a notification", "200", "404")}
	paths["/api/v1/tokens/"] = map[string]any{"get": op("List your tokens", "200"), "post": op("Make a token", "201")}
	paths["/api/v1/ping/"] = map[string]any{"get": op("Version, database and instance", "200")}
	paths["/api/v1/unified_jobs/"] = map[string]any{"get": op("List jobs of every kind", "200")}
	types := make([]string, 0, len(s.svc.Types()))
	for k := range s.svc.Types() {
		types = append(types, k)
	}
	sort.Strings(types)
	writeJSON(w, http.StatusOK, map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Herald", "version": herald.Version, "description": "Job notifications. Notifier types: " + strings.Join(types, ", "),
			// The registry's types, for clients (the console) that offer a choice of them.
			"x-herald-notifier-types": types},
		"components": map[string]any{"securitySchemes": map[string]any{
			"basic": map[string]any{"type": "http", "scheme": "basic"}, "bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
		"security": []any{map[string]any{"basic": []any{}}, map[string]any{"bearer": []any{}}},
		"paths":    paths,
	})
}

func statusText(code string) string {
	n, _ := strconv.Atoi(code)
	return http.StatusText(n)
}
