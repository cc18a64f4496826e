package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/herald-notify/herald"
)

const notificationColumns = "id, notifier, notification_type, status, error, notifications_sent, recipients, subject, body, job_kind, job_id, event, attempts, next_attempt_at, last_attempt_at, delivered, created, modified, attempt_base"

var notificationList = &listSpec{
	from: "notifications",
	cols: map[string]column{
		"id": {"id", colInt}, "notifier": {"notifier", colInt}, "notification_type": {"notification_type", colText},
		"status": {"status", colText}, "error": {"error", colText}, "notifications_sent": {"notifications_sent", colInt},
		"recipients": {"recipients", colText}, "subject": {"subject", colText}, "body": {"body", colText},
		"attempts": {"attempts", colInt}, "created": {"created", colTime}, "modified": {"modified", colTime},
		"next_attempt_at": {"next_attempt_at", colTime}, "last_attempt_at": {"last_attempt_at", colTime},
		"job_kind": {"job_kind", colText}, "job_id": {"job_id", colInt}, "job": {"job_id", colInt},
	},
	search:  []string{"subject", "notification_type", "body"},
	orderBy: "id ASC",
}

func scanNotification(sc interface{ Scan(...any) error }, extra ...any) (*herald.Notification, error) {
	var n herald.Notification
	var kind, delivered string
	var jobID, next, last sql.NullInt64
	var created, modified int64
	err := sc.Scan(append([]any{&n.ID, &n.Notifier, &n.NotificationType, &n.Status, &n.Error, &n.NotificationsSent, &n.Recipients,
		&n.Subject, &n.Body, &kind, &jobID, &n.Trigger, &n.Attempts, &next, &last, &delivered, &created, &modified, &n.AttemptBase}, extra...)...)
	if err != nil {
		return nil, err
	}
	n.JobKind, n.JobID = herald.JobKind(kind), jobID.Int64
	n.NextAttemptAt, n.LastAttemptAt = nullTime(next), nullTime(last)
	n.Created, n.Modified = fromMicros(created), fromMicros(modified)
	if delivered != "" {
		n.Delivered = strings.Split(delivered, "\n")
	}
	return &n, nil
}

// ListNotifications returns a page of notifications.
func (s *Store) ListNotifications(ctx context.Context, q herald.Query) ([]*herald.Notification, int, error) {
	where, order, args, err := notificationList.build(q)
	if err != nil {
		return nil, 0, err
	}
	var count int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM notifications"+where), args...).Scan(&count); err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+notificationColumns+" FROM notifications"+where+order+window(q)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*herald.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	return out, count, rows.Err()
}

// GetNotification returns the notification with id.
func (s *Store) GetNotification(ctx context.Context, id int64) (*herald.Notification, error) {
	n, err := scanNotification(s.r.QueryRowContext(ctx, s.q("SELECT "+notificationColumns+" FROM notifications WHERE id = ?"), id))
	return n, notFound(err)
}

// RecentNotifications returns a notifier's last n notifications, newest first.
func (s *Store) RecentNotifications(ctx context.Context, notifier int64, n int) ([]*herald.Notification, error) {
	list, _, err := s.ListNotifications(ctx, herald.Query{
		Filters: []herald.Filter{{Field: "notifier", Op: "exact", Values: []string{itoa(notifier)}}},
		OrderBy: []string{"-id"}, Limit: n,
	})
	return list, err
}

// CreateTestNotification writes a pending test notification for a notifier.
func (s *Store) CreateTestNotification(ctx context.Context, n herald.NewNotification) (*herald.Notification, error) {
	var id int64
	err := s.tx(ctx, func(tx querier) error {
		now := s.nowMicros()
		// A paused notifier's test is held as any of its notifications.
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO notifications (notifier, notification_type, status, recipients, subject, body, event, due_at, error, created, modified)
			VALUES (?, ?, 'pending', ?, ?, ?, 'test', `+s.dueFor("?")+`, `+errorFor("?")+`, ?, ?) RETURNING id`),
			n.Notifier, n.Type, n.Recipients, n.Subject, n.Body, n.Notifier, now, n.Notifier, now, now).Scan(&id)
		if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	s.announce()
	return s.GetNotification(ctx, id)
}

// RedactRecipients rewrites the recipients recorded by notifications of the
// given types with redact (which removes credentials that older versions
// copied there), and returns how many rows changed.
func (s *Store) RedactRecipients(ctx context.Context, types []string, redact func(typ, recipients string) string) (int, error) {
	if len(types) == 0 {
		return 0, nil
	}
	args := make([]any, len(types))
	for i, t := range types {
		args[i] = t
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, notification_type, recipients FROM notifications WHERE recipients <> '' AND notification_type IN (?"+strings.Repeat(", ?", len(types)-1)+")"), args...)
	if err != nil {
		return 0, err
	}
	type change struct {
		id         int64
		recipients string
	}
	var changes []change
	for rows.Next() {
		var c change
		var typ, was string
		if err := rows.Scan(&c.id, &typ, &was); err != nil {
			rows.Close()
			return 0, err
		}
		if c.recipients = redact(typ, was); c.recipients != was {
			changes = append(changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	changed := len(changes)
	for len(changes) > 0 {
		batch := changes[:min(len(changes), 500)]
		changes = changes[len(batch):]
		if err := s.tx(ctx, func(tx querier) error {
			for _, c := range batch {
				if _, err := tx.ExecContext(ctx, s.q("UPDATE notifications SET recipients = ? WHERE id = ?"), c.recipients, c.id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	return changed, nil
}
