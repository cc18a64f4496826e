package api

import (
	"context"
	"net/http"

	"github.com/herald-notify/herald"
)

// attached lists the notifiers on an object's trigger list (notifiers_error/ ...).
func (s *server) attached(t *herald.ObjectType, trigger herald.Trigger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		listHandler(s,
			func(ctx context.Context, q herald.Query) ([]*herald.Notifier, int, error) {
				return s.svc.Attached(ctx, t, id, trigger, q)
			},
			s.notifierJSON)(w, r)
	}
}

// attach handles POST {"id": K} (attach) and {"id": K, "disassociate": true} (detach).
func (s *server) attach(t *herald.ObjectType, trigger herald.Trigger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if _, err := s.svc.GetObject(r.Context(), t, id); err != nil {
			s.writeError(w, r, err) // a missing object is a 404 before any complaint about the body
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		notifier, err := bodyID(fields)
		if err == nil {
			_, detach := fields["disassociate"]
			err = s.svc.Attach(r.Context(), herald.Attachment{ObjectType: t.Name, ObjectID: id, Trigger: trigger, Notifier: notifier}, detach)
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
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		trigger := herald.Trigger(r.URL.Query().Get("trigger"))
		switch trigger {
		case herald.TriggerStarted, herald.TriggerSuccess, herald.TriggerError, herald.TriggerChanged:
		default:
			if _, err := s.svc.GetObject(r.Context(), t, id); err != nil {
				s.writeError(w, r, err)
				return
			}
			s.writeError(w, r, herald.FieldError("trigger", "Give ?trigger= as one of started, success, error or changed."))
			return
		}
		list, err := s.svc.EffectiveNotifiers(r.Context(), t, id, trigger)
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
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	listHandler(s,
		func(ctx context.Context, q herald.Query) ([]*herald.Notifier, int, error) {
			return s.svc.OrganizationNotifiers(ctx, id, q)
		},
		s.notifierJSON)(w, r)
}
