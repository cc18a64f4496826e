package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/herald-notify/herald"
)

// Claimed is a notification a worker holds, with what sending it needs.
type Claimed struct {
	*herald.Notification
	Via         *herald.Notifier // the notifier it goes through (nil: deleted meanwhile)
	JobStarted  *time.Time
	JobFinished *time.Time
}

// Claim leases up to limit due notifications to owner until lease from now.
// A claimed row's due_at becomes the lease expiry, so a row whose owner died
// is due again once the lease runs out. Each claim counts as an attempt.
//
// Rows of the notifiers in skip are left alone: the engine names those whose
// deliveries in flight are at their cap, rather than claim rows it could
// only hand back.
func (s *Store) Claim(ctx context.Context, owner string, limit int, lease time.Duration, skip ...int64) ([]*Claimed, error) {
	now := s.now()
	var out []*Claimed
	var gen int64
	jobs := map[int64][]*Claimed{}
	collect := func(rows *sql.Rows, extra ...any) error {
		n, err := scanNotification(rows, extra...)
		if err != nil {
			return err
		}
		c := &Claimed{Notification: n}
		out = append(out, c)
		if n.JobID != 0 {
			jobs[n.JobID] = append(jobs[n.JobID], c)
		}
		return nil
	}
	var err error
	if s.dialect == Postgres && len(skip) == 0 {
		// One statement, one round trip: the generation is read in the
		// same snapshot as the rows, before the notifiers are loaded.
		err = scanRows(ctx, s.lax, s.q(`UPDATE notifications SET lease_owner = ?, due_at = ?, attempts = attempts + 1, modified = ?
		WHERE id IN (SELECT id FROM notifications WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id `+limitArg+` FOR UPDATE SKIP LOCKED)
		RETURNING `+notificationColumns+`, (SELECT n FROM config_generation)`),
			[]any{owner, micros(now.Add(lease)), micros(now), micros(now), limit}, func(rows *sql.Rows) error { return collect(rows, &gen) })
		err = s.wrote(err)
	} else {
		err = s.claimTx(ctx, owner, now, limit, lease, skip, &gen, collect)
	}
	if err != nil {
		return nil, err
	}
	if err := s.fillNotifiers(ctx, gen, out); err != nil {
		return nil, err
	}
	return out, s.fillJobTimes(ctx, jobs)
}

// claimTx is Claim in a transaction: the generation, then the rows.
func (s *Store) claimTx(ctx context.Context, owner string, now time.Time, limit int, lease time.Duration, skip []int64, gen *int64, collect func(*sql.Rows, ...any) error) error {
	return s.tx(ctx, func(tx querier) error {
		// Read first: the notifiers loaded after are never older than it.
		if err := tx.QueryRowContext(ctx, "SELECT n FROM config_generation").Scan(gen); err != nil {
			return err
		}
		pick, args := "SELECT id FROM notifications WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id "+limitArg, []any{micros(now), limit}
		if s.dialect == Postgres {
			pick += " FOR UPDATE SKIP LOCKED"
		}
		if len(skip) > 0 {
			due, err := s.oldestPending(ctx, tx, &now, limit, skip, true)
			if err != nil || len(due) == 0 {
				return err
			}
			pick, args = marks(len(due)), nil
			for _, d := range due {
				args = append(args, d.id)
			}
		}
		return scanRows(ctx, tx, s.q(`UPDATE notifications SET lease_owner = ?, due_at = ?, attempts = attempts + 1, modified = ?
		WHERE id IN (`+pick+`) RETURNING `+notificationColumns), append([]any{owner, micros(now.Add(lease)), micros(now)}, args...), func(rows *sql.Rows) error { return collect(rows) })
	})
}

// fillNotifiers sets each claimed row's notifier, from the cache of
// generation gen or else the database.
func (s *Store) fillNotifiers(ctx context.Context, gen int64, claimed []*Claimed) error {
	var missing []any
	for _, c := range claimed {
		if n, ok := s.conf.notifiers.get(gen, c.Notifier); ok {
			c.Via = n
		} else if !slices.Contains(missing, any(c.Notifier)) {
			missing = append(missing, c.Notifier)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	loaded := make(map[int64]*herald.Notifier, len(missing))
	err := scanRows(ctx, s.r, s.q("SELECT "+notifierColumns+" FROM notifiers WHERE id IN ("+marks(len(missing))+")"), missing, func(rows *sql.Rows) error {
		n, err := scanNotifier(rows)
		if err == nil {
			loaded[n.ID] = n
			s.conf.notifiers.put(gen, n.ID, n)
		}
		return err
	})
	for _, c := range claimed {
		if c.Via == nil {
			c.Via = loaded[c.Notifier]
		}
	}
	return err
}

// limitArg is a LIMIT bound to an argument. SQLite plans "LIMIT ?" for the
// value bound and prepares the statement again whenever it changes (a
// tenth of the engine's CPU draining a backlog, where each claim takes as
// many rows as there are free workers); the cast keeps one plan.
const limitArg = "LIMIT CAST(? AS INTEGER)"

// pendingRow is a pending notification as oldestPending finds it.
type pendingRow struct {
	id  int64
	due int64 // micros
}

// oldestPending returns up to limit pending rows of the notifiers not in
// skip, oldest due first, due by before unless it is nil; lock (for a claim)
// locks them on PostgreSQL. A notifier in skip may hold more rows due than
// all others (a receiver that hangs, with a backlog): filtering those out of
// a scan in due order would read every one of them at each claim, holding
// SQLite's one writer. So it reads a window of the oldest rows, and when the
// window is full of skipped ones, takes the oldest row of each other notifier
// instead (an index range each).
func (s *Store) oldestPending(ctx context.Context, q querier, before *time.Time, limit int, skip []int64, lock bool) ([]pendingRow, error) {
	skipped := make(map[int64]bool, len(skip))
	for _, id := range skip {
		skipped[id] = true
	}
	forUpdate := ""
	if lock && s.dialect == Postgres {
		forUpdate = " FOR UPDATE SKIP LOCKED"
	}
	dueBy, args := "", []any{}
	if before != nil {
		dueBy, args = " AND due_at <= ?", []any{micros(*before)}
	}
	var out []pendingRow
	seen, window := 0, 64+2*limit
	err := scanRows(ctx, q, s.q("SELECT id, due_at, notifier FROM notifications WHERE status = 'pending'"+dueBy+" ORDER BY due_at, id "+limitArg+forUpdate),
		slices.Concat(args, []any{window}), func(rows *sql.Rows) error {
			var r pendingRow
			var notifier int64
			if err := rows.Scan(&r.id, &r.due, &notifier); err != nil {
				return err
			}
			if seen++; !skipped[notifier] && len(out) < limit {
				out = append(out, r)
			}
			return nil
		})
	if err != nil || len(out) > 0 || seen < window {
		return out, err
	}
	if forUpdate != "" {
		forUpdate = " FOR UPDATE OF p SKIP LOCKED"
	}
	args = append(args, limit) // each notifier's oldest rows, up to limit
	for _, id := range skip {
		args = append(args, id)
	}
	args = append(args, limit)
	err = scanRows(ctx, q, s.q(`SELECT p.id, p.due_at FROM notifiers f JOIN notifications p ON p.id IN (
			SELECT id FROM notifications WHERE notifier = f.id AND status = 'pending'`+dueBy+` ORDER BY due_at, id `+limitArg+`)
		WHERE f.id NOT IN (`+marks(len(skip))+`) ORDER BY p.due_at, p.id `+limitArg+forUpdate), args, func(rows *sql.Rows) error {
		var r pendingRow
		if err := rows.Scan(&r.id, &r.due); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// fillJobTimes adds the jobs' start and end (Grafana regions need them).
func (s *Store) fillJobTimes(ctx context.Context, jobs map[int64][]*Claimed) error {
	if len(jobs) == 0 {
		return nil
	}
	ids := make([]any, 0, len(jobs))
	for id := range jobs {
		ids = append(ids, id)
	}
	return scanRows(ctx, s.r, s.q("SELECT id, started, finished FROM jobs WHERE id IN ("+marks(len(ids))+")"), ids, func(rows *sql.Rows) error {
		var id int64
		var started, finished sql.NullInt64
		if err := rows.Scan(&id, &started, &finished); err != nil {
			return err
		}
		for _, c := range jobs[id] {
			c.JobStarted, c.JobFinished = nullTime(started), nullTime(finished)
		}
		return nil
	})
}

// Outcome is the result of one attempt, to record.
type Outcome struct {
	ID        int64
	Owner     string
	Status    string // pending (a retry is scheduled), successful or failed
	Error     string
	Sent      int      // destinations this attempt reached
	Delivered []string // every destination reached so far
	At        time.Time
	RetryAt   *time.Time // with Status pending

	Notifier int64           // the notifier it went through (0: none)
	Log      *herald.Attempt // the attempt log's row (nil: not an attempt to log)
	// Circuit is what the attempt says of the receiver's health: 1 it
	// answered, -1 a transient failure, 0 nothing (permanent, refused, 429).
	Circuit        int
	ThrottledUntil *time.Time // the receiver asked it to slow down until then (429)
}

// SetCircuitRule sets how Finish moves each notifier's circuit breaker.
func (s *Store) SetCircuitRule(r CircuitRule) { s.circuitRule = r }

// Finish records outcomes in one transaction, with their attempt log rows
// and their notifiers' circuit breaker states. An outcome whose lease was
// taken over by another owner is dropped: that owner now speaks for the
// row. A row canceled meanwhile stays canceled, but records what the
// attempt reached.
func (s *Store) Finish(ctx context.Context, outcomes []Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	retried := false
	for _, o := range outcomes {
		retried = retried || o.RetryAt != nil
	}
	if s.dialect == Postgres {
		// One statement for the batch: a statement per row cost a round
		// trip per notification, and autocommit saves BEGIN and COMMIT.
		var b strings.Builder
		args := make([]any, 0, 10*len(outcomes))
		for i, o := range outcomes {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?::bigint, ?::text, ?::text, ?::text, ?::bigint, ?::text, ?::bigint, ?::bigint, ?::bigint)")
			due := micros(o.At)
			if o.RetryAt != nil {
				due = micros(*o.RetryAt)
			}
			args = append(args, o.ID, o.Owner, o.Status, o.Error, o.Sent, strings.Join(o.Delivered, "\n"), micros(o.At), nullMicros(o.RetryAt), due)
		}
		// The attempt log and the circuit breakers first, in one
		// transaction for the batch: once a row's result is written, its
		// attempt is in the log, and a crash between the two only logs an
		// attempt whose row is tried again.
		closed := false
		err := s.tx(ctx, func(tx querier) error {
			if err := s.insertAttempts(ctx, tx, outcomes); err != nil {
				return err
			}
			var err error
			closed, err = s.stepCircuits(ctx, tx, outcomes, s.circuitRule, outcomes[len(outcomes)-1].At)
			return err
		})
		retried = retried || closed
		if err == nil {
			// Then the rows. One canceled in flight stays canceled but
			// records what the attempt reached. Naming both statuses also
			// keeps the pending rows' partial indexes out of the plan:
			// with "status = 'pending'" the planner took the whole backlog
			// from one of them and hashed it against the batch, a cost
			// growing with the backlog (8.6 ms a batch at 7,000 pending,
			// auto_explain), where the primary key finds each row.
			_, err = s.lax.ExecContext(ctx, s.q(`UPDATE notifications n SET notifications_sent = n.notifications_sent + v.sent,
				delivered = v.delivered, last_attempt_at = v.at, lease_owner = NULL, modified = v.at,
				status = CASE n.status WHEN 'pending' THEN v.status ELSE n.status END,
				error = CASE n.status WHEN 'pending' THEN v.error ELSE n.error END,
				next_attempt_at = CASE n.status WHEN 'pending' THEN v.retry ELSE n.next_attempt_at END,
				due_at = CASE n.status WHEN 'pending' THEN v.due ELSE n.due_at END
				FROM (VALUES `+b.String()+`) AS v(id, owner, status, error, sent, delivered, at, retry, due)
				WHERE n.id = v.id AND n.lease_owner = v.owner AND n.status IN ('pending', 'canceled')`), args...)
			err = s.wrote(err)
		}
		if err == nil && retried {
			s.wake()
		}
		return err
	}
	err := s.tx(ctx, func(tx querier) error {
		update := s.q(`UPDATE notifications SET status = ?, error = ?, notifications_sent = notifications_sent + ?, delivered = ?,
			last_attempt_at = ?, next_attempt_at = ?, due_at = ?, lease_owner = NULL, modified = ?
			WHERE id = ? AND lease_owner = ? AND status = 'pending'`)
		// Only when the row was not pending: canceled while in flight, it
		// keeps its status and records what the attempt reached.
		canceled := s.q(`UPDATE notifications SET notifications_sent = notifications_sent + ?, delivered = ?, last_attempt_at = ?, lease_owner = NULL, modified = ?
			WHERE id = ? AND lease_owner = ? AND status = 'canceled'`)
		for _, o := range outcomes {
			due := micros(o.At)
			if o.RetryAt != nil {
				due = micros(*o.RetryAt)
			}
			delivered := strings.Join(o.Delivered, "\n")
			res, err := tx.ExecContext(ctx, update, o.Status, o.Error, o.Sent, delivered,
				micros(o.At), nullMicros(o.RetryAt), due, micros(o.At), o.ID, o.Owner)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				if _, err := tx.ExecContext(ctx, canceled, o.Sent, delivered, micros(o.At), micros(o.At), o.ID, o.Owner); err != nil {
					return err
				}
			}
		}
		if err := s.insertAttempts(ctx, tx, outcomes); err != nil {
			return err
		}
		closed, err := s.stepCircuits(ctx, tx, outcomes, s.circuitRule, outcomes[len(outcomes)-1].At)
		retried = retried || closed
		return err
	})
	if err == nil && retried {
		s.wake()
	}
	return err
}

// Release hands back claimed rows that were not attempted (shutdown, or a
// destination at its concurrency cap): they are due after delay, and the
// claim does not count as an attempt.
func (s *Store) Release(ctx context.Context, owner string, ids []int64, delay time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{micros(s.now().Add(delay)), owner}
	for _, id := range ids {
		args = append(args, id)
	}
	return s.tx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET lease_owner = NULL, due_at = ?, attempts = attempts - 1
		WHERE lease_owner = ? AND status = 'pending' AND id IN (`+marks(len(ids))+")"), args...)
		return err
	})
}

// QueueStats are the queue's depth and the age of its oldest pending row.
type QueueStats struct {
	Pending      int
	OldestCreate *time.Time
}

// Stats reads the queue's depth and oldest pending notification. Both come
// from the pending rows' index: a scrape must not read every row of a
// large backlog. The oldest is the pending row written first (lowest id).
func (s *Store) Stats(ctx context.Context) (QueueStats, error) {
	var st QueueStats
	var oldest sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT q.n, (SELECT created FROM notifications WHERE id = q.first)
		FROM (SELECT COUNT(*) AS n, MIN(id) AS first FROM notifications WHERE status = 'pending') q`).Scan(&st.Pending, &oldest)
	st.OldestCreate = nullTime(oldest)
	return st, err
}

// NextDue returns when the next pending notification is due (nil: none).
// Rows of the notifiers in skip are left out, as in Claim.
func (s *Store) NextDue(ctx context.Context, skip ...int64) (*time.Time, error) {
	if len(skip) > 0 {
		next, err := s.oldestPending(ctx, s.r, nil, 1, skip, false)
		if err != nil || len(next) == 0 {
			return nil, err
		}
		t := fromMicros(next[0].due)
		return &t, nil
	}
	var due sql.NullInt64
	err := s.r.QueryRowContext(ctx, "SELECT MIN(due_at) FROM notifications WHERE status = 'pending'").Scan(&due)
	return nullTime(due), err
}
