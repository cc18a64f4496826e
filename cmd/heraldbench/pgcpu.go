package main

import (
	"context"
	"database/sql"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// pgCPU watches the CPU of the PostgreSQL processes serving one database:
// its backends (the instances' pools) and the WAL writer, which writes and
// flushes what their commits leave. It reads /proc, so PostgreSQL must run
// on this machine.
type pgCPU struct {
	db    *sql.DB
	start map[int]time.Duration
}

func startPGCPU(ctx context.Context, url string) (*pgCPU, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	p := &pgCPU{db: db}
	if p.start, err = p.sample(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return p, nil
}

func (p *pgCPU) sample(ctx context.Context) (map[int]time.Duration, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity
		WHERE (datname = current_database() AND pid <> pg_backend_pid()) OR backend_type = 'walwriter'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		if d, ok := processCPU(pid); ok {
			out[pid] = d
		}
	}
	return out, rows.Err()
}

// used returns the CPU those processes used since the start (a backend
// that ended meanwhile takes its share with it; the pools keep theirs).
func (p *pgCPU) used(ctx context.Context) (time.Duration, error) {
	now, err := p.sample(ctx)
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for pid, d := range now {
		sum += d - p.start[pid]
	}
	return sum, nil
}

func (p *pgCPU) close() { p.db.Close() }
