package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
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
// one writer, and under load that writer is the service's bottleneck, so it
// commits in groups: the write operations waiting when a transaction starts
// run together in it, each inside its own savepoint, so one failing rolls
// back only itself, and one COMMIT serves them all. The caller that finds
// the writer idle runs the transaction itself (no hand-off when there is no
// queue); callers arriving meanwhile queue up for the next group.
type writer struct {
	conn *sql.Conn
	q    cached
	// checkpoint.go
	walPath   string
	committed chan struct{} // a commit since the last checkpoint
	walLong   chan struct{} // the WAL has grown past walLimit
	copied    atomic.Bool   // a background checkpoint ran: settle it
	settled   chan struct{} // settle ran

	mu      sync.Mutex
	queue   []*writeOp
	leading bool           // a goroutine is committing groups
	drains  sync.WaitGroup // background leaders, for close
}

// writeOp is one caller's transaction body and where its outcome goes.
type writeOp struct {
	ctx    context.Context
	fn     func(tx querier) error
	result chan error
}

// maxGroup bounds how many operations share one commit.
const maxGroup = 64

func newWriter(ctx context.Context, db *sql.DB, walPath string) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		conn.Close()
		return nil, err
	}
	return &writer{conn: conn, q: cached{direct: conn, cache: newStmtCache(conn.PrepareContext)},
		walPath: walPath, committed: make(chan struct{}, 1), walLong: make(chan struct{}, 1), settled: make(chan struct{}, 1)}, nil
}

func (w *writer) close() {
	w.drains.Wait()
	w.q.cache.close()
	w.conn.Close()
}

// do queues op and, when no one is committing, commits the next group
// itself (which holds op). It returns op's outcome.
func (w *writer) do(op *writeOp) error {
	w.mu.Lock()
	w.queue = append(w.queue, op)
	if w.leading {
		w.mu.Unlock()
		return <-op.result
	}
	w.leading = true
	w.mu.Unlock()
	w.commit(w.take())
	w.settle()
	// Whoever queued meanwhile is served by a background leader, so that
	// this caller is not kept committing for others under sustained load.
	w.mu.Lock()
	if len(w.queue) > 0 {
		w.drains.Add(1)
		go w.drain()
	} else {
		w.leading = false
	}
	w.mu.Unlock()
	return <-op.result
}

// take removes the next group from the queue.
func (w *writer) take() []*writeOp {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(w.queue), maxGroup)
	group := append([]*writeOp(nil), w.queue[:n]...)
	w.queue = w.queue[n:]
	return group
}

// drain commits groups until the queue is empty, then steps down.
func (w *writer) drain() {
	defer w.drains.Done()
	for {
		group := w.take()
		if len(group) == 0 {
			w.mu.Lock()
			if len(w.queue) == 0 {
				w.leading = false
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			continue
		}
		w.commit(group)
		w.settle()
	}
}

// commit runs a group of operations in one transaction and reports each
// one's outcome once the transaction is over.
func (w *writer) commit(group []*writeOp) {
	// BEGIN, COMMIT and ROLLBACK run whatever the callers' contexts say, or
	// the connection would be left inside a transaction.
	bg := context.Background()
	results := make([]error, len(group))
	if _, err := w.q.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil {
		for i := range results {
			results[i] = fmt.Errorf("begin: %w", err)
		}
	} else {
		if len(group) == 1 { // alone: no savepoint needed, a failure rolls back the transaction
			results[0] = w.run1(group[0])
		} else {
			for i, op := range group {
				results[i] = w.apply(op)
			}
		}
		if results[0] != nil && len(group) == 1 {
			w.q.ExecContext(bg, "ROLLBACK")
		} else if _, err := w.q.ExecContext(bg, "COMMIT"); err != nil {
			w.q.ExecContext(bg, "ROLLBACK")
			for i := range results {
				if results[i] == nil {
					results[i] = fmt.Errorf("commit: %w", err)
				}
			}
		} else {
			w.signalCommit()
		}
	}
	for i, op := range group {
		op.result <- results[i]
	}
}

// run1 runs one operation, turning a panic into its error.
func (w *writer) run1(op *writeOp) (err error) {
	if err := op.ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("write operation panicked: %v", v)
		}
	}()
	return op.fn(w.q)
}

// apply runs one operation inside a savepoint, undoing only its own writes
// when it fails (or panics: the writer must outlive any one caller).
func (w *writer) apply(op *writeOp) (err error) {
	bg := context.Background()
	if err := op.ctx.Err(); err != nil {
		return err
	}
	if _, err := w.q.ExecContext(bg, "SAVEPOINT op"); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("write operation panicked: %v", v)
		}
		if err != nil {
			w.q.ExecContext(bg, "ROLLBACK TO op")
		}
		w.q.ExecContext(bg, "RELEASE op")
	}()
	return op.fn(w.q)
}

// stmt runs fn, a single statement (atomic by itself), as a write. On
// PostgreSQL it runs outside a transaction: one round trip instead of
// BEGIN, the statement and COMMIT, each waiting on the other side.
func (s *Store) stmt(ctx context.Context, fn func(q querier) error) error {
	if s.w == nil {
		return s.wrote(fn(s.db))
	}
	return s.tx(ctx, fn)
}

// tx runs fn in a write transaction: its writes are committed together or
// not at all, and tx returns once they are durable in the database.
func (s *Store) tx(ctx context.Context, fn func(tx querier) error) error {
	if s.w == nil { // PostgreSQL: pgx caches statements per connection itself
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return s.wrote(fmt.Errorf("begin: %w", err))
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return s.wrote(err)
		}
		if err := tx.Commit(); err != nil {
			return s.wrote(fmt.Errorf("commit: %w", err))
		}
		return s.wrote(nil)
	}
	return s.wrote(s.w.do(&writeOp{ctx: ctx, fn: fn, result: make(chan error, 1)}))
}
