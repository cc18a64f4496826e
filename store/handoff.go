package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/herald-notify/herald"
)

// Taker takes notifications the moment a status change writes them, already
// leased to it, so that a fresh notification reaches a worker without being
// claimed: the claim cost a second write and three reads per notification.
// The delivery engine is the one Taker. A row it has no room for is written
// pending, for a claim to find, as before; a row it took and never finished
// (a crash) is claimable again when its lease ends, as any claimed row.
type Taker interface {
	// Reserve holds a place for one attempt to notifier, without waiting;
	// false when there is none now.
	// A paused notifier's are never reserved.
	Reserve(notifier *herald.Notifier) bool
	// Unreserve gives back a place that the write did not use (it failed).
	Unreserve(notifier int64)
	// Take starts the attempts reserved, once their rows are committed.
	Take(claimed []*Claimed)
}

type taking struct {
	owner string
	lease time.Duration
	t     Taker
}

// SetTaker makes t take the notifications status changes write from now on,
// leased to owner for lease. A nil t stops it.
func (s *Store) SetTaker(owner string, lease time.Duration, t Taker) {
	if t == nil {
		s.taker.Store(nil)
		return
	}
	s.taker.Store(&taking{owner: owner, lease: lease, t: t})
}

// handoff is what one status change reserved with the Taker.
type handoff struct {
	*taking
	reserved  []bool  // per notification written: taken
	ids       []int64 // the notifiers of the places reserved
	claimed   []*Claimed
	notifiers map[int64]*herald.Notifier
}

// reserve asks the Taker for a place for each notification.
func (s *Store) reserve(news []herald.NewNotification, notifiers []*herald.Notifier) *handoff {
	tk := s.taker.Load()
	if tk == nil {
		return nil
	}
	h := &handoff{taking: tk, reserved: make([]bool, len(news)), notifiers: make(map[int64]*herald.Notifier, len(notifiers))}
	for _, n := range notifiers {
		h.notifiers[n.ID] = n
	}
	for i, n := range news {
		if via := h.notifiers[n.Notifier]; via != nil && !via.Paused && tk.t.Reserve(via) {
			h.reserved[i] = true
			h.ids = append(h.ids, n.Notifier)
		}
	}
	return h
}

// pending counts the notifications left for claims.
func (h *handoff) pending() int { return len(h.reserved) - len(h.ids) }

// cancel gives every place back: the transaction failed.
func (h *handoff) cancel() {
	if h == nil {
		return
	}
	for _, id := range h.ids {
		h.t.Unreserve(id)
	}
	h.ids = nil
}

// take hands the committed rows over.
func (h *handoff) take() {
	if h != nil && len(h.claimed) > 0 {
		h.t.Take(h.claimed)
	}
}

// insertRows bounds the rows of one INSERT, below both dialects' limits
// on bound arguments.
const insertRows = 500

// notificationInsertColumns are the columns notificationRows gives, in order.
const notificationInsertColumns = "notifier, notification_type, status, recipients, subject, body, job_kind, job_id, event, due_at, created, modified, lease_owner, attempts"

// notificationRows is the VALUES list of a job event's notifications: those
// reserved in h leased to the Taker (the lease is their first attempt, as a
// claim's is), the rest pending and due now. taken holds the reserved ones
// by notifier (an event fires each notifier once: see repeats), for
// scanInserted to hand over. typed casts each value, for a VALUES list
// outside an INSERT (PostgreSQL).
func (s *Store) notificationRows(j *herald.Job, news []herald.NewNotification, h *handoff, typed bool) (values string, args []any, taken map[int64]*Claimed) {
	now := s.now().UTC().Truncate(time.Microsecond)
	at := micros(now)
	row := "(?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	if typed {
		row = "(?::bigint, ?::text, 'pending', ?::text, ?::text, ?::text, ?::text, ?::bigint, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::text, ?::bigint)"
	}
	var b strings.Builder
	args = make([]any, 0, 13*len(news))
	taken = map[int64]*Claimed{}
	for i, n := range news {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		var owner any
		due, attempts := at, 0
		if h != nil && h.reserved[i] {
			owner, due, attempts = h.owner, micros(now.Add(h.lease)), 1
			taken[n.Notifier] = &Claimed{Notification: &herald.Notification{
				Object:   herald.Object{Created: now, Modified: now},
				Notifier: n.Notifier, NotificationType: n.Type, Status: herald.NotificationPending, Recipients: n.Recipients,
				Subject: n.Subject, Body: n.Body, JobKind: j.Kind, JobID: j.ID, Trigger: n.Trigger, Attempts: 1,
			}, Via: h.notifiers[n.Notifier], JobStarted: j.Started, JobFinished: j.Finished}
		}
		args = append(args, n.Notifier, n.Type, n.Recipients, n.Subject, n.Body, string(j.Kind), j.ID, n.Trigger, due, at, at, owner, attempts)
	}
	return b.String(), args, taken
}

// scanInserted reads one row of "RETURNING id, notifier, lease_owner IS NOT
// NULL" and keeps it for the hand-over when it was reserved.
func (h *handoff) scanInserted(rows *sql.Rows, taken map[int64]*Claimed) error {
	var id, notifier int64
	var leased bool
	if err := rows.Scan(&id, &notifier, &leased); err != nil {
		return err
	}
	if c := taken[notifier]; leased && c != nil {
		c.ID = id
		h.claimed = append(h.claimed, c)
	}
	return nil
}

// insertNotifications writes a job event's notifications (notificationRows)
// in one INSERT per insertRows: a statement per row cost a round trip per
// notification inside the transaction. Only when a notifier has several
// reserved rows does it write one a statement, to tell their ids apart.
func (s *Store) insertNotifications(ctx context.Context, tx querier, j *herald.Job, news []herald.NewNotification, h *handoff) error {
	per := insertRows
	if h != nil && repeats(news, h.reserved) {
		per = 1
	}
	for lo := 0; lo < len(news); lo += per {
		hi := min(lo+per, len(news))
		var part *handoff
		if h != nil {
			part = &handoff{taking: h.taking, reserved: h.reserved[lo:hi], notifiers: h.notifiers}
		}
		values, args, taken := s.notificationRows(j, news[lo:hi], part, false)
		insert := "INSERT INTO notifications (" + notificationInsertColumns + ") VALUES " + values
		if len(taken) == 0 {
			if _, err := tx.ExecContext(ctx, s.q(insert), args...); err != nil {
				return err
			}
			continue
		}
		err := scanRows(ctx, tx, s.q(insert+" RETURNING id, notifier, lease_owner IS NOT NULL"), args, func(rows *sql.Rows) error {
			return h.scanInserted(rows, taken)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// repeats reports whether a notifier has more than one reserved row: the
// rows one INSERT returns are told apart by notifier. An event fires each
// notifier once, so this is for callers that write otherwise.
func repeats(news []herald.NewNotification, reserved []bool) bool {
	seen := map[int64]bool{}
	for i, n := range news {
		if reserved[i] {
			if seen[n.Notifier] {
				return true
			}
			seen[n.Notifier] = true
		}
	}
	return false
}
