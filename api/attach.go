package api

import (
	"encoding/json"
	"net/http"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// attached lists the notifiers on an object's trigger list (notifiers_error/ ...).
func (s *server) attached(t *herald.ObjectType, trigger herald.Trigger) http.HandlerFunc {
	return listHandler(s,
		func(r *http.Request, q store.Query) ([]*herald.Notifier, int, error) {
			id, err := s.objectID(r, t)
			if err != nil {
				return nil, 0, err
			}
			return s.store.ListAttached(r.Context(), t.Name, id, trigger, q)
		},
		s.notifierJSON)
}

// objectID reads the path id and checks that the object exists.
func (s *server) objectID(r *http.Request, t *herald.ObjectType) (int64, error) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return 0, err
	}
	if _, err := s.store.GetObject(r.Context(), t, id); err != nil {
		return 0, err
	}
	return id, nil
}

// attach handles POST {"id": K} (attach) and {"id": K, "disassociate": true} (detach).
func (s *server) attach(t *herald.ObjectType, trigger herald.Trigger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.objectID(r, t)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		raw, ok := fields["id"]
		var notifier int64
		switch {
		case !ok:
			s.writeError(w, r, herald.FieldError("id", "This field is required."))
			return
		case json.Unmarshal(raw, &notifier) != nil || notifier <= 0:
			s.writeError(w, r, herald.FieldError("id", "\"id\" field must be an integer."))
			return
		}
		a := herald.Attachment{ObjectType: t.Name, ObjectID: id, Trigger: trigger, Notifier: notifier}
		if _, detach := fields["disassociate"]; detach {
			err = s.store.Detach(r.Context(), a)
		} else {
			err = s.store.Attach(r.Context(), a)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// effective explains which notifiers a job from this object collects, and why.
func (s *server) effective(t *herald.ObjectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.objectID(r, t)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		trigger := herald.Trigger(r.URL.Query().Get("trigger"))
		switch trigger {
		case herald.TriggerStarted, herald.TriggerSuccess, herald.TriggerError:
		default:
			s.writeError(w, r, herald.FieldError("trigger", "Give ?trigger= as one of started, success or error."))
			return
		}
		list, err := s.store.EffectiveNotifiers(r.Context(), t.Name, id, trigger)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		results := make([]any, 0, len(list))
		for _, e := range list {
			results = append(results, map[string]any{
				"notifier": map[string]any{"id": e.Notifier.ID, "name": e.Notifier.Name, "notification_type": e.Notifier.Type},
				"levels":   e.Levels,
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"trigger": trigger, "results": results})
	}
}

func (s *server) organizationNotifiers(w http.ResponseWriter, r *http.Request) {
	t := herald.ObjectTypeByName("organization")
	listHandler(s,
		func(r *http.Request, q store.Query) ([]*herald.Notifier, int, error) {
			id, err := s.objectID(r, t)
			if err != nil {
				return nil, 0, err
			}
			return s.store.ListOrganizationNotifiers(r.Context(), id, q)
		},
		s.notifierJSON)(w, r)
}
