package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/herald-notify/herald"
)

// heldDue is the due time of a paused notifier's pending rows: no claim
// reaches it, so claims skip paused notifiers at no cost at all.
const heldDue int64 = 1 << 62

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// holdNotifier holds a notifier's pending rows (pause) or makes them due now (resume).
func (s *Store) holdNotifier(ctx context.Context, tx querier, id int64, hold bool) error {
	now := s.nowMicros()
	if hold {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET due_at = ?, error = ?, next_attempt_at = NULL, modified = ?
			WHERE notifier = ? AND status = 'pending'`), heldDue, herald.ErrPaused, now, id)
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET due_at = ?, error = '', modified = ?
		WHERE notifier = ? AND status = 'pending' AND due_at >= ?`), now, now, id, heldDue)
	return err
}

// holdPaused holds the notifications just written for paused notifiers
// (the hand-off took none of them); one statement, only when one is paused.
func (s *Store) holdPaused(ctx context.Context, tx querier, j *herald.Job, news []herald.NewNotification, notifiers []*herald.Notifier) error {
	var paused []any
	for _, n := range notifiers {
		if n.Paused && slices.ContainsFunc(news, func(x herald.NewNotification) bool { return x.Notifier == n.ID }) {
			paused = append(paused, n.ID)
		}
	}
	if len(paused) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET due_at = ?, error = ? WHERE job_id = ? AND status = 'pending' AND lease_owner IS NULL
		AND due_at < ? AND notifier IN (`+marks(len(paused))+`)`), append([]any{heldDue, herald.ErrPaused, j.ID, heldDue}, paused...)...)
	return err
}

// dueFor is the due_at a fresh series of attempts starts with: now, or
// held while the notifier is paused.
func (s *Store) dueFor(notifierColumn string) string {
	return "CASE WHEN (SELECT enabled FROM notifiers WHERE id = " + notifierColumn + ") = 0 THEN " + itoa(heldDue) + " ELSE ? END"
}

// errorFor is the error a fresh series starts with.
func errorFor(notifierColumn string) string {
	return "CASE WHEN (SELECT enabled FROM notifiers WHERE id = " + notifierColumn + ") = 0 THEN '" + herald.ErrPaused + "' ELSE '' END"
}

// RetryNotification puts a failed or canceled notification back to pending
// for a fresh series of attempts; the destinations it reached stay reached.
func (s *Store) RetryNotification(ctx context.Context, id int64) error {
	return s.steer(ctx, id, "retry")
}

// CancelNotification stops a pending notification. An attempt in flight
// finishes and is logged, but leaves it canceled.
func (s *Store) CancelNotification(ctx context.Context, id int64) error {
	return s.steer(ctx, id, "cancel")
}

func (s *Store) steer(ctx context.Context, id int64, verb string) error {
	var status string
	err := s.tx(ctx, func(tx querier) error {
		if err := tx.QueryRowContext(ctx, s.q("SELECT status FROM notifications WHERE id = ?"), id).Scan(&status); err != nil {
			return notFound(err)
		}
		n, err := s.steerWhere(ctx, tx, verb, "id = ?", []any{id})
		if err != nil {
			return err
		}
		if n == 0 {
			return herald.Errorf(herald.ECONFLICT, "Notification %d is %s; only %s.", id, status,
				map[string]string{"retry": "a failed or canceled one can be retried", "cancel": "a pending one can be canceled"}[verb])
		}
		return nil
	})
	if err == nil && verb == "retry" {
		s.wake()
		s.announce()
	}
	return err
}

// steerWhere retries or cancels the notifications that match where.
func (s *Store) steerWhere(ctx context.Context, tx querier, verb, where string, args []any) (int64, error) {
	now := s.nowMicros()
	var res sql.Result
	var err error
	if verb == "retry" {
		// lease_owner is cleared: an attempt still in flight for a canceled
		// row no longer speaks for it.
		res, err = tx.ExecContext(ctx, s.q(`UPDATE notifications SET status = 'pending', attempt_base = attempt_base + attempts, attempts = 0, error = `+errorFor("notifier")+`,
			next_attempt_at = NULL, lease_owner = NULL, due_at = `+s.dueFor("notifier")+`, modified = ?
			WHERE status IN ('failed', 'canceled') AND `+where), append([]any{now, now}, args...)...)
	} else {
		// The lease stays, so that an attempt in flight still records what it reached.
		res, err = tx.ExecContext(ctx, s.q(`UPDATE notifications SET status = 'canceled', error = 'canceled', next_attempt_at = NULL, modified = ?
			WHERE status = 'pending' AND `+where), append([]any{now}, args...)...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SteerNotifications retries ("retry") or cancels ("cancel") every
// notification that f picks, and returns how many it changed.
func (s *Store) SteerNotifications(ctx context.Context, verb string, f herald.NotificationFilter) (int64, error) {
	var conds []string
	var args []any
	if f.Notifier != nil {
		conds, args = append(conds, "notifier = ?"), append(args, *f.Notifier)
	}
	if f.Status != nil {
		conds, args = append(conds, "status = ?"), append(args, *f.Status)
	}
	if f.CreatedGTE != nil {
		conds, args = append(conds, "created >= ?"), append(args, micros(*f.CreatedGTE))
	}
	if f.CreatedLT != nil {
		conds, args = append(conds, "created < ?"), append(args, micros(*f.CreatedLT))
	}
	if f.Job != nil {
		conds, args = append(conds, "job_id = ?"), append(args, *f.Job)
	}
	if !f.AllNotifiers {
		if len(f.Notifiers) == 0 {
			return 0, nil
		}
		conds = append(conds, "notifier IN ("+marks(len(f.Notifiers))+")")
		for _, id := range f.Notifiers {
			args = append(args, id)
		}
	}
	if len(conds) == 0 {
		conds = append(conds, "1 = 1")
	}
	var n int64
	err := s.tx(ctx, func(tx querier) error {
		var err error
		n, err = s.steerWhere(ctx, tx, verb, strings.Join(conds, " AND "), args)
		return err
	})
	if err == nil && verb == "retry" && n > 0 {
		s.wake()
		s.announce()
	}
	return n, err
}

// NotifiersOf returns the ids of the notifiers of the given organizations.
func (s *Store) NotifiersOf(ctx context.Context, orgs []int64) ([]int64, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	args := make([]any, len(orgs))
	for i, o := range orgs {
		args[i] = o
	}
	var out []int64
	err := scanRows(ctx, s.r, s.q("SELECT id FROM notifiers WHERE organization IN ("+marks(len(orgs))+")"), args, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		out = append(out, id)
		return err
	})
	return out, err
}

const attemptColumns = "notification, number, started, duration, outcome, status_code, error, response, destinations, instance"

// ListAttempts returns a page of a notification's attempts, oldest first.
func (s *Store) ListAttempts(ctx context.Context, notification int64, q herald.Query) ([]*herald.Attempt, int, error) {
	var count int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM notification_attempts WHERE notification = ?"), notification).Scan(&count); err != nil {
		return nil, 0, err
	}
	var out []*herald.Attempt
	err := scanRows(ctx, s.r, s.q("SELECT "+attemptColumns+" FROM notification_attempts WHERE notification = ? ORDER BY number, id"+window(q)),
		[]any{notification}, func(rows *sql.Rows) error {
			var a herald.Attempt
			var started int64
			var code sql.NullInt64
			var dests string
			if err := rows.Scan(&a.Notification, &a.Number, &started, &a.Duration, &a.Outcome, &code, &a.Error, &a.Response, &dests, &a.Instance); err != nil {
				return err
			}
			a.Started = fromMicros(started)
			if code.Valid {
				c := int(code.Int64)
				a.StatusCode = &c
			}
			a.Destinations = []string{}
			if dests != "" {
				a.Destinations = strings.Split(dests, "\n")
			}
			out = append(out, &a)
			return nil
		})
	return out, count, err
}

// insertAttempts logs attempts in one statement per chunk.
func (s *Store) insertAttempts(ctx context.Context, tx querier, outcomes []Outcome) error {
	const chunk = 64
	var rows []string
	var args []any
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO notification_attempts ("+attemptColumns+") VALUES "+strings.Join(rows, ", ")), args...)
		rows, args = rows[:0], args[:0]
		return err
	}
	for _, o := range outcomes {
		a := o.Log
		if a == nil {
			continue
		}
		var code any
		if a.StatusCode != nil {
			code = int64(*a.StatusCode)
		}
		rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, o.ID, a.Number, micros(a.Started), a.Duration, a.Outcome, code, a.Error, a.Response, strings.Join(a.Destinations, "\n"), a.Instance)
		if len(rows) == chunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// PruneAttempts deletes attempts started before cutoff among the batch
// oldest (lowest ids), and says how many it deleted: fewer than batch
// means no older ones are left. Rows are logged in the order attempts end,
// so ids follow time closely enough to walk them by id range, through the
// primary key, with no index of their own to keep up on every attempt.
// Small batches keep each write short: the queue never waits long behind it.
func (s *Store) PruneAttempts(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM notification_attempts WHERE id IN (
			SELECT id FROM notification_attempts ORDER BY id `+limitArg+`) AND started < ?`), batch, micros(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

const deliveryColumns = "circuit, since, consecutive_failures, opened, open_until, rate_limited_until"

func scanDelivery(sc interface{ Scan(...any) error }, extra ...any) (herald.DeliveryState, error) {
	var d herald.DeliveryState
	var since, until, limited sql.NullInt64
	err := sc.Scan(append(extra, &d.Circuit, &since, &d.ConsecutiveFailures, &d.Opened, &until, &limited)...)
	d.Since, d.OpenUntil, d.RateLimitedUntil = nullTime(since), nullTime(until), nullTime(limited)
	return d, err
}

// closedState is a notifier's state before anything held it back.
func closedState() herald.DeliveryState { return herald.DeliveryState{Circuit: herald.CircuitClosed} }

// DeliveryState returns how a notifier's deliveries are held back now.
func (s *Store) DeliveryState(ctx context.Context, notifier int64) (herald.DeliveryState, error) {
	d, err := scanDelivery(s.r.QueryRowContext(ctx, s.q("SELECT "+deliveryColumns+" FROM notifier_delivery WHERE notifier = ?"), notifier))
	if err == sql.ErrNoRows {
		return closedState(), nil
	}
	d.RateLimited = d.RateLimitedUntil != nil && d.RateLimitedUntil.After(s.now())
	return d, err
}

// HeldBack returns the states of the notifiers whose circuit is not closed.
func (s *Store) HeldBack(ctx context.Context) (map[int64]herald.DeliveryState, error) {
	out := map[int64]herald.DeliveryState{}
	err := scanRows(ctx, s.r, "SELECT notifier, "+deliveryColumns+" FROM notifier_delivery WHERE circuit <> 'closed'", nil, func(rows *sql.Rows) error {
		var id int64
		d, err := scanDelivery(rows, &id)
		out[id] = d
		return err
	})
	return out, err
}

// OpenCircuits counts the notifiers whose circuit is not closed, by notifier type.
func (s *Store) OpenCircuits(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := scanRows(ctx, s.r, `SELECT n.notification_type, COUNT(*) FROM notifier_delivery d JOIN notifiers n ON n.id = d.notifier
		WHERE d.circuit <> 'closed' GROUP BY n.notification_type`, nil, func(rows *sql.Rows) error {
		var typ string
		var c int
		err := rows.Scan(&typ, &c)
		out[typ] = c
		return err
	})
	return out, err
}

// BeginProbe moves a notifier's circuit whose cool-down is over to
// half-open, for one probe attempt, which it holds for up to hold (a probe
// whose instance died is taken again after). False: not due, or another
// took it.
func (s *Store) BeginProbe(ctx context.Context, notifier int64, hold time.Duration) (bool, error) {
	var n int64
	now := s.now()
	err := s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE notifier_delivery SET circuit = 'half_open', since = ?, open_until = ?
			WHERE notifier = ? AND circuit <> 'closed' AND open_until <= ?`), micros(now), micros(now.Add(hold)), notifier, micros(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// Held is a claimed row handed back unattempted, due again at At.
type Held struct {
	ID     int64
	At     time.Time
	Paused bool // its notifier is paused: held until it is enabled
}

// Hold hands back claimed rows that were not attempted (a circuit open, a
// rate limit), each due at its own time; the claim does not count as an
// attempt. When limited is set, the notifier is shown rate limited until
// the last of them.
func (s *Store) Hold(ctx context.Context, owner string, rows []Held, limited map[int64]time.Time) error {
	if len(rows) == 0 && len(limited) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx querier) error {
		release := s.q(`UPDATE notifications SET lease_owner = NULL, due_at = ?, attempts = attempts - 1 WHERE id = ? AND lease_owner = ? AND status = 'pending'`)
		pause := s.q(`UPDATE notifications SET lease_owner = NULL, due_at = ?, error = ?, attempts = attempts - 1 WHERE id = ? AND lease_owner = ? AND status = 'pending'`)
		for _, r := range rows {
			var err error
			if r.Paused {
				_, err = tx.ExecContext(ctx, pause, heldDue, herald.ErrPaused, r.ID, owner)
			} else {
				_, err = tx.ExecContext(ctx, release, micros(r.At), r.ID, owner)
			}
			if err != nil {
				return err
			}
		}
		for id, until := range limited {
			if err := s.setRateLimited(ctx, tx, id, until); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) setRateLimited(ctx context.Context, tx querier, notifier int64, until time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO notifier_delivery (notifier, rate_limited_until) SELECT id, CAST(? AS BIGINT) FROM notifiers WHERE id = ?
		ON CONFLICT (notifier) DO UPDATE SET rate_limited_until = excluded.rate_limited_until`), micros(until), notifier)
	return err
}

// CircuitRule moves a notifier's delivery state on by one attempt's result
// (success true, or a transient failure) at a time; the delivery engine
// owns it. It reports whether the state changed.
type CircuitRule func(st *herald.DeliveryState, success bool, at time.Time) bool

// stepCircuits applies the results of a batch to each notifier's state in
// the same transaction as the results. A circuit that opens pushes its
// notifier's pending rows past the cool-down; one that closes makes them
// due at once.
func (s *Store) stepCircuits(ctx context.Context, tx querier, outcomes []Outcome, rule CircuitRule, at time.Time) (reopened bool, err error) {
	var order []int64
	steps := map[int64][]bool{}
	limited := map[int64]time.Time{}
	for _, o := range outcomes {
		if o.ThrottledUntil != nil && o.ThrottledUntil.After(limited[o.Notifier]) {
			limited[o.Notifier] = *o.ThrottledUntil
		}
		if o.Circuit == 0 || o.Notifier == 0 {
			continue
		}
		if _, ok := steps[o.Notifier]; !ok {
			order = append(order, o.Notifier)
		}
		steps[o.Notifier] = append(steps[o.Notifier], o.Circuit > 0)
	}
	for id, until := range limited {
		if err := s.setRateLimited(ctx, tx, id, until); err != nil {
			return false, err
		}
	}
	if len(order) == 0 || rule == nil {
		return false, nil
	}
	failed := false
	for _, id := range order {
		failed = failed || slices.Contains(steps[id], false)
	}
	// Successes change only a notifier with failures on record. SQLite has
	// one process, which knows whether any is: most batches of results then
	// skip the read. Instances sharing PostgreSQL always read.
	if !failed && s.dialect != Postgres && !s.failuresOnRecord.Load() {
		return false, nil
	}
	args := make([]any, len(order))
	for i, id := range order {
		args[i] = id
	}
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	known := map[int64]herald.DeliveryState{}
	onRecord := " AND (consecutive_failures > 0 OR circuit <> 'closed')"
	if failed {
		onRecord = ""
	}
	err = scanRows(ctx, tx, s.q("SELECT notifier, "+deliveryColumns+" FROM notifier_delivery WHERE notifier IN ("+marks(len(order))+")"+onRecord+lock), args, func(rows *sql.Rows) error {
		var id int64
		d, err := scanDelivery(rows, &id)
		known[id] = d
		return err
	})
	if err != nil {
		return false, err
	}
	upsert := s.q(`INSERT INTO notifier_delivery (notifier, circuit, since, consecutive_failures, opened, open_until)
		SELECT id, CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT) FROM notifiers WHERE id = ?
		ON CONFLICT (notifier) DO UPDATE SET circuit = excluded.circuit, since = excluded.since,
		consecutive_failures = excluded.consecutive_failures, opened = excluded.opened, open_until = excluded.open_until`)
	if !failed && len(known) == 0 {
		// Nothing to reset among these. When no other notifier has
		// failures either, later batches of successes need not look.
		if s.dialect != Postgres {
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM notifier_delivery WHERE consecutive_failures > 0 OR circuit <> 'closed' LIMIT 1").Scan(&one); err == sql.ErrNoRows {
				s.failuresOnRecord.Store(false)
			}
		}
		return false, nil
	}
	s.failuresOnRecord.Store(true)
	for _, id := range order {
		st, ok := known[id]
		if !ok {
			st = closedState()
		}
		was := st.Circuit
		changed := false
		for _, success := range steps[id] {
			if rule(&st, success, at) {
				changed = true
			}
		}
		if !changed {
			continue
		}
		if _, err := tx.ExecContext(ctx, upsert, st.Circuit, nullMicros(st.Since), st.ConsecutiveFailures, st.Opened, nullMicros(st.OpenUntil), id); err != nil {
			return false, err
		}
		switch {
		case st.Circuit == herald.CircuitOpen && st.OpenUntil != nil:
			_, err = tx.ExecContext(ctx, s.q(`UPDATE notifications SET due_at = ? WHERE notifier = ? AND status = 'pending' AND due_at < ?`),
				micros(*st.OpenUntil), id, micros(*st.OpenUntil))
		case st.Circuit == herald.CircuitClosed && was != herald.CircuitClosed:
			reopened = true
			_, err = tx.ExecContext(ctx, s.q(`UPDATE notifications SET due_at = ? WHERE notifier = ? AND status = 'pending' AND due_at > ? AND due_at < ?`),
				micros(at), id, micros(at), heldDue)
		}
		if err != nil {
			return false, err
		}
	}
	return reopened, nil
}
