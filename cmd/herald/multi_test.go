package main

// These tests run several `herald serve` processes of the real binary on
// one PostgreSQL database: deliveries are shared out exactly once, and a
// killed instance's claims go to the others once its lease runs out.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
	_ "github.com/jackc/pgx/v5/stdlib"
)

const multiSecretKey = "multi-instance-test-key-that-is-at-least-32-bytes"

// startInstance starts `herald serve` on the PostgreSQL database at dbURL.
// It may run in any goroutine.
func startInstance(t *testing.T, dbURL string, args ...string) (*heraldProc, error) {
	t.Helper()
	env := []string{
		"HOME=" + t.TempDir(), "HERALD_DATA_DIR=" + t.TempDir(),
		"HERALD_DATABASE_URL=" + dbURL, "HERALD_SECRET_KEY=" + multiSecretKey,
	}
	return startServe(t, env, args...)
}

// runJobs launches n jobs through the instances in turn, each reported
// successful through the next one (each report fires one webhook). It runs
// in any goroutine and returns the first error.
func runJobs(insts []*heraldProc, tmpl int64, n int) error {
	return parallel(n, 8, func(i int) error {
		m, err := insts[i%len(insts)].expect(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tmpl), map[string]any{})
		if err == nil {
			_, err = insts[(i+1)%len(insts)].expect(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", heraldtest.ID(m)), map[string]any{"status": "successful"})
		}
		return err
	})
}

// keysAbove returns the webhook keys of the notifications with id > after.
func keysAbove(t *testing.T, db *sql.DB, after int64) (map[string]bool, int64) {
	t.Helper()
	rows, err := db.Query("SELECT id FROM notifications WHERE id > $1", after)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	keys, last := map[string]bool{}, after
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		keys[fmt.Sprintf("herald-%d", id)] = true
		last = max(last, id)
	}
	return keys, last
}

// waitDelivered waits until every key reached the receiver and no
// notification is pending; it returns the repeats among keys.
func waitDelivered(t *testing.T, db *sql.DB, r *sink, keys map[string]bool) int {
	t.Helper()
	var distinct, dups, pending int
	ok := heraldtest.Eventually(t, 90*time.Second, func() bool {
		distinct, dups, _ = r.state(keys)
		db.QueryRow("SELECT COUNT(*) FROM notifications WHERE status <> 'successful'").Scan(&pending)
		return distinct == len(keys) && pending == 0
	})
	if !ok {
		t.Fatalf("%d of %d notifications reached the receiver; %d not successful", distinct, len(keys), pending)
	}
	return dups
}

// TestMultipleInstances runs three `herald serve` processes on one
// PostgreSQL database: every notification is delivered exactly once while
// all run, and when one is killed mid-delivery the others take over what it
// held once its lease runs out, repeating at most what it had in flight.
func TestMultipleInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald and runs three processes")
	}
	dbURL := heraldtest.PostgresURL(t)
	const workers = 4
	args := []string{"--lease", "3s", "--attempt-timeout", "1s", "--workers", fmt.Sprint(workers), "--per-notifier", fmt.Sprint(workers), "--retry-base", "100ms", "--shutdown-timeout", "2s"}
	insts := make([]*heraldProc, 3)
	errs := make([]error, len(insts))
	var wg sync.WaitGroup
	for i := range insts { // all at once: migrations and the admin race
		wg.Add(1)
		go func() { defer wg.Done(); insts[i], errs[i] = startInstance(t, dbURL, args...) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	r := newSink(t, 0)
	a := insts[0]
	tmpl := webhookTemplate(t, insts, r.url) // each instance makes part of it

	// Phase 1: all instances up: exactly once.
	const n1 = 300
	start := time.Now()
	if err := runJobs(insts, tmpl, n1); err != nil {
		t.Fatal(err)
	}
	keys, last := keysAbove(t, db, 0)
	if len(keys) != n1 {
		t.Fatalf("%d jobs made %d notifications, want one each", n1, len(keys))
	}
	if dups := waitDelivered(t, db, r, keys); dups != 0 {
		t.Fatalf("%d duplicate deliveries with every instance up, want 0", dups)
	}
	t.Logf("phase 1: %d notifications, each delivered once (%s)", len(keys), time.Since(start).Round(time.Millisecond))

	// Phase 2: slow answers keep rows in flight; kill -9 one instance.
	r.delay.Store(int64(200 * time.Millisecond))
	const n2 = 200
	start = time.Now()
	launched := make(chan error, 1)
	go func() { launched <- runJobs(insts[1:], tmpl, n2) }()
	held := func() int {
		var n int
		db.QueryRow("SELECT COUNT(*) FROM notifications WHERE lease_owner = $1 AND status = 'pending'", a.id).Scan(&n)
		return n
	}
	// Kill it with its slots full: the most it can leave half-done.
	if !heraldtest.Eventually(t, 30*time.Second, func() bool { return held() >= workers }) {
		t.Fatalf("the instance to kill never held %d notifications", workers)
	}
	if err := a.signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.wait()
	inFlight := held() // what it held when it died: only these can be sent twice
	if inFlight == 0 {
		t.Fatal("the killed instance held nothing when it died")
	}
	if err := <-launched; err != nil {
		t.Fatal(err)
	}
	keys2, _ := keysAbove(t, db, last)
	if len(keys2) != n2 {
		t.Fatalf("%d jobs made %d notifications, want one each", n2, len(keys2))
	}
	dups := waitDelivered(t, db, r, keys2)
	t.Logf("phase 2: killed instance held %d rows (--workers %d); %d of %d notifications delivered twice (%s)", inFlight, workers, dups, n2, time.Since(start).Round(time.Millisecond))
	if dups > inFlight {
		t.Fatalf("%d duplicates, more than the %d rows the killed instance held", dups, inFlight)
	}
}

// TestServePostgresNeedsSecretKey: instances must share a key, so none is
// generated for PostgreSQL.
func TestServePostgresNeedsSecretKey(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald")
	}
	bin := heraldBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HERALD_DATA_DIR=" + t.TempDir(), "HERALD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "HERALD_SECRET_KEY") {
		t.Fatalf("herald serve with PostgreSQL and no key: %v, output:\n%s\nwant exit status 2 naming HERALD_SECRET_KEY", err, out)
	}
}
