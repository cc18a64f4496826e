package store

import (
	"context"
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
	Reserve(notifier int64) bool
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
		if h.notifiers[n.Notifier] != nil && tk.t.Reserve(n.Notifier) {
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

// insertNotifications writes a job event's notifications: those reserved in
// h leased to the Taker (the lease is their first attempt, as a claim's is),
// the rest pending and due now.
func (s *Store) insertNotifications(ctx context.Context, tx querier, j *herald.Job, news []herald.NewNotification, h *handoff) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	pending := s.q(`INSERT INTO notifications (notifier, notification_type, status, recipients, subject, body, job_kind, job_id, event, due_at, created, modified)
		VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	leased := s.q(`INSERT INTO notifications (notifier, notification_type, status, recipients, subject, body, job_kind, job_id, event, due_at, created, modified, lease_owner, attempts)
		VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`)
	at := micros(now)
	for i, n := range news {
		if h == nil || !h.reserved[i] {
			if _, err := tx.ExecContext(ctx, pending, n.Notifier, n.Type, n.Recipients, n.Subject, n.Body, string(j.Kind), j.ID, n.Trigger, at, at, at); err != nil {
				return err
			}
			continue
		}
		c := &Claimed{Notification: &herald.Notification{
			Object:   herald.Object{Created: now, Modified: now},
			Notifier: n.Notifier, NotificationType: n.Type, Status: herald.NotificationPending, Recipients: n.Recipients,
			Subject: n.Subject, Body: n.Body, JobKind: j.Kind, JobID: j.ID, Trigger: n.Trigger, Attempts: 1,
		}, Via: h.notifiers[n.Notifier], JobStarted: j.Started, JobFinished: j.Finished}
		err := tx.QueryRowContext(ctx, leased, n.Notifier, n.Type, n.Recipients, n.Subject, n.Body, string(j.Kind), j.ID, n.Trigger,
			micros(now.Add(h.lease)), at, at, h.owner).Scan(&c.ID)
		if err != nil {
			return err
		}
		h.claimed = append(h.claimed, c)
	}
	return nil
}
