package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// channel is the PostgreSQL NOTIFY channel that says "notifications were
// written". Instances sharing a database LISTEN on it so that a row written
// by one instance is claimed at once by any other, not at its next poll.
const channel = "herald_notifications"

// Listening reports whether the store hears other instances' writes at once
// (PostgreSQL with its LISTEN connection up); otherwise the poll finds them.
func (s *Store) Listening() bool { return s.listening.Load() }

// announce tells the other instances that notifications were committed.
// The NOTIFY runs after the commit, on its own, and not in the writing
// transaction: PostgreSQL serializes the commits of transactions that
// NOTIFY under one lock held through their WAL flush, so a NOTIFY in every
// status change made each commit wait for the previous one's fsync (the
// first wait event under load). Announcements made while one is on its way
// collapse into the next, so there is at most one a round trip however
// many commits. SQLite has one process, which Store.wake already covers.
func (s *Store) announce() {
	if s.announcing == nil {
		return
	}
	select {
	case s.announcing <- struct{}{}:
	default: // one is queued already: it covers this commit too
	}
}

// announcer sends the announcements until ctx ends. A failed NOTIFY is
// not retried: the other instances' poll finds the rows.
func (s *Store) announcer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.announcing:
		}
		s.db.ExecContext(ctx, "SELECT pg_notify('"+channel+"', '')")
	}
}

// listen holds a connection that LISTENs on the channel and wakes this
// process's waiters on every notification, until ctx ends. A dropped
// connection is reopened with capped backoff; on every (re)connect the
// waiters are woken too, since notifications sent while it was down are lost.
// The engine's poll remains the fallback whenever no connection is up.
func (s *Store) listen(ctx context.Context) {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() { backoff = minBackoff })
		if ctx.Err() != nil {
			return
		}
		_ = err // the poll covers the gap; the next connect retries
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce connects, listens and waits for notifications until the
// connection fails; connected runs once the LISTEN is in place.
func (s *Store) listenOnce(ctx context.Context, connected func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, s.dsn)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(ctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	connected()
	s.wake() // whatever was written while nobody listened
	s.listening.Store(true)
	defer s.listening.Store(false)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		s.wake()
	}
}
