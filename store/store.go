// Package store keeps Herald's state in SQLite (the embedded default) or
// PostgreSQL (several instances), through database/sql with SQL written by
// hand. One set of queries serves both: they are written with ? placeholders
// and rebound for PostgreSQL, and times are Unix microseconds in both.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-notify/herald"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers "sqlite"
)

//go:embed migrations
var migrations embed.FS

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// busyTimeout is how long, in milliseconds, a SQLite connection waits for a
// lock another holds.
const busyTimeout = "10000"

// Store is Herald's database. Safe for concurrent use.
type Store struct {
	dialect string
	db      *sql.DB // writes on PostgreSQL, migrations on both
	rdb     *sql.DB // the read pool (the same as db on PostgreSQL)
	r       querier // reads: rdb, through a statement cache on SQLite
	w       *writer // SQLite's one write connection; nil on PostgreSQL
	lax     *sql.DB // PostgreSQL: claims and outcomes, committed without waiting for the WAL flush (queue.go)
	dsn     string
	now     func() time.Time
	// failuresOnRecord: some notifier may have failures or an open circuit
	// recorded (true at start: unknown), so successes must reset them.
	failuresOnRecord atomic.Bool
	conf             *confCache
	taker            atomic.Pointer[taking] // takes fresh notifications (handoff.go)
	circuitRule      CircuitRule            // how Finish moves circuit breakers (nil: it does not)

	mu      sync.Mutex
	waiters []chan struct{} // woken after notifications are committed

	rebindCache sync.Map // query text → PostgreSQL text

	stopListen context.CancelFunc // PostgreSQL: ends the LISTEN loop (listen.go)
	listenDone chan struct{}
	listening  atomic.Bool   // the LISTEN connection is up
	announcing chan struct{} // PostgreSQL: commits to announce (listen.go)

	cannotWrite atomic.Bool // the last write failed for want of space or I/O

	stopCheckpoints context.CancelFunc // SQLite: ends the checkpoints (checkpoint.go)
	checkpointsDone chan struct{}
}

// Open connects to the database named by url ("sqlite:path", "sqlite:///abs",
// "postgres://...") and migrates its schema.
func Open(ctx context.Context, dbURL string) (*Store, error) {
	s := &Store{now: time.Now, conf: &confCache{}}
	s.failuresOnRecord.Store(true)
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		path, err := SQLitePath(dbURL)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		if err := restrictFiles(path); err != nil {
			return nil, err
		}
		dsn := "file:" + path + "?_pragma=busy_timeout(" + busyTimeout + ")&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		s.dialect, s.dsn = SQLite, dsn
		if s.db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(1)
		if s.rdb, err = sql.Open("sqlite", dsn); err != nil {
			return nil, err
		}
		// Idle connections are kept: each holds its prepared statements.
		s.rdb.SetMaxOpenConns(8)
		s.rdb.SetMaxIdleConns(8)
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		s.dialect, s.dsn, s.db, s.rdb = Postgres, dbURL, db, db
		if s.lax, err = sql.Open("pgx", laxURL(dbURL)); err != nil {
			db.Close()
			return nil, err
		}
		s.lax.SetMaxOpenConns(4)
		s.lax.SetMaxIdleConns(4)
	default:
		return nil, fmt.Errorf("database URL must start with sqlite: or postgres://, got %q", redactURL(dbURL))
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.r = s.rdb
	if s.dialect == SQLite {
		// SQLite gives the -wal and -shm files the database's mode; make sure.
		path, _ := SQLitePath(dbURL)
		if err := restrictFiles(path); err != nil {
			s.Close()
			return nil, err
		}
		w, err := newWriter(ctx, s.db, path+"-wal")
		if err != nil {
			s.Close()
			return nil, err
		}
		s.w, s.r = w, cached{direct: s.rdb, cache: newStmtCache(s.rdb.PrepareContext)}
		cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.stopCheckpoints, s.checkpointsDone = stop, make(chan struct{})
		go func() { defer close(s.checkpointsDone); s.checkpoints(cctx) }()
	}
	if s.dialect == Postgres {
		lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.stopListen, s.listenDone = stop, make(chan struct{})
		s.announcing = make(chan struct{}, 1)
		go func() {
			defer close(s.listenDone)
			announced := make(chan struct{})
			go func() { defer close(announced); s.announcer(lctx) }()
			s.listen(lctx)
			<-announced
		}()
	}
	return s, nil
}

// restrictFiles makes the database file (created empty if need be) and its
// -wal and -shm files readable by their owner only: they hold everything,
// including the hashes of passwords and tokens.
func restrictFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database file mode: %w", err)
		}
	}
	return nil
}

// SQLitePath returns the file path of a sqlite: URL.
func SQLitePath(dbURL string) (string, error) {
	p := strings.TrimPrefix(dbURL, "sqlite:")
	p = strings.TrimPrefix(p, "//") // sqlite:///abs/path
	if p == "" {
		return "", errors.New("sqlite URL has no path")
	}
	return p, nil
}

// laxURL is dbURL for sessions whose commits do not wait for the WAL
// flush (synchronous_commit off, a runtime parameter pgx passes on). Only
// claims and delivery outcomes use them: a PostgreSQL crash may undo the
// last fraction of a second of those, which leaves the rows pending and
// leased as before, so they are sent again (at least once, as after a
// Herald crash) and never lost. Notifications are created by status
// changes, which commit durably on the main pool.
func laxURL(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL // sql.Open reports it
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// redactURL hides a password in a database URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Instances starting at once take turns: an advisory lock around migrations.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.db, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	if s.stopListen != nil {
		s.stopListen()
		<-s.listenDone
	}
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
		<-s.checkpointsDone
	}
	if s.w != nil {
		s.w.close()
	}
	if c, ok := s.r.(cached); ok {
		c.cache.close()
	}
	if s.lax != nil {
		s.lax.Close()
	}
	err := s.db.Close()
	if s.rdb != s.db && s.rdb != nil {
		s.rdb.Close()
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SetClock replaces the clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) nowMicros() int64 { return s.now().UTC().UnixMicro() }

// q rebinds a query written with ? placeholders for the store's dialect.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	if v, ok := s.rebindCache.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	out := b.String()
	s.rebindCache.Store(query, out)
	return out
}

// Wake returns a channel that receives after notifications are committed by
// this process or, on PostgreSQL, by any instance sharing the database.
func (s *Store) Wake() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	return ch
}

func (s *Store) wake() {
	s.mu.Lock()
	for _, ch := range s.waiters {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	s.mu.Unlock()
}

// micros converts a time to the stored form.
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// marks returns n comma-separated placeholders, for an IN list.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// scanRows runs a query and calls scan for each row.
func scanRows(ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isUnique reports whether err is a unique-constraint violation in either dialect.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505")
}

// isForeignKey reports whether err is a foreign-key violation in either dialect.
func isForeignKey(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "FOREIGN KEY constraint failed") || strings.Contains(m, "SQLSTATE 23503")
}

var errNotFound = herald.Errorf(herald.ENOTFOUND, "Not found.")

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
