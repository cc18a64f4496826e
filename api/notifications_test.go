package api_test

// Tests of notifications/ and what a notifier shows of them (docs/api.md §4, §6,
// §7): lists, filters, search, test notifications, recent notifications,
// deleting a notifier with deliveries in flight, custom messages.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

func TestNotifications(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	nfWarm(t, s)
	for name, f := range map[string]func(*testing.T, *heraldtest.Server){
		"ListFilterSearch": testNotificationsList, "Test": testNotifierTest, "Recent": testRecentNotifications,
		"DeleteWhilePending": testDeleteWhilePending, "CustomMessages": testCustomMessages,
	} {
		t.Run(name, func(t *testing.T) { f(t, s) })
	}
}

// nfIDs lists the ids of a list answer's results, in order.
func nfIDs(t *testing.T, s *heraldtest.Server, path string) []int64 {
	t.Helper()
	var out []int64
	for _, r := range nfMust(t, s, http.StatusOK, "GET", path, nil)["results"].([]any) {
		out = append(out, heraldtest.ID(r.(map[string]any)))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func testNotificationsList(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Lists"})
	ok := nfNewReceiver(t, http.StatusOK, nil)
	gone := nfNewReceiver(t, http.StatusNotFound, nil)
	okHook := nfNotifier(t, s, org, "ok", "webhook", map[string]any{"url": ok.URL + "/ok"})
	badHook := nfNotifier(t, s, org, "bad", "webhook", map[string]any{"url": gone.URL + "/bad"})
	mail := nfNotifier(t, s, org, "mail", "email", map[string]any{"host": "127.0.0.1", "port": nfClosedPort(t), "sender": "herald@example.com", "recipients": []any{"ops@example.com"}})

	ok1, ok2 := nfTest(t, s, okHook), nfTest(t, s, okHook)
	bad, mailN := nfTest(t, s, badHook), nfTest(t, s, mail)
	// Deliveries ran against real receivers: one success, one permanent
	// failure (404), one that ran out of attempts (connection refused).
	for _, c := range []struct {
		n        map[string]any
		status   string
		sent     float64
		attempts float64
		recip    string
	}{
		{ok1, "successful", 1, 1, ok.URL + "/ok"},
		{bad, "failed", 0, 1, gone.URL + "/bad"},
		{mailN, "failed", 0, 3, "ops@example.com"},
	} {
		n := c.n
		if n["status"] != c.status || n["notifications_sent"] != c.sent || n["attempts"] != c.attempts || n["recipients"] != c.recip ||
			n["job"] != nil || n["trigger"] != "test" || n["next_attempt_at"] != nil || n["last_attempt_at"] == nil {
			t.Errorf("notification: %v", n)
		}
		if (c.status == "failed") != (n["error"] != "") {
			t.Errorf("status %s with error %q", n["status"], n["error"])
		}
	}

	mine := fmt.Sprintf("notifier__in=%d,%d,%d", okHook, badHook, mail)
	all := []int64{heraldtest.ID(ok1), heraldtest.ID(ok2), heraldtest.ID(bad), heraldtest.ID(mailN)}
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{mine, all},
		{mine + "&status=successful", all[:2]},
		{mine + "&status=failed", all[2:]},
		{mine + "&status=pending", nil},
		{fmt.Sprintf("notifier=%d", okHook), all[:2]},
		{fmt.Sprintf("notifier=%d", badHook), all[2:3]},
		{mine + "&notification_type=email", all[3:]},
		{mine + "&notification_type=webhook", all[:3]},
		{mine + "&search=" + fmt.Sprintf("Notification+Test+%d+", okHook), all[:2]},
		{mine + "&search=EMAIL", all[3:]},
		{mine + "&search=nothing-like-this", nil},
	} {
		if got := nfIDs(t, s, "/api/v1/notifications/?page_size=200&"+c.query); !reflect.DeepEqual(got, c.want) {
			t.Errorf("notifications/?%s: %v, want %v", c.query, got, c.want)
		}
	}
	if got := nfIDs(t, s, fmt.Sprintf("/api/v1/notifiers/%d/notifications/", okHook)); !reflect.DeepEqual(got, all[:2]) {
		t.Errorf("notifiers/%d/notifications/: %v", okHook, got)
	}
	if got := nfIDs(t, s, fmt.Sprintf("/api/v1/notifiers/%d/notifications/?status=failed", okHook)); len(got) != 0 {
		t.Errorf("notifiers/%d/notifications/?status=failed: %v", okHook, got)
	}
	nfMust(t, s, http.StatusNotFound, "GET", "/api/v1/notifiers/999999/notifications/", nil)
	nfMust(t, s, http.StatusNotFound, "GET", "/api/v1/notifications/999999/", nil)
	if r := s.Do("POST", "/api/v1/notifications/", map[string]any{}); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("notifications/ is read-only: %d", r.Status)
	}
}

func testNotifierTest(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Tests"})
	rc := nfNewReceiver(t, http.StatusOK, nil)
	id := nfNotifier(t, s, org, "tested", "webhook", map[string]any{"url": rc.URL + "/test"})
	r := s.Do("POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", id), nil)
	if r.Status != http.StatusAccepted {
		t.Fatalf("test: %d %s", r.Status, r.Body)
	}
	out := r.JSON()
	m := heraldtest.ID(out)
	if m == 0 || out["notification"] != float64(m) || r.Header.Get("Location") != fmt.Sprintf("/api/v1/notifications/%d/", m) {
		t.Fatalf("test answer: Location %q, %v", r.Header.Get("Location"), out)
	}
	subject := fmt.Sprintf("Herald Notification Test %d %s", id, nfBaseURL)
	body := map[string]any{"body": fmt.Sprintf("Test Notification %d %s", id, nfBaseURL)}
	for _, n := range []map[string]any{out, nfWait(t, s, m)} {
		if n["subject"] != subject || !reflect.DeepEqual(n["body"], body) || n["notifier"] != float64(id) || n["job"] != nil || n["notification_type"] != "webhook" {
			t.Fatalf("test notification: %v", n)
		}
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/notifications/?notifier=%d", id), fmt.Sprintf("/api/v1/notifiers/%d/notifications/", id)} {
		if got := nfIDs(t, s, path); !reflect.DeepEqual(got, []int64{m}) {
			t.Errorf("%s: %v, want [%d]", path, got, m)
		}
	}
	// The webhook receives the JSON body alone.
	reqs := rc.requests("/test")
	if len(reqs) != 1 {
		t.Fatalf("%d requests at the receiver", len(reqs))
	}
	var sent map[string]any
	if err := json.Unmarshal(reqs[0].Body, &sent); err != nil || !reflect.DeepEqual(sent, body) {
		t.Fatalf("receiver got %s", reqs[0].Body)
	}
	nfMust(t, s, http.StatusNotFound, "POST", "/api/v1/notifiers/999999/test/", nil)
}

func testRecentNotifications(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Recent"})
	ok := nfNewReceiver(t, http.StatusOK, nil)
	gone := nfNewReceiver(t, http.StatusNotFound, nil)
	id := nfNotifier(t, s, org, "recent", "webhook", map[string]any{"url": ok.URL})
	path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
	if got := nfMust(t, s, http.StatusOK, "GET", path, nil)["summary_fields"].(map[string]any)["recent_notifications"]; !reflect.DeepEqual(got, []any{}) {
		t.Fatalf("recent_notifications before any: %#v", got)
	}
	var sent []map[string]any
	for i := range 7 {
		url := ok.URL
		if i%2 == 1 {
			url = gone.URL // odd ones fail, so error is shown
		}
		nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_configuration": map[string]any{"url": url}})
		sent = append(sent, nfTest(t, s, id))
	}
	got := nfMust(t, s, http.StatusOK, "GET", path, nil)["summary_fields"].(map[string]any)["recent_notifications"].([]any)
	var want []any
	for i := 6; i >= 2; i-- { // the last five, newest first
		n := sent[i]
		want = append(want, map[string]any{"id": n["id"], "status": n["status"], "created": n["created"], "error": n["error"]})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("recent_notifications\n got %v\nwant %v", got, want)
	}
	if want[0].(map[string]any)["status"] != "successful" || want[1].(map[string]any)["status"] != "failed" || want[1].(map[string]any)["error"] == "" {
		t.Fatalf("deliveries did not go as set up: %v", want)
	}
}

func testDeleteWhilePending(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Deleting"})
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	rc := nfNewReceiver(t, http.StatusOK, gate)
	t.Cleanup(release) // runs before the receiver closes
	id := nfNotifier(t, s, org, "held", "webhook", map[string]any{"url": rc.URL + "/held"})
	path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
	m := heraldtest.ID(nfMust(t, s, http.StatusAccepted, "POST", path+"test/", nil))

	// Pending, whether or not the attempt has reached the receiver yet.
	r := s.Do("DELETE", path, nil)
	if r.Status != http.StatusConflict || r.JSON()["detail"] == nil {
		t.Fatalf("DELETE while pending: %d %s", r.Status, r.Body)
	}
	// And with the attempt in flight at the receiver.
	if !heraldtest.Eventually(t, 15*time.Second, func() bool { return len(rc.requests("/held")) == 1 }) {
		t.Fatal("the attempt never reached the receiver")
	}
	if r := s.Do("DELETE", path, nil); r.Status != http.StatusConflict {
		t.Fatalf("DELETE while in flight: %d %s", r.Status, r.Body)
	}
	nfMust(t, s, http.StatusOK, "GET", path, nil)
	release()
	if n := nfWait(t, s, m); n["status"] != "successful" {
		t.Fatalf("released notification: %v", n)
	}
	nfMust(t, s, http.StatusNoContent, "DELETE", path, nil)
	nfMust(t, s, http.StatusNotFound, "GET", path, nil)
}

func testCustomMessages(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	tree := nfNewTree(t, s, "Custom")
	rc := nfNewReceiver(t, http.StatusOK, nil)
	msgs := map[string]any{
		"success": map[string]any{"message": "{{ job.name }} ok", "body": `{"who": "{{ job.name }}", "status": "{{ job.status }}"}`},
		"started": nil,
	}
	created := nfMust(t, s, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "custom", "organization": tree.org, "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": rc.URL + "/custom"}, "messages": msgs,
	})
	id := heraldtest.ID(created)
	wantShown := map[string]any{"started": nil, "error": nil, "success": msgs["success"], "workflow_approval": nil}
	if !reflect.DeepEqual(created["messages"], wantShown) {
		t.Fatalf("messages shown as %v", created["messages"])
	}
	jt := tree.ids["job_template"]
	for _, list := range []string{"started", "success"} {
		nfMust(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_%s/", jt, list), map[string]any{"id": id})
	}
	job, _ := nfRunJob(t, s, nfKinds[0], tree, "running", "successful")
	byTrigger := map[string]map[string]any{}
	for _, r := range nfMust(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/notifications/", job), nil)["results"].([]any) {
		n := r.(map[string]any)
		byTrigger[n["trigger"].(string)] = n
	}
	if len(byTrigger) != 2 {
		t.Fatalf("notifications: %v", byTrigger)
	}
	// started has no custom message: the default subject.
	if got, want := byTrigger["started"]["subject"], fmt.Sprintf("Job #%d 'Ping' started: %s/#/jobs/playbook/%d", job, nfBaseURL, job); got != want {
		t.Errorf("started subject %q, want %q", got, want)
	}
	success := byTrigger["success"]
	wantBody := map[string]any{"who": "Ping", "status": "successful"}
	if success["subject"] != "Ping ok" || !reflect.DeepEqual(success["body"], wantBody) {
		t.Fatalf("custom success: subject %q body %v", success["subject"], success["body"])
	}
	n := nfWait(t, s, heraldtest.ID(success))
	var sent map[string]any
	if reqs := rc.requests("/custom"); n["status"] != "successful" || len(reqs) != 2 || json.Unmarshal(reqs[len(reqs)-1].Body, &sent) != nil {
		t.Fatalf("delivery: %v, %d requests", n, len(reqs))
	}
	nfWait(t, s, heraldtest.ID(byTrigger["started"]))
	found := false
	for _, r := range rc.requests("/custom") {
		var b map[string]any
		if json.Unmarshal(r.Body, &b) == nil && reflect.DeepEqual(b, wantBody) {
			found = true
		}
	}
	if !found {
		t.Fatalf("the receiver never got the custom body %v", wantBody)
	}

	// Templates are checked on save.
	path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
	for _, c := range []struct {
		name     string
		messages any
		want     string // a part of the one problem
	}{
		{"unknown variable", map[string]any{"success": map[string]any{"message": "{{ job.nope }}"}}, "nope"},
		{"unknown top-level name", map[string]any{"error": map[string]any{"body": "{{ secrets }}"}}, "secrets"},
		{"syntax", map[string]any{"success": map[string]any{"message": "{{ job.name "}}, ""},
		{"newline", map[string]any{"error": map[string]any{"message": "a\nb"}}, "Messages cannot contain newlines (found newline in error event)"},
		{"unknown event", map[string]any{"finished": map[string]any{"message": "x"}}, "finished"},
		{"not an object", "hello", ""},
	} {
		r := s.Do("PATCH", path, map[string]any{"messages": c.messages})
		p := nfProblems(t, r, "messages")
		if len(p) != 1 || !strings.Contains(p[0], c.want) {
			t.Errorf("%s: %q, want one problem containing %q", c.name, p, c.want)
		}
	}
	if got := nfMust(t, s, http.StatusOK, "GET", path, nil)["messages"]; !reflect.DeepEqual(got, wantShown) {
		t.Fatalf("refused PATCHes changed messages: %v", got)
	}
	// On create too.
	r := s.Do("POST", "/api/v1/notifiers/", map[string]any{
		"name": "custom2", "organization": tree.org, "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": rc.URL}, "messages": map[string]any{"started": map[string]any{"message": "{{ job.name }}\n"}},
	})
	if p := nfProblems(t, r, "messages"); !reflect.DeepEqual(p, []string{"Messages cannot contain newlines (found newline in started event)"}) {
		t.Fatalf("newline on create: %q", p)
	}
}
