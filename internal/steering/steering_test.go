// Package steering_test drives a whole Herald through its API against real
// HTTP receivers to check that delivery can be seen and steered: the attempt
// log, retry and cancel, pause, rate limits, 429s and the circuit breaker.
package steering_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/heraldtest"
)

// wait bounds every wait: far above what the short test policies need.
const wait = 30 * time.Second

// receiver is a webhook receiver whose answer the test sets, and that
// counts what it got by Idempotency-Key.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int               // what it answers
	header map[string]string // with these headers
	body   string            // and this body
	got    map[string]int    // Idempotency-Key → requests
	ok     map[string]int    // Idempotency-Key → requests answered 2xx
	n      int
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{status: http.StatusOK, got: map[string]int{}, ok: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		rc.mu.Lock()
		key := r.Header.Get("Idempotency-Key")
		rc.got[key]++
		rc.n++
		status, body := rc.status, rc.body
		for k, v := range rc.header {
			w.Header().Set(k, v)
		}
		if status/100 == 2 {
			rc.ok[key]++
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// answer sets what the receiver answers from now on.
func (rc *receiver) answer(status int, body string, header map[string]string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status, rc.body, rc.header = status, body, header
}

// delivered counts the notifications answered 2xx, and reports whether any got more than one.
func (rc *receiver) delivered() (n int, twice bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, c := range rc.ok {
		n++
		twice = twice || c > 1
	}
	return n, twice
}

func (rc *receiver) requests() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.n
}

// env is one Herald with an organization to hang notifiers on.
type env struct {
	*heraldtest.Server
	t   *testing.T
	org int64
}

func start(t *testing.T, opts heraldtest.Options) *env {
	t.Helper()
	s := heraldtest.Start(t, opts)
	org := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	return &env{Server: s, t: t, org: org}
}

// webhook makes a webhook notifier to rc with extra fields.
func (e *env) webhook(name string, rc *receiver, extra map[string]any) int64 {
	e.t.Helper()
	body := map[string]any{"name": name, "organization": e.org, "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": rc.URL + "/hook", "headers": map[string]string{"X-Token": "header-secret-value"}}}
	for k, v := range extra {
		body[k] = v
	}
	return heraldtest.ID(e.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", body))
}

// notify makes a test notification of notifier and returns its id.
func (e *env) notify(notifier int64) int64 {
	e.t.Helper()
	return heraldtest.ID(e.Must(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", notifier), nil))
}

func (e *env) notification(id int64) map[string]any {
	e.t.Helper()
	return e.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/%d/", id), nil)
}

func (e *env) attempts(id int64) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, a := range e.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/%d/attempts/", id), nil)["results"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

// waitStatus waits until every notification has status.
func (e *env) waitStatus(status string, ids ...int64) {
	e.t.Helper()
	for _, id := range ids {
		var n map[string]any
		if !heraldtest.Eventually(e.t, wait, func() bool { n = e.notification(id); return n["status"] == status }) {
			e.t.Fatalf("notification %d: %v, want status %s", id, n, status)
		}
	}
}

// onEachDatabase runs test on SQLite and on PostgreSQL (where instances
// share the state test reads).
func onEachDatabase(t *testing.T, test func(t *testing.T, db string)) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); test(t, "") })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); test(t, heraldtest.PostgresURL(t)) })
}

func num(v any) int { f, _ := v.(float64); return int(f) }

func TestAttemptLogRecordsWhatTheReceiverAnswered(t *testing.T) {
	onEachDatabase(t, testAttemptLogRecordsWhatTheReceiverAnswered)
}

func testAttemptLogRecordsWhatTheReceiverAnswered(t *testing.T, db string) {
	rc := newReceiver(t)
	e := start(t, heraldtest.Options{DatabaseURL: db})
	hook := e.webhook("hook", rc, nil)
	// The receiver repeats a secret of the notifier's and a URL with
	// user-info, and writes more than a KiB.
	long := strings.Repeat("x", 1500)
	rc.answer(http.StatusServiceUnavailable, "down: token header-secret-value, see https://bob:hunter2@example.com/status "+long, nil)
	n := e.notify(hook)
	heraldtest.Eventually(t, wait, func() bool { return rc.requests() >= 1 })
	rc.answer(http.StatusOK, `{"accepted": true}`, nil)
	e.waitStatus("successful", n)

	got := e.attempts(n)
	if len(got) != 2 {
		t.Fatalf("attempts %v, want 2", got)
	}
	first, second := got[0], got[1]
	if num(first["number"]) != 1 || first["outcome"] != "transient" || num(first["status_code"]) != 503 {
		t.Errorf("first attempt %v, want number 1, transient, 503", first)
	}
	resp := first["response"].(string)
	if strings.Contains(resp, "header-secret-value") || strings.Contains(resp, "hunter2") || !strings.Contains(resp, "$encrypted$") {
		t.Errorf("response %q repeats a secret", resp)
	}
	if !strings.HasPrefix(resp, "down: token $encrypted$, see https://$encrypted$@example.com/status xxx") || len(resp) != 1024 {
		t.Errorf("response is %d bytes %q..., want the answer's first KiB, redacted", len(resp), resp[:min(len(resp), 80)])
	}
	if first["error"] == "" || len(first["destinations"].([]any)) != 0 {
		t.Errorf("first attempt %v: want an error and no destination reached", first)
	}
	if num(second["number"]) != 2 || second["outcome"] != "successful" || num(second["status_code"]) != 200 ||
		second["response"] != `{"accepted": true}` || second["error"] != "" || second["instance"] == "" {
		t.Errorf("second attempt %v, want number 2, successful, 200 and the receiver's body", second)
	}
	if d := second["destinations"].([]any); len(d) != 1 || d[0] != rc.URL+"/hook" {
		t.Errorf("second attempt reached %v, want the webhook's URL", d)
	}
	if _, err := time.Parse(time.RFC3339Nano, second["started"].(string)); err != nil {
		t.Errorf("started %v: %v", second["started"], err)
	}
	if d, ok := second["duration"].(float64); !ok || d < 0 {
		t.Errorf("duration %v, want seconds", second["duration"])
	}
}

func TestAttemptRetentionPrunesOldRows(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	e := start(t, heraldtest.Options{Delivery: deliver.Config{AttemptRetention: 5 * time.Second, PruneEvery: 100 * time.Millisecond}})
	hook := e.webhook("hook", rc, nil)
	n := e.notify(hook)
	e.waitStatus("successful", n)
	// The attempt is logged, then pruned once older than the retention.
	if got := e.attempts(n); len(got) != 1 {
		t.Fatalf("attempts %v right after delivery, want 1", got)
	}
	var got []map[string]any
	if !heraldtest.Eventually(t, wait, func() bool { got = e.attempts(n); return len(got) == 0 }) {
		t.Fatalf("attempts %v still there after the retention", got)
	}
	if note := e.notification(n); note["status"] != "successful" {
		t.Errorf("pruning the log changed the notification: %v", note)
	}
}

func TestBulkRetryAfterReceiverOutageDeliversEachOnce(t *testing.T) {
	onEachDatabase(t, testBulkRetryAfterReceiverOutageDeliversEachOnce)
}

func testBulkRetryAfterReceiverOutageDeliversEachOnce(t *testing.T, db string) {
	rc := newReceiver(t)
	rc.answer(http.StatusServiceUnavailable, "down", nil)
	// Three attempts each, and the breaker out of the way: the receiver is
	// down long enough for every notification to fail.
	e := start(t, heraldtest.Options{DatabaseURL: db, Delivery: deliver.Config{Breaker: deliver.Breaker{Threshold: 1000, Cooldown: time.Second, MaxCooldown: time.Second}}})
	hook := e.webhook("hook", rc, nil)
	var ids []int64
	for range 10 {
		ids = append(ids, e.notify(hook))
	}
	e.waitStatus("failed", ids...)
	rc.answer(http.StatusOK, "ok", nil)

	if r := e.Do("POST", "/api/v1/notifications/retry/", map[string]any{}); r.Status != http.StatusBadRequest {
		t.Errorf("bulk retry without a filter: %d %s, want 400", r.Status, r.Body)
	}
	out := e.Must(http.StatusAccepted, "POST", "/api/v1/notifications/retry/", map[string]any{"notifier": hook, "status": "failed"})
	if num(out["count"]) != len(ids) {
		t.Errorf("bulk retry count %v, want %d", out["count"], len(ids))
	}
	e.waitStatus("successful", ids...)
	if n, twice := rc.delivered(); n != len(ids) || twice {
		t.Errorf("receiver got %d notifications (some twice: %v), want each of %d once", n, twice, len(ids))
	}
	// A fresh series: the attempt counter starts over, the log goes on.
	note := e.notification(ids[0])
	if num(note["attempts"]) != 1 {
		t.Errorf("attempts %v after the replay, want 1", note["attempts"])
	}
	if log := e.attempts(ids[0]); len(log) != 4 || num(log[3]["number"]) != 4 || log[3]["outcome"] != "successful" {
		t.Errorf("attempt log %v, want 3 failures then the replay's success", log)
	}
	// Retrying a successful one is a conflict.
	if r := e.Do("POST", fmt.Sprintf("/api/v1/notifications/%d/retry/", ids[0]), nil); r.Status != http.StatusConflict {
		t.Errorf("retry of a successful notification: %d %s, want 409", r.Status, r.Body)
	}
}

func TestCancelledNotificationIsNeverSent(t *testing.T) {
	onEachDatabase(t, testCancelledNotificationIsNeverSent)
}

func testCancelledNotificationIsNeverSent(t *testing.T, db string) {
	rc := newReceiver(t)
	e := start(t, heraldtest.Options{DatabaseURL: db})
	hook := e.webhook("hook", rc, map[string]any{"enabled": false})
	n := e.notify(hook)
	note := e.notification(n)
	if note["status"] != "pending" || note["error"] != "notifier paused" {
		t.Fatalf("notification of a paused notifier: %v, want pending, notifier paused", note)
	}
	out := e.Must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/notifications/%d/cancel/", n), nil)
	if out["status"] != "canceled" {
		t.Errorf("cancel answered %v, want status canceled", out)
	}
	if r := e.Do("POST", fmt.Sprintf("/api/v1/notifications/%d/cancel/", n), nil); r.Status != http.StatusConflict {
		t.Errorf("second cancel: %d, want 409", r.Status)
	}
	kept := e.notify(hook)
	e.Must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", hook), map[string]any{"enabled": true})
	e.waitStatus("successful", kept)
	rc.mu.Lock()
	reached := rc.got["herald-"+strconv.FormatInt(n, 10)]
	rc.mu.Unlock()
	if reached != 0 {
		t.Errorf("the canceled notification reached the receiver")
	}
	if note := e.notification(n); note["status"] != "canceled" || num(note["attempts"]) != 0 {
		t.Errorf("canceled notification became %v", note)
	}
	// A canceled one may be sent again on purpose.
	e.Must(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/notifications/%d/retry/", n), nil)
	e.waitStatus("successful", n)
}

func TestPauseHoldsAndResumeSends(t *testing.T) { onEachDatabase(t, testPauseHoldsAndResumeSends) }

func testPauseHoldsAndResumeSends(t *testing.T, db string) {
	rc := newReceiver(t)
	e := start(t, heraldtest.Options{DatabaseURL: db})
	hook := e.webhook("hook", rc, nil)
	nf := e.Must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", hook), map[string]any{"enabled": false})
	if nf["enabled"] != false {
		t.Fatalf("PATCH enabled false answered %v", nf["enabled"])
	}
	var ids []int64
	for range 5 {
		ids = append(ids, e.notify(hook))
	}
	// Held: a request would have arrived long before this.
	sentinel := e.webhook("other", rc, nil)
	e.waitStatus("successful", e.notify(sentinel))
	if rc.requests() != 1 {
		t.Fatalf("receiver got %d requests while the notifier was paused, want only the other notifier's", rc.requests())
	}
	for _, id := range ids {
		if n := e.notification(id); n["status"] != "pending" || n["error"] != "notifier paused" || num(n["attempts"]) != 0 {
			t.Errorf("held notification %v, want pending, notifier paused, no attempt", n)
		}
	}
	e.Must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", hook), map[string]any{"enabled": true})
	e.waitStatus("successful", ids...)
	if n, twice := rc.delivered(); n != 6 || twice {
		t.Errorf("receiver got %d notifications (twice: %v), want 6 once each", n, twice)
	}
}

func TestTooManyRequestsSlowsOnlyItsNotifier(t *testing.T) {
	onEachDatabase(t, testTooManyRequestsSlowsOnlyItsNotifier)
}

func testTooManyRequestsSlowsOnlyItsNotifier(t *testing.T, db string) {
	stormed, calm := newReceiver(t), newReceiver(t)
	stormed.answer(http.StatusTooManyRequests, `{"error": "slow down"}`, map[string]string{"Retry-After": "10"})
	e := start(t, heraldtest.Options{DatabaseURL: db, Delivery: deliver.Config{Policy: deliver.Policy{MaxAttempts: 5, Base: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxRetryAfter: 30 * time.Second}}})
	slow := e.webhook("stormed", stormed, nil)
	fast := e.webhook("calm", calm, nil)
	var held, sent []int64
	for range 5 {
		held = append(held, e.notify(slow))
	}
	// Once the storm has hit the first request, the calm notifier's all go through.
	heraldtest.Eventually(t, wait, func() bool { return stormed.requests() >= 1 })
	for range 20 {
		sent = append(sent, e.notify(fast))
	}
	e.waitStatus("successful", sent...)
	for _, id := range held {
		if n := e.notification(id); n["status"] != "pending" {
			t.Errorf("stormed notification %v, want still pending", n)
		}
	}
	if stormed.requests() > len(held) {
		t.Errorf("the stormed receiver got %d requests for %d notifications while it asked to wait", stormed.requests(), len(held))
	}
	d := e.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifiers/%d/", slow), nil)["summary_fields"].(map[string]any)["delivery"].(map[string]any)
	if d["rate_limited"] != true || d["circuit"] != "closed" {
		t.Errorf("delivery %v, want rate limited, circuit closed (a 429 is no failure of the receiver)", d)
	}
	stormed.answer(http.StatusOK, "ok", nil)
	e.waitStatus("successful", held...)
}

func TestRateLimitSpacesDeliveries(t *testing.T) {
	t.Parallel()
	rc, other := newReceiver(t), newReceiver(t)
	e := start(t, heraldtest.Options{})
	limited := e.webhook("limited", rc, map[string]any{"rate_limit": 0.5})
	free := e.webhook("free", other, nil)
	a, b := e.notify(limited), e.notify(limited)
	e.waitStatus("successful", a)
	// The second waits its turn (2 s after the first); meanwhile another
	// notifier's deliveries are not held.
	var sent []int64
	for range 10 {
		sent = append(sent, e.notify(free))
	}
	e.waitStatus("successful", sent...)
	e.waitStatus("successful", b)
	t1, _ := time.Parse(time.RFC3339Nano, e.attempts(a)[0]["started"].(string))
	t2, _ := time.Parse(time.RFC3339Nano, e.attempts(b)[0]["started"].(string))
	if t2.Sub(t1) < 1900*time.Millisecond {
		t.Errorf("second delivery %s after the first, want at least 2s at rate_limit 0.5", t2.Sub(t1))
	}
	if num(e.notification(b)["attempts"]) != 1 {
		t.Errorf("waiting for the rate limit counted as an attempt: %v", e.notification(b))
	}
	if r := e.Do("PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", limited), map[string]any{"rate_limit": -1}); r.Status != http.StatusBadRequest {
		t.Errorf("rate_limit -1: %d %s, want 400", r.Status, r.Body)
	}
	if r := e.Do("PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", limited), map[string]any{"rate_limit": "fast"}); r.Status != http.StatusBadRequest {
		t.Errorf("rate_limit \"fast\": %d %s, want 400", r.Status, r.Body)
	}
}

func TestCircuitOpensProbesAndCloses(t *testing.T) {
	onEachDatabase(t, testCircuitOpensProbesAndCloses)
}

func testCircuitOpensProbesAndCloses(t *testing.T, db string) {
	rc := newReceiver(t)
	rc.answer(http.StatusBadGateway, "bad gateway", nil)
	cooldown := 2 * time.Second
	e := start(t, heraldtest.Options{DatabaseURL: db, Delivery: deliver.Config{
		Policy:  deliver.Policy{MaxAttempts: 100, Base: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: time.Second},
		Breaker: deliver.Breaker{Threshold: 5, Cooldown: cooldown, MaxCooldown: 4 * cooldown},
	}})
	hook := e.webhook("flaky", rc, nil)
	path := fmt.Sprintf("/api/v1/notifiers/%d/", hook)
	delivery := func() map[string]any {
		return e.Must(http.StatusOK, "GET", path, nil)["summary_fields"].(map[string]any)["delivery"].(map[string]any)
	}
	if d := delivery(); d["circuit"] != "closed" || num(d["consecutive_failures"]) != 0 {
		t.Fatalf("delivery of a new notifier %v, want closed", d)
	}
	first := e.notify(hook)
	var d map[string]any
	if !heraldtest.Eventually(t, wait, func() bool { d = delivery(); return d["circuit"] == "open" }) {
		t.Fatalf("circuit %v after failures in a row, want open", d)
	}
	if num(d["consecutive_failures"]) < 5 || d["since"] == nil {
		t.Errorf("open circuit %v, want at least 5 failures and since", d)
	}
	metrics := e.Do("GET", "/metrics", nil)
	if !strings.Contains(string(metrics.Body), `herald_notifier_circuit_open{type="webhook"} 1`) {
		t.Errorf("metrics lack the open circuit")
	}
	// While open, nothing is attempted and the attempts do not grow.
	others := []int64{e.notify(hook), e.notify(hook)}
	before := e.notification(first)
	requests := rc.requests()
	time.Sleep(cooldown / 2)
	after := e.notification(first)
	if num(after["attempts"]) != num(before["attempts"]) || rc.requests() != requests {
		t.Errorf("while open: attempts %v → %v, requests %d → %d; want no attempt", before["attempts"], after["attempts"], requests, rc.requests())
	}
	for _, id := range others {
		if n := e.notification(id); num(n["attempts"]) != 0 || n["status"] != "pending" {
			t.Errorf("notification %v made while open, want pending with no attempt", n)
		}
	}
	// The probe after the cool-down fails: it opens again, for longer.
	if !heraldtest.Eventually(t, wait, func() bool { return rc.requests() > requests }) {
		t.Fatal("no probe after the cool-down")
	}
	if !heraldtest.Eventually(t, wait, func() bool { d = delivery(); return d["circuit"] == "open" }) {
		t.Fatalf("circuit %v after a failed probe, want open", d)
	}
	if got := rc.requests(); got != requests+1 {
		t.Errorf("the half-open circuit let %d attempts through, want one probe", got-requests)
	}
	rc.answer(http.StatusOK, "ok", nil)
	e.waitStatus("successful", append(others, first)...)
	if d = delivery(); d["circuit"] != "closed" || num(d["consecutive_failures"]) != 0 {
		t.Errorf("after a successful probe: %v, want closed", d)
	}
	for _, id := range others {
		if n := e.notification(id); num(n["attempts"]) != 1 {
			t.Errorf("notification held by the open circuit took %v attempts, want 1", n["attempts"])
		}
	}
}

// TestSteeringPermissions runs before the parallel tests, alone: its users'
// first logins are bcrypt comparisons, which under -race on a loaded machine
// can outlast the client's timeout when every other test's server competes.
func TestSteeringPermissions(t *testing.T) {
	rc := newReceiver(t)
	rc.answer(http.StatusNotFound, "no", nil)
	e := start(t, heraldtest.Options{})
	hook := e.webhook("hook", rc, nil)
	n := e.notify(hook)
	e.waitStatus("failed", n)

	other := heraldtest.ID(e.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Other"}))
	user := func(name string, org int64, role string) *heraldtest.Server {
		var rid int64
		for _, r := range e.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/organizations/%d/object_roles/", org), nil)["results"].([]any) {
			if r.(map[string]any)["name"] == role {
				rid = heraldtest.ID(r.(map[string]any))
			}
		}
		uid := heraldtest.ID(e.Must(http.StatusCreated, "POST", "/api/v1/users/", map[string]any{"username": name, "password": "pw-" + name + "-long"}))
		e.Must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/roles/%d/users/", rid), map[string]any{"id": uid})
		return e.As(name, "pw-"+name+"-long")
	}
	stranger := user("stranger", other, "notification_admin")
	auditor := user("auditor", e.org, "auditor")
	admin := user("nadmin", e.org, "notification_admin")
	for _, p := range []string{"attempts/", "retry/", "cancel/"} {
		method := "POST"
		if p == "attempts/" {
			method = "GET"
		}
		if r := stranger.Do(method, fmt.Sprintf("/api/v1/notifications/%d/%s", n, p), nil); r.Status != http.StatusNotFound {
			t.Errorf("another organization's notification admin: %s %s → %d, want 404", method, p, r.Status)
		}
	}
	if r := auditor.Do("GET", fmt.Sprintf("/api/v1/notifications/%d/attempts/", n), nil); r.Status != http.StatusOK {
		t.Errorf("auditor reads the attempt log: %d, want 200", r.Status)
	}
	if r := auditor.Do("POST", fmt.Sprintf("/api/v1/notifications/%d/retry/", n), nil); r.Status != http.StatusForbidden {
		t.Errorf("auditor retries: %d, want 403", r.Status)
	}
	// A bulk action touches only what the caller administers.
	if out := stranger.Must(http.StatusAccepted, "POST", "/api/v1/notifications/retry/", map[string]any{"status": "failed"}); num(out["count"]) != 0 {
		t.Errorf("stranger's bulk retry changed %v notifications, want 0", out["count"])
	}
	if out := admin.Must(http.StatusAccepted, "POST", "/api/v1/notifications/retry/", map[string]any{"status": "failed"}); num(out["count"]) != 1 {
		t.Errorf("notification admin's bulk retry changed %v, want 1", out["count"])
	}
	for _, body := range []any{map[string]any{"colour": "red"}, map[string]any{"created__gte": "yesterday"}, map[string]any{"status": "lost"}, "[1]"} {
		if r := admin.Do("POST", "/api/v1/notifications/cancel/", body); r.Status != http.StatusBadRequest {
			t.Errorf("bulk cancel with %v: %d %s, want 400", body, r.Status, r.Body)
		}
	}
}

func TestCancelInFlightFinishesLoggedAndStaysCanceled(t *testing.T) {
	onEachDatabase(t, testCancelInFlight)
}

func testCancelInFlight(t *testing.T, db string) {
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "took my time")
	}))
	t.Cleanup(rc.Close)
	e := start(t, heraldtest.Options{DatabaseURL: db})
	hook := heraldtest.ID(e.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{"name": "slow", "organization": e.org,
		"notification_type": "webhook", "notification_configuration": map[string]any{"url": rc.URL}}))
	n := e.notify(hook)
	select {
	case <-arrived:
	case <-time.After(wait):
		t.Fatal("the attempt never reached the receiver")
	}
	e.Must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/notifications/%d/cancel/", n), nil)
	close(release)
	var log []map[string]any
	if !heraldtest.Eventually(t, wait, func() bool { log = e.attempts(n); return len(log) == 1 }) {
		t.Fatalf("attempt log %v, want the attempt in flight logged", log)
	}
	if log[0]["outcome"] != "successful" || log[0]["response"] != "took my time" {
		t.Errorf("attempt %v, want the receiver's answer", log[0])
	}
	if note := e.notification(n); note["status"] != "canceled" || num(note["notifications_sent"]) != 1 {
		t.Errorf("notification %v, want still canceled, with what the attempt reached counted", note)
	}
}
