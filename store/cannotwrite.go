package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/herald-notify/herald"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite's primary result codes, and PostgreSQL's SQLSTATEs, that mean the
// database cannot write for want of space or I/O, however the query was.
const (
	sqliteIOErr = 10
	sqliteFull  = 13
	pgDiskFull  = "53100"
	pgIOError   = "58030"
)

// cannotWriteReason says why err means the database cannot write, or "".
func cannotWriteReason(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteFull:
			return "the disk or the database is full"
		case sqliteIOErr:
			return "disk I/O error"
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgDiskFull:
			return "the disk is full"
		case pgIOError:
			return "disk I/O error"
		}
	}
	return ""
}

// wrote turns a write that failed for want of space or I/O into a herald
// EUNAVAILABLE error (503, retry later) and remembers it for the readiness
// check. Only CheckWritable's probe forgets it: a write that succeeded
// may have needed no room (a claim that found nothing), which says nothing
// of the disk.
func (s *Store) wrote(err error) error {
	if err == nil {
		return nil
	}
	reason := cannotWriteReason(err)
	if reason == "" {
		return err
	}
	s.cannotWrite.Store(true)
	return herald.Errorf(herald.EUNAVAILABLE, "The database cannot write: %s.", reason)
}

// probeSize is what the write probe writes: more than a page, so that it
// needs room the way a real write does.
const probeSize = 8 << 10

// CheckWritable reports whether the database can write. It costs nothing
// while writes succeed; after one failed for want of space or I/O, it
// writes (and removes) a probe row, and only its success makes the
// database writable again.
func (s *Store) CheckWritable(ctx context.Context) error {
	if !s.cannotWrite.Load() {
		return nil
	}
	b := make([]byte, probeSize/2)
	rand.Read(b) // incompressible, in case the file system compresses
	err := s.tx(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO settings (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"), hex.EncodeToString(b)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM settings WHERE key = 'write_probe'"))
		return err
	})
	if err == nil {
		s.cannotWrite.Store(false)
	}
	return err
}

// LimitSQLitePages caps the SQLite database at n pages (PRAGMA
// max_page_count) on the connection that writes, so that writes past it
// fail as on a full disk. For tests and for operators who want a quota.
func (s *Store) LimitSQLitePages(ctx context.Context, n int64) error {
	if s.dialect != SQLite {
		return errors.New("LimitSQLitePages: not a SQLite database")
	}
	return s.w.do(&writeOp{ctx: ctx, result: make(chan error, 1), fn: func(tx querier) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n))
		return err
	}})
}

// SQLitePages returns the database's size in pages.
func (s *Store) SQLitePages(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n)
	return n, err
}
