// These tests drive the delivery engine the way users do: through the API of
// a whole Herald (heraldtest), with real webhook notifiers pointing at HTTP
// receivers the tests run, so that claiming, sending, classifying, retrying
// and recording are exercised together on a real SQLite file.
package deliver_test

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
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/store"
)

// request is what a receiver saw.
type request struct {
	Method   string
	Header   http.Header
	Body     []byte
	User     string
	Password string
	Auth     bool
}

// receiver is a webhook endpoint that records every request and answers
// with reply (nil: 200). n counts requests from 1.
type receiver struct {
	URL   string
	mu    sync.Mutex
	reqs  []request
	reply func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{reply: reply}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, pass, ok := r.BasicAuth()
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, request{Method: r.Method, Header: r.Header.Clone(), Body: body, User: user, Password: pass, Auth: ok})
		n := len(rc.reqs)
		rc.mu.Unlock()
		if rc.reply == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		rc.reply(n, w, r)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

// statuses answers the given codes in turn, repeating the last one.
func statuses(codes ...int) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		code := codes[min(n, len(codes))-1]
		w.WriteHeader(code)
		fmt.Fprintf(w, "answer %d", code)
	}
}

// newHanging returns a receiver whose requests block until the test ends
// (or the client gives up).
func newHanging(t *testing.T) *receiver {
	t.Helper()
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	})
	// Registered after the server's Close, so it runs before it.
	t.Cleanup(func() { close(release) })
	return rc
}

// fixture is a Herald with one job template to attach notifiers to.
type fixture struct {
	*heraldtest.Server
	t        *testing.T
	template int64
	names    atomic.Int64
}

func start(t *testing.T, opts heraldtest.Options) *fixture {
	t.Helper()
	s := heraldtest.Start(t, opts)
	org := s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	proj := s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Site", "organization": heraldtest.ID(org)})
	jt := s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Deploy", "project": heraldtest.ID(proj), "playbook": "site.yml"})
	return &fixture{Server: s, t: t, template: heraldtest.ID(jt)}
}

// webhook creates a webhook notifier for url (extra adds configuration keys)
// and attaches it to the template's success list.
func (f *fixture) webhook(url string, extra map[string]any) int64 {
	f.t.Helper()
	cfg := map[string]any{"url": url}
	for k, v := range extra {
		cfg[k] = v
	}
	n := f.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": fmt.Sprintf("hook %d", f.names.Add(1)), "notification_type": "webhook", "notification_configuration": cfg,
	})
	f.Must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", f.template), map[string]any{"id": heraldtest.ID(n)})
	return heraldtest.ID(n)
}

// runJob launches a job and reports it successful; it returns the job's id.
func (f *fixture) runJob() int64 {
	f.t.Helper()
	job := heraldtest.ID(f.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", f.template), map[string]any{}))
	f.Must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", job), map[string]any{"status": "successful"})
	return job
}

// list returns every object of a paginated collection.
func (f *fixture) list(path string) []map[string]any {
	f.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []map[string]any
	for page := 1; ; page++ {
		var body struct {
			Results []map[string]any `json:"results"`
			Next    *string          `json:"next"`
		}
		r := f.Do("GET", fmt.Sprintf("%s%spage_size=200&page=%d", path, sep, page), nil)
		if r.Status != http.StatusOK {
			f.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, body.Results...)
		if body.Next == nil {
			return out
		}
	}
}

// jobNotification returns the id of the job's only notification.
func (f *fixture) jobNotification(job int64) int64 {
	f.t.Helper()
	ns := f.list(fmt.Sprintf("/api/v1/jobs/%d/notifications/", job))
	if len(ns) != 1 {
		f.t.Fatalf("job %d has %d notifications, want 1: %v", job, len(ns), ns)
	}
	return heraldtest.ID(ns[0])
}

func (f *fixture) notification(id int64) map[string]any {
	f.t.Helper()
	return f.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/%d/", id), nil)
}

// checkJobUntouched fails unless the job is still successful and not failed:
// a notification's fate never changes its job.
func (f *fixture) checkJobUntouched(job int64) {
	f.t.Helper()
	j := f.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/", job), nil)
	if j["status"] != "successful" || j["failed"] != false {
		f.t.Errorf("job %d: status %v failed %v after its notification failed; want successful, false", job, j["status"], j["failed"])
	}
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func timeField(t *testing.T, n map[string]any, key string) time.Time {
	t.Helper()
	s, _ := n[key].(string)
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s = %v: %v", key, n[key], err)
	}
	return v
}

// TestOutcomes covers what each kind of answer makes of a notification.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		policy   deliver.Policy // zero: the harness' (3 attempts)
		reply    func(int, http.ResponseWriter, *http.Request)
		status   string
		attempts int
		sent     int
		errHas   []string
	}{
		{name: "503 twice then 200", reply: statuses(503, 503, 200), status: "successful", attempts: 3, sent: 1},
		{name: "400 fails at once", reply: statuses(400), status: "failed", attempts: 1, errHas: []string{"400", "answer 400"}},
		{
			name:   "attempts exhausted",
			policy: deliver.Policy{MaxAttempts: 4, Base: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: time.Second},
			reply:  statuses(502), status: "failed", attempts: 4, errHas: []string{"502", "answer 502", "gave up after 4 attempts"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, heraldtest.Options{Delivery: deliver.Config{Policy: tc.policy}})
			rc := newReceiver(t, tc.reply)
			f.webhook(rc.URL, nil)
			job := f.runJob()
			id := f.jobNotification(job)
			n := f.WaitNotification(id, 20*time.Second)
			if n["status"] != tc.status || num(n["attempts"]) != tc.attempts || num(n["notifications_sent"]) != tc.sent {
				t.Fatalf("status %v attempts %v sent %v, want %s %d %d: %v", n["status"], n["attempts"], n["notifications_sent"], tc.status, tc.attempts, tc.sent, n)
			}
			errText, _ := n["error"].(string)
			for _, want := range tc.errHas {
				if !strings.Contains(errText, want) {
					t.Errorf("error %q lacks %q", errText, want)
				}
			}
			if len(tc.errHas) == 0 && errText != "" {
				t.Errorf("error %q on a successful notification", errText)
			}
			if n["next_attempt_at"] != nil {
				t.Errorf("next_attempt_at %v on a finished notification", n["next_attempt_at"])
			}
			// One request per attempt, each carrying the same key.
			reqs := rc.requests()
			if len(reqs) != tc.attempts {
				t.Fatalf("receiver saw %d requests, want %d", len(reqs), tc.attempts)
			}
			for i, r := range reqs {
				if got := r.Header.Get("Idempotency-Key"); got != fmt.Sprintf("herald-%d", id) {
					t.Errorf("request %d: Idempotency-Key %q, want herald-%d", i+1, got, id)
				}
				if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "Herald/") {
					t.Errorf("request %d: User-Agent %q", i+1, ua)
				}
			}
			f.checkJobUntouched(job)
		})
	}
}

// TestRetryAfter: a 429's Retry-After postpones the retry by at least that long.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	f := start(t, heraldtest.Options{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	f.webhook(rc.URL, nil)
	id := f.jobNotification(f.runJob())
	// Catch the notification between its attempts: the retry is a second away
	// while the harness' own backoff is tens of milliseconds.
	var between map[string]any
	if !heraldtest.Eventually(t, 10*time.Second, func() bool {
		between = f.notification(id)
		return num(between["attempts"]) == 1 && between["next_attempt_at"] != nil
	}) {
		t.Fatalf("never saw the scheduled retry: %v", between)
	}
	if between["status"] != "pending" || !strings.Contains(between["error"].(string), "429") {
		t.Errorf("between attempts: %v", between)
	}
	wait := timeField(t, between, "next_attempt_at").Sub(timeField(t, between, "last_attempt_at"))
	if wait < time.Second {
		t.Errorf("retry scheduled %s after the 429, want at least the 1s of Retry-After", wait)
	}
	n := f.WaitNotification(id, 10*time.Second)
	if n["status"] != "successful" || num(n["attempts"]) != 2 {
		t.Fatalf("after the retry: %v", n)
	}
}

// TestSlowReceiverIsolated: a receiver that never answers holds at most its
// per-notifier share of the workers, so another receiver's notifications
// are all delivered while the slow one's wait; the attempt timeout turns
// the hanging attempts into transient errors.
func TestSlowReceiverIsolated(t *testing.T) {
	t.Parallel()
	f := start(t, heraldtest.Options{Delivery: deliver.Config{
		Workers: 4, PerNotifier: 2, AttemptTimeout: 300 * time.Millisecond,
		// Many attempts: no hanging notification can fail while the fast ones go.
		Policy: deliver.Policy{MaxAttempts: 20, Base: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxRetryAfter: time.Second},
	}})
	slow := newHanging(t)
	fast := newReceiver(t, nil)
	slowID := f.webhook(slow.URL, nil)
	fastID := f.webhook(fast.URL, nil)
	const jobs = 20
	for range jobs {
		f.runJob()
	}
	byNotifier := func(id int64) []map[string]any {
		return f.list(fmt.Sprintf("/api/v1/notifiers/%d/notifications/", id))
	}
	if !heraldtest.Eventually(t, 20*time.Second, func() bool {
		ns := byNotifier(fastID)
		for _, n := range ns {
			if n["status"] != "successful" {
				return false
			}
		}
		return len(ns) == jobs
	}) {
		t.Fatalf("the fast receiver's notifications were not all delivered: %v", byNotifier(fastID))
	}
	if got := len(fast.requests()); got != jobs {
		t.Errorf("fast receiver saw %d requests, want %d", got, jobs)
	}
	// Only the hanging receiver's attempts are left, and they hold at most
	// their per-notifier share of the workers. (The engine's own gauge is
	// exact; the receiver would see a closed connection only a moment later.)
	busiest := 0.0
	for range 20 {
		n := metrics(t, f.URL)["herald_attempts_in_flight"]
		if n > 2 {
			t.Fatalf("%v attempts in flight with only the hanging receiver's left, want at most PerNotifier=2", n)
		}
		busiest = max(busiest, n)
		time.Sleep(20 * time.Millisecond)
	}
	if busiest == 0 {
		t.Errorf("no attempt to the hanging receiver in flight")
	}
	slowOnes := byNotifier(slowID)
	if len(slowOnes) != jobs {
		t.Fatalf("%d notifications for the hanging receiver, want %d", len(slowOnes), jobs)
	}
	for _, n := range slowOnes {
		if n["status"] != "pending" {
			t.Errorf("hanging receiver's notification %v is %v, want pending", n["id"], n["status"])
		}
	}
	// A timed-out attempt is a transient error: pending, retry scheduled.
	var timedOut map[string]any
	if !heraldtest.Eventually(t, 20*time.Second, func() bool {
		for _, n := range byNotifier(slowID) {
			if e, _ := n["error"].(string); strings.Contains(e, "timed out after 300ms") && n["status"] == "pending" && n["next_attempt_at"] != nil {
				timedOut = n
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no hanging attempt was recorded as timed out: %v", byNotifier(slowID))
	}
	t.Logf("timed-out attempt recorded: %v", timedOut["error"])
}

// TestTestEndpoint: POST notifiers/N/test/ goes through the engine.
func TestTestEndpoint(t *testing.T) {
	t.Parallel()
	f := start(t, heraldtest.Options{})
	rc := newReceiver(t, nil)
	notifier := f.webhook(rc.URL, nil)
	r := f.Do("POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", notifier), nil)
	if r.Status != http.StatusAccepted {
		t.Fatalf("test: %d %s", r.Status, r.Body)
	}
	id := int64(num(r.JSON()["notification"]))
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/notifications/%d/", id) {
		t.Errorf("Location %q", loc)
	}
	n := f.WaitNotification(id, 10*time.Second)
	if n["status"] != "successful" || num(n["notifications_sent"]) != 1 {
		t.Fatalf("test notification: %v", n)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(reqs))
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatalf("body %s: %v", reqs[0].Body, err)
	}
	want := fmt.Sprintf("Test Notification %d https://herald.example.com", notifier)
	if len(body) != 1 || body["body"] != want {
		t.Errorf("body %s, want {\"body\": %q}", reqs[0].Body, want)
	}
	if got := reqs[0].Header.Get("Idempotency-Key"); got != fmt.Sprintf("herald-%d", id) {
		t.Errorf("Idempotency-Key %q", got)
	}
}

// TestWebhookWire: method, custom headers, basic auth and the job's JSON (docs/api.md §4, §7).
func TestWebhookWire(t *testing.T) {
	t.Parallel()
	f := start(t, heraldtest.Options{})
	rc := newReceiver(t, nil)
	f.webhook(rc.URL, map[string]any{
		"http_method": "PUT", "headers": map[string]any{"X-Team": "ops", "X-Trace": "abc 123"},
		"username": "hook-user", "password": "hook-secret",
	})
	job := f.runJob()
	id := f.jobNotification(job)
	if n := f.WaitNotification(id, 10*time.Second); n["status"] != "successful" {
		t.Fatalf("notification: %v", n)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "PUT" {
		t.Errorf("method %s, want PUT", r.Method)
	}
	for k, v := range map[string]string{"X-Team": "ops", "X-Trace": "abc 123", "Content-Type": "application/json"} {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if !r.Auth || r.User != "hook-user" || r.Password != "hook-secret" {
		t.Errorf("basic auth %v %q %q", r.Auth, r.User, r.Password)
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	keys := []string{"id", "name", "url", "created_by", "started", "finished", "status", "traceback", "friendly_name",
		"inventory", "project", "playbook", "limit", "extra_vars", "hosts"}
	if len(body) != len(keys) {
		t.Errorf("body has %d keys, want %d (%v): %s", len(body), len(keys), keys, r.Body)
	}
	for _, k := range keys {
		if _, ok := body[k]; !ok {
			t.Errorf("body lacks %q: %s", k, r.Body)
		}
	}
	want := map[string]any{
		"id": json.Number(strconv.FormatInt(job, 10)), "name": "Deploy", "status": "successful", "friendly_name": "Job",
		"url": fmt.Sprintf("https://herald.example.com/#/jobs/playbook/%d", job), "created_by": "admin",
		"project": "Site", "playbook": "site.yml",
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body %s = %#v, want %#v", k, body[k], v)
		}
	}
}

// TestShutdown: stopping with an attempt in flight returns within the
// shutdown timeout, leaves every undelivered row pending and unclaimed,
// due at once, and the next start delivers them.
func TestShutdown(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "herald.db")
	dbURL := "sqlite:" + path
	var hanging atomic.Bool
	hanging.Store(true)
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if hanging.Load() {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	})
	// Should the stop not cut the attempt short, the test fails on the
	// clock below rather than hanging until the suite's timeout.
	unstick := time.AfterFunc(20*time.Second, func() { close(release) })
	t.Cleanup(func() {
		if unstick.Stop() {
			close(release)
		}
	})
	const jobs = 5
	const shutdownTimeout = 300 * time.Millisecond
	var ids []int64
	var stopping, stopped time.Time
	t.Run("first", func(t *testing.T) {
		t.Cleanup(func() { stopped = time.Now() }) // runs after the service has stopped
		f := start(t, heraldtest.Options{DatabaseURL: dbURL, Delivery: deliver.Config{
			Workers: 2, PerNotifier: 1, ShutdownTimeout: shutdownTimeout, AttemptTimeout: time.Minute, Lease: 2 * time.Minute,
			// A retry an hour away: only a handed-back claim is due at the next start.
			Policy: deliver.Policy{MaxAttempts: 5, Base: time.Hour, MaxBackoff: time.Hour, MaxRetryAfter: time.Hour},
		}})
		f.webhook(rc.URL, nil)
		for range jobs {
			ids = append(ids, f.jobNotification(f.runJob()))
		}
		if !heraldtest.Eventually(t, 10*time.Second, func() bool { return len(rc.requests()) == 1 }) {
			t.Fatalf("no attempt in flight")
		}
		t.Cleanup(func() { stopping = time.Now() }) // runs before the service stops
	})
	if took := stopped.Sub(stopping); took > shutdownTimeout+5*time.Second {
		t.Errorf("stopping took %s with a %s shutdown timeout", took, shutdownTimeout)
	} else {
		t.Logf("stopped in %s (shutdown timeout %s)", took, shutdownTimeout)
	}

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT id, status, lease_owner, due_at, attempts FROM notifications ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMicro()
	attempted := 0
	for rows.Next() {
		var id, due int64
		var attempts int
		var status string
		var owner sql.NullString
		if err := rows.Scan(&id, &status, &owner, &due, &attempts); err != nil {
			t.Fatal(err)
		}
		if status != "pending" || owner.Valid || due > now {
			t.Errorf("notification %d after stop: status %s, lease owner %v, due in %s; want pending, unclaimed, due now",
				id, status, owner.String, time.Duration(due-now)*time.Microsecond)
		}
		attempted += attempts
	}
	rows.Close()
	db.Close()
	// Only the interrupted attempt counts; rows handed back at the
	// per-notifier cap do not.
	if attempted != 1 {
		t.Errorf("%d attempts recorded, want 1 (the interrupted one)", attempted)
	}

	hanging.Store(false)
	f := heraldtest.Start(t, heraldtest.Options{DatabaseURL: dbURL})
	for _, id := range ids {
		if n := f.WaitNotification(id, 10*time.Second); n["status"] != "successful" {
			t.Errorf("notification %d after restart: %v", id, n)
		}
	}
	seen := map[string]bool{}
	for _, r := range rc.requests() {
		seen[r.Header.Get("Idempotency-Key")] = true
	}
	for _, id := range ids {
		if !seen[fmt.Sprintf("herald-%d", id)] {
			t.Errorf("notification %d never reached the receiver", id)
		}
	}
}

// TestLeaseExpiry: a claim whose owner went silent is claimable by another
// owner once its lease ends, not before, and the first owner's late result
// no longer counts.
func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	// One worker, held by a receiver that never answers: the engine claims
	// nothing more, so the test's own claims are the only ones.
	f := start(t, heraldtest.Options{Delivery: deliver.Config{Workers: 1, AttemptTimeout: time.Minute, Lease: 2 * time.Minute}})
	stuck := newHanging(t)
	other := newReceiver(t, nil)
	stuckID := f.webhook(stuck.URL, nil)
	otherID := f.webhook(other.URL, nil)
	f.Must(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", stuckID), nil)
	if !heraldtest.Eventually(t, 10*time.Second, func() bool { return len(stuck.requests()) == 1 }) {
		t.Fatal("the engine never took its one slot")
	}
	id := int64(num(f.Must(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", otherID), nil)["notification"]))

	st := f.Service.Store
	ctx := context.Background()
	const lease = 2 * time.Second
	a, err := st.Claim(ctx, "owner-a", 10, lease)
	if err != nil || len(a) != 1 || a[0].ID != id {
		t.Fatalf("owner-a claimed %v (%v), want notification %d", a, err, id)
	}
	if b, err := st.Claim(ctx, "owner-b", 10, time.Minute); err != nil || len(b) != 0 {
		t.Fatalf("owner-b claimed %d rows (%v) while owner-a's lease runs", len(b), err)
	}
	var b []*store.Claimed
	if !heraldtest.Eventually(t, 10*time.Second, func() bool {
		b, err = st.Claim(ctx, "owner-b", 10, time.Minute)
		return err != nil || len(b) > 0
	}) || err != nil {
		t.Fatalf("owner-b could not claim after the lease ended: %v", err)
	}
	if len(b) != 1 || b[0].ID != id || b[0].Attempts != 2 {
		t.Fatalf("owner-b claimed %v, want notification %d on its second attempt", b, id)
	}
	if other := len(other.requests()); other != 0 {
		t.Errorf("the engine sent the test-claimed notification %d times", other)
	}
	// owner-a wakes up late: its result must not overwrite owner-b's claim.
	at := time.Now()
	if err := st.Finish(ctx, []store.Outcome{{ID: id, Owner: "owner-a", Status: "failed", Error: "late", At: at}}); err != nil {
		t.Fatal(err)
	}
	if n := f.notification(id); n["status"] != "pending" {
		t.Fatalf("a stale owner's result was recorded: %v", n)
	}
	if err := st.Finish(ctx, []store.Outcome{{ID: id, Owner: "owner-b", Status: "successful", Sent: 1, At: at}}); err != nil {
		t.Fatal(err)
	}
	if n := f.notification(id); n["status"] != "successful" || num(n["attempts"]) != 2 {
		t.Fatalf("owner-b's result: %v", n)
	}
}

// metrics scrapes /metrics into "name{labels}" → value.
func metrics(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetrics: /metrics shows the queue and the attempts as they happen.
func TestMetrics(t *testing.T) {
	t.Parallel()
	f := start(t, heraldtest.Options{})
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	})
	t.Cleanup(open)
	f.webhook(rc.URL, nil)
	id := f.jobNotification(f.runJob())
	if !heraldtest.Eventually(t, 10*time.Second, func() bool { return len(rc.requests()) == 1 }) {
		t.Fatal("no attempt in flight")
	}
	during := metrics(t, f.URL)
	for name, want := range map[string]float64{"herald_attempts_in_flight": 1, "herald_queue_depth": 1} {
		if got, ok := during[name]; !ok || got != want {
			t.Errorf("while in flight: %s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if age := during["herald_oldest_pending_age_seconds"]; age <= 0 {
		t.Errorf("while pending: herald_oldest_pending_age_seconds = %v, want > 0", age)
	}
	open()
	if n := f.WaitNotification(id, 10*time.Second); n["status"] != "successful" {
		t.Fatalf("notification: %v", n)
	}
	// The engine counts an attempt before it hands the outcome to the
	// writer, so by the time the API shows the row successful, it is counted.
	after := metrics(t, f.URL)
	for name, want := range map[string]float64{
		`herald_notifications_sent_total{type="webhook"}`:       1,
		`herald_attempt_duration_seconds_count{type="webhook"}`: 1,
		"herald_attempts_in_flight":                             0,
		"herald_queue_depth":                                    0,
		"herald_oldest_pending_age_seconds":                     0,
	} {
		if got, ok := after[name]; !ok || got != want {
			t.Errorf("after delivery: %s = %v (present %v), want %v", name, got, ok, want)
		}
	}
}
