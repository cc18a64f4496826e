package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/herald-notify/herald"
)

func objectURL(collection string, id int64) string {
	return "/api/v1/" + collection + "/" + strconv.FormatInt(id, 10) + "/"
}

// objectJSON renders a stored object with its type, links and the names of what it points to.
func (s *server) objectJSON(ctx context.Context, t *herald.ObjectType, rec herald.Record) map[string]any {
	id := rec.ID()
	self := objectURL(t.Collection, id)
	out := map[string]any{
		"id": id, "type": t.Name, "url": self,
		"created": fmtTime(rec["created"].(time.Time)), "modified": fmtTime(rec["modified"].(time.Time)),
	}
	related := map[string]any{}
	summary := map[string]any{}
	for _, f := range t.Fields {
		out[f.Name] = rec[f.Name]
		if f.Kind != herald.RefField {
			continue
		}
		if ref, ok := rec[f.Name].(int64); ok {
			related[f.Name] = objectURL(f.Ref, ref)
			summary[f.Name] = map[string]any{"id": ref, "name": s.svc.ObjectName(ctx, f.Ref, ref)}
		}
	}
	if t.Attachable() {
		for _, tr := range t.Triggers() {
			related["notifiers_"+string(tr)] = self + "notifiers_" + string(tr) + "/"
		}
		related["effective_notifiers"] = self + "effective_notifiers/"
	}
	if t.Name == "organization" {
		related["notifiers"] = self + "notifiers/"
	}
	related["object_roles"] = self + "object_roles/"
	if t.Launches != "" {
		related[t.LaunchVerb] = self + t.LaunchVerb + "/"
	}
	out["related"], out["summary_fields"] = related, summary
	return out
}

func (s *server) listObjects(t *herald.ObjectType) http.HandlerFunc {
	return listHandler(s,
		func(ctx context.Context, q herald.Query) ([]herald.Record, int, error) {
			return s.svc.ListObjects(ctx, t, q)
		},
		func(r *http.Request, rec herald.Record) map[string]any { return s.objectJSON(r.Context(), t, rec) })
}

func (s *server) getObject(t *herald.ObjectType) http.HandlerFunc {
	return getHandler(s,
		func(ctx context.Context, id int64) (herald.Record, error) { return s.svc.GetObject(ctx, t, id) },
		func(r *http.Request, rec herald.Record) map[string]any { return s.objectJSON(r.Context(), t, rec) })
}

// objectValues checks a body against t's fields. partial (PATCH) allows missing required fields.
func objectValues(t *herald.ObjectType, fields map[string]json.RawMessage, partial bool) (map[string]any, error) {
	fe := fieldErrors{}
	values := map[string]any{}
	for _, f := range t.Fields {
		if f.ReadOnly {
			continue
		}
		required := f.Required && !partial
		switch f.Kind {
		case herald.TextField:
			if v, ok := fe.str(fields, f.Name, required, f.MaxLen); ok {
				if p := herald.ControlCharProblem(v); p != "" && f.Name == "name" {
					fe.add(f.Name, "%s", p)
				}
				values[f.Name] = v
			}
		case herald.RefField:
			if v, present := fe.ref(fields, f.Name, required); present {
				if v == nil {
					values[f.Name] = nil
				} else {
					values[f.Name] = *v
				}
			}
		}
	}
	if partial {
		if v, ok := values["name"].(string); ok && v == "" {
			fe.add("name", "This field may not be blank.")
		}
	}
	return values, fe.err()
}

func (s *server) createObject(t *herald.ObjectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		values, err := objectValues(t, fields, false)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := s.svc.CreateObject(r.Context(), t, values)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Location", objectURL(t.Collection, rec.ID()))
		writeJSON(w, http.StatusCreated, s.objectJSON(r.Context(), t, rec))
	}
}

func (s *server) updateObject(t *herald.ObjectType, partial bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		values, err := objectValues(t, fields, partial)
		if err != nil {
			// A missing object is a 404 before any complaint about the body (docs/api.md §1, as AWX).
			if _, gerr := s.svc.GetObject(r.Context(), t, id); gerr != nil {
				err = gerr
			}
			s.writeError(w, r, err)
			return
		}
		rec, err := s.svc.UpdateObject(r.Context(), t, id, values)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.objectJSON(r.Context(), t, rec))
	}
}

func (s *server) deleteObject(t *herald.ObjectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if err := s.svc.DeleteObject(r.Context(), t, id, r.URL.Query().Get("cascade") == "true"); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
