package main

import (
	"context"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// TestPostgresInstances runs heraldbench as a user would: two instances on
// a fresh database on the local PostgreSQL, every notification delivered
// once, and the database gone afterwards.
func TestPostgresInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald and runs a benchmark")
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:5432", 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at 127.0.0.1:5432: %v", err)
		}
		t.Skipf("no PostgreSQL at 127.0.0.1:5432: %v", err)
	}
	conn.Close()

	// The built binaries, not run() in-process: the report goes to stdout,
	// and the instances must be processes of their own anyway.
	dir := t.TempDir()
	bench, herald := filepath.Join(dir, "heraldbench"), filepath.Join(dir, "herald")
	for bin, pkg := range map[string]string{bench: ".", herald: "../herald"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bench, "--herald", herald, "--postgres", testPostgres, "--instances", "2",
		"--jobs", "40", "--notifiers", "2", "--templates", "4", "--clients", "4", "--timeout", "30s")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	report := string(out)
	if err != nil {
		t.Fatalf("heraldbench: %v\nstdout:\n%s\nstderr:\n%s", err, report, stderr.String())
	}
	for _, want := range []string{
		"notifications: 80 of 80 delivered, 0 lost",
		", 0 duplicated",
		"2 instances on it",
		"instance 2 of 2: http://127.0.0.1:",
		"server CPU (sum over 2 instances)",
		"PostgreSQL CPU",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	m := regexp.MustCompile(`database (heraldbench_[0-9a-f]+) created`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("report names no database:\n%s", report)
	}
	db, err := sql.Open("pgx", testPostgres)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", m[1]).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("database %s still exists after the run", m[1])
	}
}

// --postgres takes PostgreSQL's Unix socket too, and refuses a URL that
// names no server or does not parse.
func TestFreshDatabaseOverUnixSocket(t *testing.T) {
	const dir = "/var/run/postgresql"
	if _, err := os.Stat(filepath.Join(dir, ".s.PGSQL.5432")); err != nil {
		t.Skipf("no PostgreSQL socket (Debian's place for it): %v", err)
	}
	ctx := context.Background()
	d, err := createDatabase(ctx, "postgres://postgres@/postgres?host="+dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.host != dir || !strings.Contains(d.url, "/"+d.name+"?host=") {
		t.Errorf("database %s on %q at %s, want it on the socket", d.name, d.host, d.url)
	}
	if err := d.drop(); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"postgres://postgres@/postgres", "postgres://[::1"} {
		if _, err := createDatabase(ctx, bad); err == nil || !strings.Contains(err.Error(), "--postgres wants a URL") {
			t.Errorf("%s: %v, want the usage", bad, err)
		}
	}
}
