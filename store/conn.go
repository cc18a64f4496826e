package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// querier is what a query runs on: the read pool, a transaction or the writer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxCachedStmts bounds the statement cache: list queries built from filters
// vary, and past this many texts the rest simply run unprepared.
const maxCachedStmts = 512

// stmtCache prepares each query text once. SQLite parsing a statement costs
// more than running a small one (a third of the API's CPU before this cache).
type stmtCache struct {
	prepare func(ctx context.Context, query string) (*sql.Stmt, error)
	mu      sync.Mutex
	m       map[string]*sql.Stmt
}

func newStmtCache(prepare func(ctx context.Context, query string) (*sql.Stmt, error)) *stmtCache {
	return &stmtCache{prepare: prepare, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement for query, or nil to run it unprepared.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.prepare(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil // the direct call reports the error
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}

// cached runs queries through a statement cache.
type cached struct {
	direct querier
	cache  *stmtCache
}

func (c cached) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.cache.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.direct.ExecContext(ctx, query, args...)
}

func (c cached) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.cache.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.direct.QueryContext(ctx, query, args...)
}

func (c cached) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.cache.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.direct.QueryRowContext(ctx, query, args...)
}

// writer is SQLite's one write connection, held for the store's life so
// that its prepared statements are reused across transactions. SQLite has
// one writer anyway; a mutex makes the queue explicit and cheap.
type writer struct {
	mu   sync.Mutex
	conn *sql.Conn
	q    cached
}

func newWriter(ctx context.Context, db *sql.DB) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &writer{conn: conn, q: cached{direct: conn, cache: newStmtCache(conn.PrepareContext)}}, nil
}

func (w *writer) close() {
	w.q.cache.close()
	w.conn.Close()
}

// tx runs fn in a write transaction.
func (s *Store) tx(ctx context.Context, fn func(tx querier) error) error {
	if s.w == nil { // PostgreSQL: pgx caches statements per connection itself
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	// BEGIN, COMMIT and ROLLBACK must run even when ctx ends half-way, or the
	// connection would be left inside a transaction.
	bg := context.WithoutCancel(ctx)
	if _, err := s.w.q.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(s.w.q); err != nil {
		s.w.q.ExecContext(bg, "ROLLBACK")
		return err
	}
	if _, err := s.w.q.ExecContext(bg, "COMMIT"); err != nil {
		s.w.q.ExecContext(bg, "ROLLBACK")
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
