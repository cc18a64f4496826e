package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/herald-notify/herald"
)

const notifierColumns = "id, name, description, organization, notification_type, config, messages, created, modified, enabled, rate_limit"
const notifierColumnsN = "n.id, n.name, n.description, n.organization, n.notification_type, n.config, n.messages, n.created, n.modified, n.enabled, n.rate_limit"

var notifierList = &listSpec{
	from: "notifiers n",
	cols: map[string]column{
		"id": {"n.id", colInt}, "name": {"n.name", colText}, "description": {"n.description", colText},
		"organization": {"n.organization", colInt}, "notification_type": {"n.notification_type", colText},
		"created": {"n.created", colTime}, "modified": {"n.modified", colTime}, "enabled": {"n.enabled", colBool},
	},
	search:  []string{"n.name", "n.description"},
	orderBy: "n.name ASC, n.id ASC",
}

func scanNotifier(sc interface{ Scan(...any) error }, extra ...any) (*herald.Notifier, error) {
	var n herald.Notifier
	var org sql.NullInt64
	var config, messages string
	var created, modified, enabled int64
	var rate sql.NullFloat64
	dest := append(extra, &n.ID, &n.Name, &n.Description, &org, &n.Type, &config, &messages, &created, &modified, &enabled, &rate)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	n.Paused = enabled == 0
	if rate.Valid {
		n.RateLimit = &rate.Float64
	}
	if org.Valid {
		n.Organization = &org.Int64
	}
	n.Created, n.Modified = fromMicros(created), fromMicros(modified)
	if err := json.Unmarshal([]byte(config), &n.Config); err != nil {
		return nil, fmt.Errorf("notifier %d: stored configuration: %w", n.ID, err)
	}
	json.Unmarshal([]byte(messages), &n.Messages)
	return &n, nil
}

// ListNotifiers returns a page of notifiers.
func (s *Store) ListNotifiers(ctx context.Context, q herald.Query) ([]*herald.Notifier, int, error) {
	return s.listNotifiers(ctx, notifierList, q)
}

func (s *Store) listNotifiers(ctx context.Context, l *listSpec, q herald.Query, fixed ...any) ([]*herald.Notifier, int, error) {
	where, order, args, err := l.build(q, fixed...)
	if err != nil {
		return nil, 0, err
	}
	var count int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+l.from+where), args...).Scan(&count); err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+notifierColumnsN+" FROM "+l.from+where+order+window(q)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*herald.Notifier
	for rows.Next() {
		n, err := scanNotifier(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	return out, count, rows.Err()
}

// GetNotifier returns the notifier with id.
func (s *Store) GetNotifier(ctx context.Context, id int64) (*herald.Notifier, error) {
	n, err := scanNotifier(s.r.QueryRowContext(ctx, s.q("SELECT "+notifierColumns+" FROM notifiers WHERE id = ?"), id))
	return n, notFound(err)
}

func notifierUnique(err error) error {
	if isUnique(err) {
		return herald.FieldError("__all__", "Notifier with this Organization and Name already exists.")
	}
	return err
}

func encodeNotifier(n *herald.Notifier) (config, messages string) {
	c, _ := json.Marshal(n.Config)
	m, _ := json.Marshal(n.Messages)
	if n.Messages == nil {
		m = []byte("{}")
	}
	return string(c), string(m)
}

func (s *Store) checkOrganization(ctx context.Context, tx querier, org *int64) error {
	if org == nil {
		return nil
	}
	var one int
	if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM organizations WHERE id = ?"), *org).Scan(&one); err != nil {
		return herald.FieldError("organization", "Invalid pk \"%d\" - object does not exist.", *org)
	}
	return nil
}

// CreateNotifier stores a new notifier; its secrets must already be encrypted.
func (s *Store) CreateNotifier(ctx context.Context, n *herald.Notifier) (*herald.Notifier, error) {
	var id int64
	err := s.tx(ctx, func(tx querier) error {
		if err := s.checkOrganization(ctx, tx, n.Organization); err != nil {
			return err
		}
		now := s.nowMicros()
		config, messages := encodeNotifier(n)
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO notifiers (name, description, organization, notification_type, config, messages, created, modified, enabled, rate_limit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
			n.Name, n.Description, n.Organization, n.Type, config, messages, now, now, boolInt(!n.Paused), n.RateLimit).Scan(&id)
		return notifierUnique(err)
	})
	if err != nil {
		return nil, err
	}
	return s.GetNotifier(ctx, id)
}

// UpdateNotifier replaces a notifier's fields.
// Pausing it holds its pending notifications; enabling it
// again makes them due at once.
func (s *Store) UpdateNotifier(ctx context.Context, n *herald.Notifier) (*herald.Notifier, error) {
	resumed := false
	err := s.tx(ctx, func(tx querier) error {
		if err := s.checkOrganization(ctx, tx, n.Organization); err != nil {
			return err
		}
		var wasEnabled int64
		if err := tx.QueryRowContext(ctx, s.q("SELECT enabled FROM notifiers WHERE id = ?"), n.ID).Scan(&wasEnabled); err != nil {
			return notFound(err)
		}
		config, messages := encodeNotifier(n)
		_, err := tx.ExecContext(ctx, s.q("UPDATE notifiers SET name = ?, description = ?, organization = ?, notification_type = ?, config = ?, messages = ?, modified = ?, enabled = ?, rate_limit = ? WHERE id = ?"),
			n.Name, n.Description, n.Organization, n.Type, config, messages, s.nowMicros(), boolInt(!n.Paused), n.RateLimit, n.ID)
		if err != nil {
			return notifierUnique(err)
		}
		if (wasEnabled == 0) != n.Paused {
			resumed = !n.Paused
			return s.holdNotifier(ctx, tx, n.ID, n.Paused)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if resumed {
		s.wake()
		s.announce()
	}
	return s.GetNotifier(ctx, n.ID)
}

// DeleteNotifier removes a notifier, its attachments and its finished
// notifications. It is refused while notifications are still being delivered.
func (s *Store) DeleteNotifier(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx querier) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM notifiers WHERE id = ?"), id).Scan(&one); err != nil {
			return notFound(err)
		}
		var pending int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM notifications WHERE notifier = ? AND status = 'pending'"), id).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return herald.Errorf(herald.ECONFLICT, "Notifier %d has %d notifications still being delivered; delete it once they are done.", id, pending)
		}
		// Its notifications have no foreign key on PostgreSQL (migration 00031).
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM notifications WHERE notifier = ?"), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM notifiers WHERE id = ?"), id)
		return err
	})
}

// Attach adds notifier to the object's list for trigger; attaching twice is fine.
func (s *Store) Attach(ctx context.Context, a herald.Attachment) error {
	return s.tx(ctx, func(tx querier) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM notifiers WHERE id = ?"), a.Notifier).Scan(&one); err != nil {
			return herald.FieldError("id", "Notifier %d does not exist.", a.Notifier)
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO attachments (object_type, object_id, event, notifier) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"),
			a.ObjectType, a.ObjectID, string(a.Trigger), a.Notifier)
		return err
	})
}

// Detach removes notifier from the object's list; detaching what is not attached is fine.
func (s *Store) Detach(ctx context.Context, a herald.Attachment) error {
	return s.tx(ctx, func(tx querier) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM notifiers WHERE id = ?"), a.Notifier).Scan(&one); err != nil {
			return herald.FieldError("id", "Notifier %d does not exist.", a.Notifier)
		}
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM attachments WHERE object_type = ? AND object_id = ? AND event = ? AND notifier = ?"),
			a.ObjectType, a.ObjectID, string(a.Trigger), a.Notifier)
		return err
	})
}

// ListAttached returns a page of the notifiers on the object's list for trigger.
func (s *Store) ListAttached(ctx context.Context, objectType string, id int64, trigger herald.Trigger, q herald.Query) ([]*herald.Notifier, int, error) {
	l := *notifierList
	l.from = "notifiers n JOIN attachments a ON a.notifier = n.id"
	l.where = "a.object_type = ? AND a.object_id = ? AND a.event = ?"
	return s.listNotifiers(ctx, &l, q, objectType, id, string(trigger))
}

// ListOrganizationNotifiers returns a page of the notifiers an organization owns.
func (s *Store) ListOrganizationNotifiers(ctx context.Context, org int64, q herald.Query) ([]*herald.Notifier, int, error) {
	l := *notifierList
	l.where = "n.organization = ?"
	return s.listNotifiers(ctx, &l, q, org)
}
