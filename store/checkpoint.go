package store

import (
	"context"
	"os"
	"time"
)

// SQLite's automatic checkpoint runs in the connection that commits, inside
// its COMMIT: the one writer stays busy copying pages into the database
// file and syncing it, and that commit and every status change queued
// behind it wait (it made up half of delivery's p99 at 1,000
// notifications/s). So the writer's is off, and checkpoints copies the WAL
// on a read connection instead, beside the writer (a passive checkpoint
// never blocks it): after commits, every checkpointEvery, or at once when
// the WAL has grown past walLimit.
//
// That alone lets the WAL grow without end under sustained writes: SQLite
// starts a WAL over only from a write that begins with every frame copied,
// and the writer always commits more first. So after each background
// checkpoint of a WAL past settleAt the writer finishes it (settle), once
// its callers have their results: it copies the few frames written since,
// waits a moment for the readers to leave the WAL, and truncates it.
const (
	checkpointEvery = 100 * time.Millisecond
	walLimit        = 8 << 20
	settleAt        = 4 << 20
	settleWait      = "2" // ms the writer waits for readers to leave the WAL
)

// checkpoints checkpoints the WAL after commits until ctx ends.
func (s *Store) checkpoints(ctx context.Context) {
	w := s.w
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.committed:
		}
		// A failed checkpoint only leaves the WAL longer: the next one
		// copies what this one did not.
		s.rdb.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		w.copied.Store(true)
		select { // two checkpoints at once: the second fails at once
		case <-ctx.Done():
			return
		case <-w.settled:
		}
		select {
		case <-ctx.Done():
			return
		case <-w.walLong:
		case <-time.After(checkpointEvery):
		}
	}
}

// signalCommit tells the checkpoints that the writer committed, and
// whether the WAL is long enough to checkpoint without waiting.
func (w *writer) signalCommit() {
	select {
	case w.committed <- struct{}{}:
	default:
	}
	if fi, err := os.Stat(w.walPath); err == nil && fi.Size() > walLimit {
		select {
		case w.walLong <- struct{}{}:
		default:
		}
	}
}

// settle finishes a background checkpoint on the writer's connection, once
// the WAL holds settleAt or more: as seldom as SQLite's own automatic
// checkpoint (1,000 pages), since each syncs the database file.
func (w *writer) settle() {
	if !w.copied.CompareAndSwap(true, false) {
		return
	}
	if fi, err := os.Stat(w.walPath); err == nil && fi.Size() >= settleAt {
		bg := context.Background()
		w.conn.ExecContext(bg, "PRAGMA busy_timeout = "+settleWait)
		w.conn.ExecContext(bg, "PRAGMA wal_checkpoint(TRUNCATE)")
		w.conn.ExecContext(bg, "PRAGMA busy_timeout = "+busyTimeout)
	}
	w.settled <- struct{}{}
}
