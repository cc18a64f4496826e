package main

// These tests run the real binary: `herald serve` on a SQLite file, a slow
// webhook receiver, and jobs launched over HTTP. The process is killed with
// SIGKILL, or stopped with SIGTERM, in the middle of delivering, restarted
// on the same data directory, and every notification must still arrive:
// after a kill at most the rows it held arrive twice; after SIGTERM none.

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

const (
	crashJobs    = 200
	crashWorkers = 8
)

// crashArgs are serve's settings in these tests: short retries and a short
// lease, so that a dead process' claims come back within seconds.
var crashArgs = []string{
	"--workers", fmt.Sprint(crashWorkers), "--per-notifier", fmt.Sprint(crashWorkers),
	"--retry-base", "100ms", "--retry-max-backoff", "500ms", "--retry-max-attempts", "50",
	"--lease", "2s", "--attempt-timeout", "1s", "--poll", "100ms", "--shutdown-timeout", "10s",
}

// startCrashProc starts herald serve on the SQLite database in dataDir.
func startCrashProc(t *testing.T, dataDir string) *heraldProc {
	t.Helper()
	return mustServe(t, []string{"HOME=" + dataDir}, append([]string{"--data-dir", dataDir}, crashArgs...)...)
}

// crashSetup makes a job template with a webhook to s on its success list,
// and launches crashJobs jobs; it returns their ids.
func crashSetup(t *testing.T, p *heraldProc, s *sink) []int64 {
	t.Helper()
	jt := webhookTemplate(t, []*heraldProc{p}, s.url)
	jobs := make([]int64, crashJobs)
	for i := range jobs {
		jobs[i] = heraldtest.ID(p.must(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", jt), map[string]any{}))
	}
	return jobs
}

// finishJobs reports every job successful with 4 clients (each report
// queues one notification) and returns the jobs whose report got no answer
// because the process went away.
func finishJobs(p *heraldProc, jobs []int64) []int64 {
	var mu sync.Mutex
	var unanswered []int64
	parallel(len(jobs), 4, func(i int) error {
		status, _, err := p.call("PATCH", fmt.Sprintf("/api/v1/jobs/%d/", jobs[i]), map[string]any{"status": "successful"})
		if err != nil || status != http.StatusOK {
			mu.Lock()
			unanswered = append(unanswered, jobs[i])
			mu.Unlock()
		}
		return nil
	})
	return unanswered
}

// crashRun is a first process stopped by a signal mid-delivery.
type crashRun struct {
	dir        string
	sink       *sink
	exit       *os.ProcessState
	unanswered []int64 // job reports that got no answer
	// delivered and being answered when the signal was sent
	distinct, active int
}

// signalMidDelivery starts herald on a fresh data directory with a slow
// sink, launches crashJobs jobs, reports them successful and sends sig once
// a quarter of the notifications have arrived; the rest are then queued or
// in flight. It returns once the process has exited.
func signalMidDelivery(t *testing.T, sig syscall.Signal) *crashRun {
	t.Helper()
	r := &crashRun{dir: t.TempDir(), sink: newSink(t, 20*time.Millisecond)}
	p := startCrashProc(t, r.dir)
	jobs := crashSetup(t, p, r.sink)

	signalled := make(chan struct{})
	go func() {
		defer close(signalled)
		for {
			select {
			case <-p.exited:
				return
			case <-time.After(time.Millisecond):
			}
			if d, _, a := r.sink.state(nil); d >= crashJobs/4 {
				p.signal(sig)
				r.distinct, r.active = d, a
				return
			}
		}
	}()
	r.unanswered = finishJobs(p, jobs)
	<-signalled
	r.exit = p.wait()
	return r
}

// deliverAll reports the unanswered jobs again (repeating a status is a
// no-op, so a report that did commit is harmless), waits until every job's
// notification is successful, and returns the notification keys.
func deliverAll(t *testing.T, p *heraldProc, unanswered []int64) []string {
	t.Helper()
	for _, j := range unanswered {
		p.must(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", j), map[string]any{"status": "successful"})
	}
	var pending, successful float64
	if !heraldtest.Eventually(t, 90*time.Second, func() bool {
		pending, _ = p.must(t, http.StatusOK, "GET", "/api/v1/notifications/?status=pending&page_size=1", nil)["count"].(float64)
		successful, _ = p.must(t, http.StatusOK, "GET", "/api/v1/notifications/?status=successful&page_size=1", nil)["count"].(float64)
		return pending == 0 && successful == crashJobs
	}) {
		t.Fatalf("after restart: %v pending, %v successful, want 0 and %d", pending, successful, crashJobs)
	}
	var keys []string
	for page := 1; len(keys) < crashJobs; page++ {
		res := p.must(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/?page_size=200&page=%d", page), nil)
		list, _ := res["results"].([]any)
		if len(list) == 0 {
			break
		}
		for _, n := range list {
			keys = append(keys, fmt.Sprintf("herald-%d", heraldtest.ID(n.(map[string]any))))
		}
	}
	if len(keys) != crashJobs {
		t.Fatalf("%d notifications, want one per job (%d)", len(keys), crashJobs)
	}
	return keys
}

// crashCount counts the notifications matching where in the stopped
// server's database.
func crashCount(t *testing.T, dir, where string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM notifications WHERE " + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKillRedelivers: SIGKILL mid-delivery loses nothing, and repeats at
// most the rows the process held (claimed and not yet recorded).
func TestKillRedelivers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	r := signalMidDelivery(t, syscall.SIGKILL)
	if ws, ok := r.exit.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("herald was not killed mid-delivery (state %v): the run is too fast for this test", r.exit)
	}
	// The rows the dead process held: claimed, not recorded. Only these may
	// arrive twice.
	held := crashCount(t, r.dir, "status = 'pending' AND lease_owner IS NOT NULL")
	t.Logf("killed with %d of %d delivered, %d being answered, %d rows claimed, %d job reports unanswered",
		r.distinct, crashJobs, r.active, held, len(r.unanswered))

	p2 := startCrashProc(t, r.dir)
	keys := deliverAll(t, p2, r.unanswered)
	for _, k := range keys {
		if r.sink.count(k) == 0 {
			t.Errorf("notification %s never arrived", k)
		}
	}
	_, repeats, _ := r.sink.state(nil)
	t.Logf("%d duplicates after the kill; %d rows were in flight (%d workers)", repeats, held, crashWorkers)
	if repeats > held {
		t.Errorf("%d duplicates, more than the %d rows in flight at the kill", repeats, held)
	}
}

// TestTermFinishesInFlight: SIGTERM lets attempts in flight finish and
// record, exits 0, and the next start delivers the rest with no repeats.
func TestTermFinishesInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	r := signalMidDelivery(t, syscall.SIGTERM)
	if code := r.exit.ExitCode(); code != 0 {
		t.Fatalf("herald exited %d after SIGTERM (%v), want 0", code, r.exit)
	}
	distinct, _, active := r.sink.state(nil)
	t.Logf("SIGTERM with %d delivered and %d being answered; %d delivered at exit; %d job reports unanswered",
		r.distinct, r.active, distinct, len(r.unanswered))
	if active != 0 {
		t.Errorf("%d requests still being answered after herald exited", active)
	}

	// Every delivery that arrived is recorded; nothing is left claimed.
	recorded := crashCount(t, r.dir, "status = 'successful'")
	claimed := crashCount(t, r.dir, "status = 'pending' AND lease_owner IS NOT NULL")
	if recorded != distinct || claimed != 0 {
		t.Errorf("after SIGTERM: %d recorded successful for %d delivered, %d still claimed", recorded, distinct, claimed)
	}
	if distinct == crashJobs {
		t.Fatalf("everything was delivered before the process stopped: the run is too fast for this test")
	}

	p2 := startCrashProc(t, r.dir)
	keys := deliverAll(t, p2, r.unanswered)
	for _, k := range keys {
		if n := r.sink.count(k); n != 1 {
			t.Errorf("notification %s arrived %d times, want once", k, n)
		}
	}
}
