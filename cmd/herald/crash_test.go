package main

// These tests run the real binary: `herald serve` on a SQLite file, a slow
// webhook receiver, and jobs launched over HTTP. The process is killed with
// SIGKILL, or stopped with SIGTERM, in the middle of delivering, restarted
// on the same data directory, and every notification must still arrive:
// after a kill at most the rows it held arrive twice; after SIGTERM none.

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// crashBinary builds herald into the test's temporary directory.
func crashBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "herald")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashProc is a running `herald serve`.
type crashProc struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	mu     sync.Mutex
	log    bytes.Buffer
}

// startCrashProc starts herald serve on dataDir and waits until it answers.
func startCrashProc(t *testing.T, bin, dataDir string) *crashProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, crashArgs...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir, "HERALD_ADMIN_PASSWORD=" + heraldtest.AdminPassword}
	p := &crashProc{cmd: cmd, exited: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); pw.Close(); close(p.exited) }()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if i := strings.Index(line, "addr=http://"); i >= 0 && strings.Contains(line, "herald ready") {
				ready <- strings.Fields(line[i+len("addr="):])[0]
			}
		}
		close(ready)
		io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("herald log:\n%s", p.logText())
		}
	})
	select {
	case url, ok := <-ready:
		if !ok {
			t.Fatalf("herald serve exited before it was ready:\n%s", p.logText())
		}
		p.url = url
	case <-time.After(60 * time.Second):
		t.Fatalf("herald serve not ready:\n%s", p.logText())
	}
	return p
}

func (p *crashProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

var crashClient = &http.Client{Timeout: 30 * time.Second}

// call sends a request as admin; an error means no answer (the process died).
func (p *crashProc) call(method, path string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, p.url+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth("admin", heraldtest.AdminPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := crashClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, nil
}

func (p *crashProc) must(t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	status, m, err := p.call(method, path, body)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v (%v), want %d", method, path, status, m, err, want)
	}
	return m
}

// crashSink is the slow webhook receiver: it counts complete requests by
// Idempotency-Key and knows how many it is answering right now.
type crashSink struct {
	url    string
	mu     sync.Mutex
	seen   map[string]int
	active int
}

func newCrashSink(t *testing.T, delay time.Duration) *crashSink {
	t.Helper()
	s := &crashSink{seen: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return // cut off mid-body: it did not arrive
		}
		s.mu.Lock()
		s.seen[r.Header.Get("Idempotency-Key")]++
		s.active++
		s.mu.Unlock()
		time.Sleep(delay)
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// state returns the distinct keys seen, the repeats, and the requests being answered.
func (s *crashSink) state() (distinct, repeats, active int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.seen {
		distinct++
		repeats += n - 1
	}
	return distinct, repeats, s.active
}

func (s *crashSink) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}

// crashSetup makes a job template with a webhook to sink on its success
// list, and launches crashJobs jobs; it returns their ids.
func crashSetup(t *testing.T, p *crashProc, sink *crashSink) []int64 {
	t.Helper()
	org := p.must(t, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	proj := p.must(t, http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Site", "organization": heraldtest.ID(org)})
	jt := heraldtest.ID(p.must(t, http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Deploy", "project": heraldtest.ID(proj)}))
	hook := p.must(t, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "sink", "notification_type": "webhook", "notification_configuration": map[string]any{"url": sink.url},
	})
	p.must(t, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", jt), map[string]any{"id": heraldtest.ID(hook)})
	jobs := make([]int64, crashJobs)
	for i := range jobs {
		jobs[i] = heraldtest.ID(p.must(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", jt), map[string]any{}))
	}
	return jobs
}

// finishJobs reports every job successful with 4 clients (each report
// queues one notification) and returns the jobs whose report got no answer
// because the process went away.
func finishJobs(p *crashProc, jobs []int64) []int64 {
	todo := make(chan int64, len(jobs))
	for _, j := range jobs {
		todo <- j
	}
	close(todo)
	var mu sync.Mutex
	var unanswered []int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range todo {
				status, _, err := p.call("PATCH", fmt.Sprintf("/api/v1/jobs/%d/", j), map[string]any{"status": "successful"})
				if err != nil || status != http.StatusOK {
					mu.Lock()
					unanswered = append(unanswered, j)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return unanswered
}

// deliverAll reports the unanswered jobs again (repeating a status is a
// no-op, so a report that did commit is harmless), waits until every job's
// notification is successful, and returns the notification keys.
func deliverAll(t *testing.T, p *crashProc, sink *crashSink, unanswered []int64) []string {
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
	bin := crashBinary(t)
	dir := t.TempDir()
	sink := newCrashSink(t, 20*time.Millisecond)
	p := startCrashProc(t, bin, dir)
	jobs := crashSetup(t, p, sink)

	// Kill once a quarter have arrived: the rest are queued or in flight.
	var atKill struct{ distinct, active int }
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for {
			select {
			case <-p.exited:
				return
			case <-time.After(time.Millisecond):
			}
			if d, _, a := sink.state(); d >= crashJobs/4 {
				p.cmd.Process.Signal(syscall.SIGKILL)
				atKill.distinct, atKill.active = d, a
				return
			}
		}
	}()
	unanswered := finishJobs(p, jobs)
	<-killed
	<-p.exited
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("herald was not killed mid-delivery (state %v): the run is too fast for this test", p.cmd.ProcessState)
	}
	// The rows the dead process held: claimed, not recorded. Only these may
	// arrive twice.
	held := crashCount(t, dir, "status = 'pending' AND lease_owner IS NOT NULL")
	t.Logf("killed with %d of %d delivered, %d being answered, %d rows claimed, %d job reports unanswered",
		atKill.distinct, crashJobs, atKill.active, held, len(unanswered))

	p2 := startCrashProc(t, bin, dir)
	keys := deliverAll(t, p2, sink, unanswered)
	for _, k := range keys {
		if sink.count(k) == 0 {
			t.Errorf("notification %s never arrived", k)
		}
	}
	_, repeats, _ := sink.state()
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
	bin := crashBinary(t)
	dir := t.TempDir()
	sink := newCrashSink(t, 20*time.Millisecond)
	p := startCrashProc(t, bin, dir)
	jobs := crashSetup(t, p, sink)

	var atTerm struct{ distinct, active int }
	termed := make(chan struct{})
	go func() {
		defer close(termed)
		for {
			select {
			case <-p.exited:
				return
			case <-time.After(time.Millisecond):
			}
			if d, _, a := sink.state(); d >= crashJobs/4 {
				p.cmd.Process.Signal(syscall.SIGTERM)
				atTerm.distinct, atTerm.active = d, a
				return
			}
		}
	}()
	unanswered := finishJobs(p, jobs)
	<-termed
	<-p.exited
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("herald exited %d after SIGTERM (%v), want 0", code, p.cmd.ProcessState)
	}
	distinct, _, active := sink.state()
	t.Logf("SIGTERM with %d delivered and %d being answered; %d delivered at exit; %d job reports unanswered",
		atTerm.distinct, atTerm.active, distinct, len(unanswered))
	if active != 0 {
		t.Errorf("%d requests still being answered after herald exited", active)
	}

	// Every delivery that arrived is recorded; nothing is left claimed.
	recorded := crashCount(t, dir, "status = 'successful'")
	claimed := crashCount(t, dir, "status = 'pending' AND lease_owner IS NOT NULL")
	if recorded != distinct || claimed != 0 {
		t.Errorf("after SIGTERM: %d recorded successful for %d delivered, %d still claimed", recorded, distinct, claimed)
	}
	if distinct == crashJobs {
		t.Fatalf("everything was delivered before the process stopped: the run is too fast for this test")
	}

	p2 := startCrashProc(t, bin, dir)
	keys := deliverAll(t, p2, sink, unanswered)
	for _, k := range keys {
		if n := sink.count(k); n != 1 {
			t.Errorf("notification %s arrived %d times, want once", k, n)
		}
	}
}
