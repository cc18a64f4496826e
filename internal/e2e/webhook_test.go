package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
)

var _ = register("webhook", testWebhook)

const webhookPassword = "hook-e2e-secret"

// receiver is a webhook endpoint over TLS that answers with the scripted
// statuses (then 200) and records what it got.
type receiver struct {
	*httptest.Server

	mu       sync.Mutex
	statuses []int
	got      []*received
}

type received struct {
	method string
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, &received{method: r.Method, header: r.Header.Clone(), body: body})
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []*received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*received(nil), rc.got...)
}

func webhookConfig(rc *receiver) map[string]any {
	return map[string]any{
		"url": rc.URL + "/hook", "headers": map[string]string{"X-Herald-Test": "e2e"},
		"username": "hook", "password": webhookPassword,
	}
}

// checkRequest checks what every webhook request carries: method, JSON
// type, basic auth with the decrypted password, the custom header, and the
// notification's idempotency key.
func checkRequest(t *testing.T, r *received, note int64) {
	t.Helper()
	user, pass, _ := basicAuth(r.header)
	if r.method != "POST" || r.header.Get("Content-Type") != "application/json" || user != "hook" || pass != webhookPassword {
		t.Errorf("%s, Content-Type %q, basic auth %q:%q; want POST of JSON as hook with the decrypted password",
			r.method, r.header.Get("Content-Type"), user, pass)
	}
	if r.header.Get("X-Herald-Test") != "e2e" {
		t.Errorf("X-Herald-Test %q, want the configured header", r.header.Get("X-Herald-Test"))
	}
	if want := fmt.Sprintf("herald-%d", note); r.header.Get("Idempotency-Key") != want {
		t.Errorf("Idempotency-Key %q, want %q", r.header.Get("Idempotency-Key"), want)
	}
}

func testWebhook(t *testing.T, w *world) {
	testSignedWebhook(t, w)
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t)
		sc := w.scene(t)
		note, job, notifier := sc.run("webhook", webhookConfig(rc), "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "password")
		if note["subject"] != subject(job, t.Name(), "succeeded") {
			t.Errorf("notification subject %q, want the default subject", note["subject"])
		}
		got := rc.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(got))
		}
		checkRequest(t, got[0], id(note))
		body := decode(t, got[0].body)
		if !reflect.DeepEqual(body, note["body"]) {
			t.Errorf("receiver got %v, want the notification's body %v", body, note["body"])
		}
		if num(body["id"]) != int(job) || body["name"] != t.Name() || body["status"] != "successful" || body["friendly_name"] != "Job" {
			t.Errorf("body %v does not describe job %d", body, job)
		}
	})

	t.Run("not found fails", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, http.StatusNotFound)
		note, _, _ := w.scene(t).run("webhook", webhookConfig(rc), "notifiers_any", "successful")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "404"})
		if n := len(rc.requests()); n != 1 {
			t.Errorf("receiver got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("unavailable then delivered", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, http.StatusServiceUnavailable)
		note, _, _ := w.scene(t).run("webhook", webhookConfig(rc), "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		got := rc.requests()
		if len(got) != 2 {
			t.Fatalf("receiver got %d requests, want 2", len(got))
		}
		for _, r := range got {
			checkRequest(t, r, id(note)) // the same key both times, so a receiver can drop a repeat
		}
	})

	t.Run("test notification", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t)
		sc := w.scene(t)
		n := id(sc.notifier("webhook", webhookConfig(rc)))
		note := sc.test(n)
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		if note["subject"] != testSubject(n) {
			t.Errorf("test notification subject %q, want %q", note["subject"], testSubject(n))
		}
		got := rc.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(got))
		}
		checkRequest(t, got[0], id(note))
		want := map[string]any{"body": fmt.Sprintf("Test Notification %d %s", n, baseURL)}
		if body := decode(t, got[0].body); !reflect.DeepEqual(body, want) {
			t.Errorf("receiver got %v, want %v", body, want)
		}
	})
}
