package main

import (
	"bufio"
	"bytes"
	"context"
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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
	_ "github.com/jackc/pgx/v5/stdlib"
)

const multiSecretKey = "multi-instance-test-key-that-is-at-least-32-bytes"

// buildHerald compiles the herald binary into a temporary directory.
func buildHerald(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "herald")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// instance is a running `herald serve` process.
type instance struct {
	cmd    *exec.Cmd
	url    string
	id     string // the instance id leases name
	exited chan struct{}
	mu     sync.Mutex
	stderr bytes.Buffer
}

// startInstance starts `herald serve` on a free port and waits until it is ready.
// It may run in any goroutine: on failure it reports and returns nil.
func startInstance(t *testing.T, bin, dbURL string, args ...string) *instance {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "HERALD_DATA_DIR=" + t.TempDir(),
		"HERALD_DATABASE_URL=" + dbURL, "HERALD_SECRET_KEY=" + multiSecretKey, "HERALD_ADMIN_PASSWORD=" + heraldtest.AdminPassword,
	}
	in := &instance{cmd: cmd}
	pr, pw := io.Pipe()
	cmd.Stderr = pw // exec copies into it; Wait returns once the copy is done
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return nil
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); pw.Close(); close(exited) }()
	in.exited = exited
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			in.mu.Lock()
			in.stderr.WriteString(line + "\n")
			in.mu.Unlock()
			if i := strings.Index(line, "addr=http://"); i >= 0 && strings.Contains(line, "herald ready") {
				ready <- strings.Fields(line[i+len("addr="):])[0]
			}
		}
		close(ready)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		if t.Failed() {
			in.mu.Lock()
			t.Logf("instance %s log:\n%s", in.url, in.stderr.String())
			in.mu.Unlock()
		}
	})
	select {
	case url, ok := <-ready:
		if !ok {
			t.Errorf("herald serve exited before it was ready:\n%s", in.log())
			return nil
		}
		in.url = url
	case <-time.After(60 * time.Second):
		t.Errorf("herald serve not ready:\n%s", in.log())
		return nil
	}
	ping, err := in.expect(http.StatusOK, "GET", "/api/v1/ping/", nil)
	if in.id, _ = ping["instance"].(string); err != nil || in.id == "" {
		t.Errorf("ping: %v %v", ping, err)
		return nil
	}
	return in
}

func (in *instance) log() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stderr.String()
}

var multiClient = &http.Client{Timeout: 30 * time.Second}

// call sends a request as admin and returns the status and decoded body.
func (in *instance) call(method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth("admin", heraldtest.AdminPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := multiClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	if m == nil {
		m = map[string]any{"body": string(data)}
	}
	return resp.StatusCode, m, nil
}

// expect is call that returns an error unless the status is want.
func (in *instance) expect(want int, method, path string, body any) (map[string]any, error) {
	status, m, err := in.call(method, path, body)
	if err == nil && status != want {
		err = fmt.Errorf("%s %s%s: %d, want %d: %v", method, in.url, path, status, want, m)
	}
	return m, err
}

// must is expect that fails the test (from the test's goroutine only).
func (in *instance) must(t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	m, err := in.expect(want, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// receiver counts webhook requests per Idempotency-Key.
type receiver struct {
	srv   *httptest.Server
	delay atomic.Int64 // nanoseconds each answer waits
	mu    sync.Mutex
	seen  map[string]int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.seen[req.Header.Get("Idempotency-Key")]++
		r.mu.Unlock()
		time.Sleep(time.Duration(r.delay.Load()))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// counts returns how many distinct keys arrived and how many repeats.
func (r *receiver) counts(keys map[string]bool) (distinct, duplicates int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range keys {
		if n := r.seen[k]; n > 0 {
			distinct++
			duplicates += n - 1
		}
	}
	return distinct, duplicates
}

// runJobs launches n jobs through the instances in turn, each reported
// successful through the next one (each report fires one webhook). It runs
// in any goroutine and returns the first error.
func runJobs(insts []*instance, tmpl int64, n int) error {
	jobs := make(chan int, n)
	for i := range n {
		jobs <- i
	}
	close(jobs)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				m, err := insts[i%len(insts)].expect(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tmpl), map[string]any{})
				if err == nil {
					_, err = insts[(i+1)%len(insts)].expect(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", heraldtest.ID(m)), map[string]any{"status": "successful"})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
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
func waitDelivered(t *testing.T, db *sql.DB, r *receiver, keys map[string]bool) int {
	t.Helper()
	var distinct, dups, pending int
	ok := heraldtest.Eventually(t, 90*time.Second, func() bool {
		distinct, dups = r.counts(keys)
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
	bin := buildHerald(t)
	const workers = 4
	args := []string{"--lease", "3s", "--attempt-timeout", "1s", "--workers", fmt.Sprint(workers), "--per-notifier", fmt.Sprint(workers), "--retry-base", "100ms", "--shutdown-timeout", "2s"}
	insts := make([]*instance, 3)
	var wg sync.WaitGroup
	for i := range insts { // all at once: migrations and the admin race
		wg.Add(1)
		go func() { defer wg.Done(); insts[i] = startInstance(t, bin, dbURL, args...) }()
	}
	wg.Wait()
	for _, in := range insts {
		if in == nil {
			t.FailNow()
		}
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	r := newReceiver(t)
	a := insts[0]
	org := heraldtest.ID(a.must(t, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	project := heraldtest.ID(insts[1].must(t, http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Infra", "organization": org}))
	tmpl := heraldtest.ID(insts[2].must(t, http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Deploy", "project": project}))
	hook := heraldtest.ID(a.must(t, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "hook", "organization": org, "notification_type": "webhook", "notification_configuration": map[string]any{"url": r.srv.URL},
	}))
	a.must(t, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", tmpl), map[string]any{"id": hook})

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
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.exited
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
	bin := buildHerald(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HERALD_DATA_DIR=" + t.TempDir(), "HERALD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "HERALD_SECRET_KEY") {
		t.Fatalf("herald serve with PostgreSQL and no key: %v, output:\n%s\nwant exit status 2 naming HERALD_SECRET_KEY", err, out)
	}
}
