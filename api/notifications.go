package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/herald-notify/herald"
)

func (s *server) notificationJSON(r *http.Request, n *herald.Notification) map[string]any {
	self := objectURL("notifications", n.ID)
	related := map[string]any{"notifier": objectURL("notifiers", n.Notifier), "attempts": self + "attempts/", "retry": self + "retry/", "cancel": self + "cancel/"}
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
		"summary_fields": map[string]any{"notifier": map[string]any{"id": n.Notifier, "name": s.svc.ObjectName(r.Context(), "notifiers", n.Notifier)}},
		"created":        fmtTime(n.Created), "modified": fmtTime(n.Modified),
		"notifier": n.Notifier, "notification_type": n.NotificationType, "status": n.Status, "error": n.Error,
		"notifications_sent": n.NotificationsSent, "recipients": n.Recipients, "subject": n.Subject, "body": body,
		"job": job, "trigger": n.Trigger, "attempts": n.Attempts,
		"next_attempt_at": fmtTimePtr(n.NextAttemptAt), "last_attempt_at": fmtTimePtr(n.LastAttemptAt),
	}
}

func (s *server) listNotifications(w http.ResponseWriter, r *http.Request) {
	listHandler(s, s.svc.ListNotifications, s.notificationJSON)(w, r)
}

func (s *server) notifierNotifications(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r); ok {
		listHandler(s,
			func(ctx context.Context, q herald.Query) ([]*herald.Notification, int, error) {
				return s.svc.NotifierNotifications(ctx, id, q)
			},
			s.notificationJSON)(w, r)
	}
}

func (s *server) jobNotifications(kind herald.JobKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id, ok := pathID(w, r); ok {
			listHandler(s,
				func(ctx context.Context, q herald.Query) ([]*herald.Notification, int, error) {
					return s.svc.JobNotifications(ctx, kind, id, q)
				},
				s.notificationJSON)(w, r)
		}
	}
}

func (s *server) getNotification(w http.ResponseWriter, r *http.Request) {
	getHandler(s, s.svc.GetNotification, s.notificationJSON)(w, r)
}
