package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// startInstances creates a fresh database on --postgres and starts
// --instances `herald serve` on it, each with a data dir and port of its
// own. Its stop stops them, then removes their cgroups, drops the database
// and the data dirs it made.
func startInstances(ctx context.Context, o options) (*server, error) {
	db, err := createDatabase(ctx, o.postgres)
	if err != nil {
		return nil, err
	}
	fmt.Printf("database %s created on %s (dropped at the end); %s on it\n", db.name, db.host, plural(o.instances, "instance"))
	s := &server{password: randomText(12), pgURL: db.url, cpuLimit: o.instanceCPU}
	var procs []*herald
	var limit *cpuLimit
	base, removeBase := o.dataDir, func() {}
	s.stop = func() error {
		var errs []error
		for _, h := range procs {
			errs = append(errs, h.stop())
		}
		limit.remove()
		errs = append(errs, db.drop())
		removeBase()
		return errors.Join(errs...)
	}
	fail := func(err error) (*server, error) {
		if stopErr := s.stop(); stopErr != nil {
			fmt.Fprintln(os.Stderr, "heraldbench: cleaning up:", stopErr)
		}
		return nil, err
	}
	if base == "" {
		d, err := os.MkdirTemp("", "heraldbench-")
		if err != nil {
			return fail(err)
		}
		base, removeBase = d, func() { os.RemoveAll(d) }
	}
	if limit, err = newCPULimit(o.instanceCPU); err != nil {
		return fail(err)
	}
	// Every instance must share the key that seals secrets at rest.
	env := []string{"HERALD_DATABASE_URL=" + db.url, "HERALD_SECRET_KEY=" + randomText(32), "HERALD_ADMIN_PASSWORD=" + s.password}
	// One after another: migrations take an advisory lock anyway, and the
	// first one's log then holds them.
	for i := range o.instances {
		dir := filepath.Join(base, fmt.Sprintf("instance-%d", i+1))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(err)
		}
		logPath := filepath.Join(dir, "herald.log")
		h, err := startHerald(ctx, o, dir, logPath, env, limit.placer(i))
		if err != nil {
			return fail(fmt.Errorf("instance %d: %w", i+1, err))
		}
		procs = append(procs, h)
		s.urls, s.pids = append(s.urls, h.url), append(s.pids, h.pid)
		where := ""
		if limit != nil {
			where = fmt.Sprintf(", in cgroup %s limited to %g cores", limit.dirs[len(limit.dirs)-1], o.instanceCPU)
		}
		fmt.Printf("instance %d of %d: %s (pid %d, data dir %s%s)\n", i+1, o.instances, h.url, h.pid, dir, where)
	}
	s.url, s.pid, s.logPath = s.urls[0], s.pids[0], filepath.Join(base, "instance-1", "herald.log")
	return s, nil
}

// freshDB is a database made for one run on --postgres's server.
type freshDB struct {
	name, host, url string
	admin           *sql.DB // on the server's URL as given, to drop it
}

// createDatabase makes heraldbench_<random hex> on the server at serverURL.
func createDatabase(ctx context.Context, serverURL string) (*freshDB, error) {
	usage := fmt.Errorf("--postgres wants a URL such as postgres://user@host:5432/postgres or postgres://user@/postgres?host=/var/run/postgresql")
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, usage
	}
	host := u.Host
	if host == "" { // a Unix socket: postgres://user@/postgres?host=/var/run/postgresql
		host = u.Query().Get("host")
	}
	if host == "" {
		return nil, usage
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(1)
	d := &freshDB{name: "heraldbench_" + randomText(6), host: host, admin: admin}
	// The name is ours and hex, so it needs no quoting.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+d.name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("--postgres: creating the database: %w", err)
	}
	fresh := *u
	fresh.Scheme, fresh.Path, fresh.RawPath = "postgres", "/"+d.name, "" // herald takes postgres:// only
	d.url = fresh.String()
	return d, nil
}

// drop removes the database even while connections linger (PostgreSQL 13+),
// with a context of its own: the run's may be cancelled by an interrupt.
func (d *freshDB) drop() error {
	defer d.admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := d.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping database %s: %w", d.name, err)
	}
	return nil
}

// plural writes n things, e.g. "1 instance", "2 instances".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
