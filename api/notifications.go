package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

func (s *server) notificationJSON(r *http.Request, n *herald.Notification) map[string]any {
	related := map[string]any{"notifier": objectURL("notifiers", n.Notifier)}
	var job any
	if n.JobKind != "" {
		job = map[string]any{"kind": string(n.JobKind), "id": n.JobID}
		related["job"] = objectURL(n.JobKind.Collection(), n.JobID)
	}
	// A JSON body is shown as JSON, a text body (e-mail) as text.
	var body any = n.Body
	var obj map[string]any
	if json.Unmarshal([]byte(n.Body), &obj) == nil {
		body = obj
	}
	return map[string]any{
		"id": n.ID, "type": "notification", "url": objectURL("notifications", n.ID), "related": related,
		"summary_fields": map[string]any{"notifier": map[string]any{"id": n.Notifier, "name": s.store.ObjectName(r.Context(), "notifiers", n.Notifier)}},
		"created":        fmtTime(n.Created), "modified": fmtTime(n.Modified),
		"notifier": n.Notifier, "notification_type": n.NotificationType, "status": n.Status, "error": n.Error,
		"notifications_sent": n.NotificationsSent, "recipients": n.Recipients, "subject": n.Subject, "body": body,
		"job": job, "trigger": n.Trigger, "attempts": n.Attempts,
		"next_attempt_at": fmtTimePtr(n.NextAttemptAt), "last_attempt_at": fmtTimePtr(n.LastAttemptAt),
	}
}

// notifications lists notifications, narrowed by the extra filters a sub-list adds.
func (s *server) notifications(extra func(r *http.Request) ([]store.Filter, error)) http.HandlerFunc {
	return listHandler(s,
		func(r *http.Request, q store.Query) ([]*herald.Notification, int, error) {
			if extra != nil {
				f, err := extra(r)
				if err != nil {
					return nil, 0, err
				}
				q.Filters = append(q.Filters, f...)
			}
			return s.store.ListNotifications(r.Context(), q)
		},
		s.notificationJSON)
}

func (s *server) notifierNotifications(r *http.Request) ([]store.Filter, error) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetNotifier(r.Context(), id); err != nil {
		return nil, err
	}
	return []store.Filter{{Field: "notifier", Op: "exact", Values: []string{strconv.FormatInt(id, 10)}}}, nil
}

func (s *server) jobNotifications(kind herald.JobKind) func(r *http.Request) ([]store.Filter, error) {
	return func(r *http.Request) ([]store.Filter, error) {
		id, err := parseID(r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		if _, err := s.store.GetJob(r.Context(), kind, id); err != nil {
			return nil, err
		}
		return []store.Filter{{Field: "job_id", Op: "exact", Values: []string{strconv.FormatInt(id, 10)}}}, nil
	}
}

func (s *server) getNotification(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := s.store.GetNotification(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.notificationJSON(r, n))
}

func parseID(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, herald.Errorf(herald.ENOTFOUND, "Not found.")
	}
	return id, nil
}
