package api

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
	"github.com/herald-notify/herald/message"
)

func (s *server) notifierJSON(r *http.Request, n *herald.Notifier) map[string]any {
	self := objectURL("notifiers", n.ID)
	related := map[string]any{"notifications": self + "notifications/", "test": self + "test/"}
	summary := map[string]any{}
	if n.Organization != nil {
		related["organization"] = objectURL("organizations", *n.Organization)
		summary["organization"] = map[string]any{"id": *n.Organization, "name": s.svc.ObjectName(r.Context(), "organizations", *n.Organization)}
	}
	recent, err := s.svc.RecentNotifications(r.Context(), n.ID, 5)
	if err != nil {
		s.log.Error("recent notifications", "notifier", n.ID, "err", err)
	}
	rs := make([]any, 0, len(recent))
	for _, x := range recent {
		rs = append(rs, map[string]any{"id": x.ID, "status": x.Status, "created": fmtTime(x.Created), "error": x.Error})
	}
	summary["recent_notifications"] = rs
	delivery, err := s.svc.NotifierDelivery(r.Context(), n)
	if err != nil {
		s.log.Error("notifier delivery state", "notifier", n.ID, "err", err)
	}
	summary["delivery"] = deliveryJSON(delivery)
	return map[string]any{
		"id": n.ID, "type": "notifier", "url": self, "related": related, "summary_fields": summary,
		"created": fmtTime(n.Created), "modified": fmtTime(n.Modified),
		"name": n.Name, "description": n.Description, "organization": n.Organization, "notification_type": n.Type,
		"notification_configuration": s.masked(r, n), "messages": messagesJSON(n.Messages),
		"enabled": !n.Paused, "rate_limit": n.RateLimit,
	}
}

// masked is the configuration as the caller may see it (app.ShownConfig),
// with the secrets Herald made for the save being answered shown once.
func (s *server) masked(r *http.Request, n *herald.Notifier) map[string]any {
	out := s.svc.ShownConfig(r.Context(), n)
	for k, v := range n.Generated { // made by this save: its answer shows them once
		out[k] = v
	}
	return out
}

// messagesJSON shows custom messages in AWX's shape: the approval events
// under "workflow_approval" (null when it has none).
func messagesJSON(m herald.Messages) map[string]any {
	out := map[string]any{"started": nil, "success": nil, "error": nil, "workflow_approval": nil}
	approval := map[string]any{}
	for k, v := range m {
		switch {
		case v == nil:
		case slices.Contains(message.ApprovalEvents, k):
			approval[k] = v
		default:
			out[k] = v
		}
	}
	if len(approval) > 0 {
		for _, e := range message.ApprovalEvents {
			if approval[e] == nil {
				approval[e] = nil
			}
		}
		out["workflow_approval"] = approval
	}
	return out
}

func (s *server) listNotifiers(w http.ResponseWriter, r *http.Request) {
	listHandler(s, s.svc.ListNotifiers, s.notifierJSON)(w, r)
}

func (s *server) getNotifier(w http.ResponseWriter, r *http.Request) {
	getHandler(s, s.svc.GetNotifier, s.notifierJSON)(w, r)
}

// notifierInput reads a notifier's fields from a body; the application
// layer checks them as a whole.
func notifierInput(fields map[string]json.RawMessage) (app.NotifierInput, error) {
	fe := fieldErrors{}
	var in app.NotifierInput
	for name, dst := range map[string]**string{"name": &in.Name, "description": &in.Description, "notification_type": &in.Type} {
		max := map[string]int{"name": 512, "notification_type": 32}[name]
		if v, ok := fe.str(fields, name, false, max); ok {
			*dst = &v
		}
	}
	in.Organization, in.OrganizationGiven = fe.ref(fields, "organization", false)
	in.Config = fields["notification_configuration"]
	in.Messages = fields["messages"]
	if raw, ok := fields["enabled"]; ok {
		var v bool
		if err := json.Unmarshal(raw, &v); err != nil || string(raw) == "null" {
			fe.add("enabled", "Must be a valid boolean.")
		} else {
			in.Enabled = &v
		}
	}
	if raw, ok := fields["rate_limit"]; ok {
		in.RateLimitGiven = true
		if string(raw) != "null" {
			var v float64
			if err := json.Unmarshal(raw, &v); err != nil {
				fe.add("rate_limit", "A valid number is required.")
			} else {
				in.RateLimit = &v
			}
		}
	}
	return in, fe.err()
}

func (s *server) createNotifier(w http.ResponseWriter, r *http.Request) {
	fields, ok := s.decode(w, r, false)
	if !ok {
		return
	}
	in, err := notifierInput(fields)
	if err == nil {
		var n *herald.Notifier
		if n, err = s.svc.CreateNotifier(r.Context(), in); err == nil {
			w.Header().Set("Location", objectURL("notifiers", n.ID))
			writeJSON(w, http.StatusCreated, s.notifierJSON(r, n))
			return
		}
	}
	s.writeError(w, r, err)
}

func (s *server) updateNotifier(partial bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if _, err := s.svc.GetNotifier(r.Context(), id); err != nil {
			s.writeError(w, r, err) // a missing notifier is a 404 before any complaint about the body
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		in, err := notifierInput(fields)
		if err == nil {
			var n *herald.Notifier
			if n, err = s.svc.UpdateNotifier(r.Context(), id, in, partial); err == nil {
				writeJSON(w, http.StatusOK, s.notifierJSON(r, n))
				return
			}
		}
		s.writeError(w, r, err)
	}
}

func (s *server) deleteNotifier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.svc.DeleteNotifier(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testNotifier sends a test message through the delivery engine (202, then poll).
func (s *server) testNotifier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	note, err := s.svc.TestNotifier(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := s.notificationJSON(r, note)
	out["notification"] = note.ID
	w.Header().Set("Location", objectURL("notifications", note.ID))
	writeJSON(w, http.StatusAccepted, out)
}
