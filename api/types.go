package api

import (
	"net/http"
	"sort"

	"github.com/herald-notify/herald/notify"
)

// jsonTypes names each configuration kind as the JSON it takes; a password is
// a string that is also secret.
var jsonTypes = map[notify.Kind]string{
	notify.String: "string", notify.Int: "integer", notify.Bool: "boolean",
	notify.List: "list", notify.Object: "object", notify.Password: "string",
}

// notificationTypes answers every notifier type's configuration schema, so
// that clients (the console's forms) follow the registry with no change of
// their own when a type is added.
func (s *server) notificationTypes(w http.ResponseWriter, r *http.Request) {
	types := s.svc.Types()
	names := typeNames(types)
	results := make([]any, 0, len(names))
	for _, name := range names {
		spec := types[name]
		fields := make([]any, 0, len(spec.Fields))
		for _, f := range spec.Fields {
			fields = append(fields, map[string]any{
				"key": f.Key, "label": f.Label, "type": jsonTypes[f.Kind], "required": f.Required,
				"secret": f.Kind == notify.Password, "default": f.Default,
			})
		}
		results = append(results, map[string]any{
			"notification_type": name, "label": spec.Label, "recipients": spec.Recipients, "fields": fields,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(results), "next": nil, "previous": nil, "results": results})
}

// typeNames lists the types' names in order.
func typeNames(types map[string]*notify.Spec) []string {
	names := make([]string, 0, len(types))
	for name := range types {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
