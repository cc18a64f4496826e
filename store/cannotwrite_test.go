package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/herald-notify/herald"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL's disk-full and I/O SQLSTATEs cannot be provoked here: check
// that the errors pgx returns for them map as SQLite's real SQLITE_FULL does
// (api's TestFullDatabaseAnswers503), and that other errors pass through.
func TestCannotWriteMapsPostgresDiskErrors(t *testing.T) {
	s := &Store{}
	for code, want := range map[string]bool{"53100": true, "58030": true, "23505": false, "53300": false} {
		err := s.wrote(fmt.Errorf("commit: %w", &pgconn.PgError{Code: code, Message: "could not extend file"}))
		got := herald.ErrorCode(err) == herald.EUNAVAILABLE
		if got != want {
			t.Errorf("SQLSTATE %s: %v, want unavailable %v", code, err, want)
		}
		if s.cannotWrite.Load() != want {
			t.Errorf("SQLSTATE %s: cannotWrite %v", code, s.cannotWrite.Load())
		}
		s.cannotWrite.Store(false) // as CheckWritable's probe does
	}
	if err := s.wrote(errors.New("other")); herald.ErrorCode(err) != herald.EINTERNAL {
		t.Errorf("a plain error became %v", err)
	}
}
