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

// signal asks PostgreSQL to wake every listening instance when tx commits
// (NOTIFY is delivered at commit, and not at all on rollback). SQLite has
// one process, which Store.wake already covers.
func (s *Store) signal(ctx context.Context, tx querier) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_notify('"+channel+"', '')")
	return err
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
