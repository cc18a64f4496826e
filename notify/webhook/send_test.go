package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
	"github.com/herald-notify/herald/notify/webhook"
)

// receiver is a webhook receiver that records requests and answers with
// status (200 when 0) and headers.
type receiver struct {
	*httptest.Server
	status int
	header map[string]string

	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method string
	header http.Header
	body   string
}

func newReceiver(t *testing.T, tls bool, status int, header map[string]string) *receiver {
	t.Helper()
	r := &receiver{status: status, header: header}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.Header.Clone(), string(b)})
		r.mu.Unlock()
		for k, v := range r.header {
			w.Header().Set(k, v)
		}
		if r.status != 0 {
			w.WriteHeader(r.status)
		}
		_, _ = io.WriteString(w, "answer from receiver")
	})
	if tls {
		r.Server = httptest.NewTLSServer(h)
	} else {
		r.Server = httptest.NewServer(h)
	}
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func config(t *testing.T, raw map[string]any) notify.Config {
	t.Helper()
	c, problems := notify.Validate(webhook.Spec(), raw)
	if problems != nil {
		t.Fatalf("config %v: %q", raw, problems)
	}
	return c
}

func send(t *testing.T, c notify.Config, body string) (notify.Result, error) {
	t.Helper()
	s := webhook.Spec().New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"})
	return s.Send(context.Background(), c, notify.Message{NotificationID: 42, Subject: "Job #1 'Ping' succeeded", Body: body})
}

func TestSendWireFormat(t *testing.T) {
	r := newReceiver(t, false, http.StatusOK, nil)
	c := config(t, map[string]any{
		"url":         r.URL + "/hook?x=1",
		"http_method": "put",
		"headers":     map[string]any{"X-Token": "abc", "user-agent": "Receiver-Wants-This"},
		"username":    "bob",
		"password":    "s3cret",
	})
	res, err := send(t, c, "{\n \"id\": 1, \"status\": \"successful\"\n}")
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v; want Sent 1", res, err)
	}
	reqs := r.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if got.method != "PUT" || got.body != `{"id":1,"status":"successful"}` {
		t.Errorf("got %s %s", got.method, got.body)
	}
	want := map[string]string{
		"Content-Type":    "application/json",
		"User-Agent":      "Receiver-Wants-This",
		"Idempotency-Key": "herald-42",
		"X-Token":         "abc",
		"Authorization":   "Basic Ym9iOnMzY3JldA==",
	}
	for k, v := range want {
		if got.header.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.header.Get(k), v)
		}
	}
}

func TestSendDefaults(t *testing.T) {
	r := newReceiver(t, false, http.StatusNoContent, nil)
	res, err := send(t, config(t, map[string]any{"url": r.URL}), "not json")
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v; want Sent 1", res, err)
	}
	got := r.requests()[0]
	if got.method != "POST" || got.body != "{}" || got.header.Get("User-Agent") != "Herald/test" ||
		got.header.Get("Authorization") != "" || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("got %s %s %v", got.method, got.body, got.header)
	}
}

func TestSendPasswordOnlyUsesBasicAuth(t *testing.T) {
	r := newReceiver(t, false, http.StatusOK, nil)
	if _, err := send(t, config(t, map[string]any{"url": r.URL, "password": "tok"}), "{}"); err != nil {
		t.Fatal(err)
	}
	if got := r.requests()[0].header.Get("Authorization"); got != "Basic OnRvaw==" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestSendOutcome(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header map[string]string
		sent   int
		fail   bool
		class  notify.Class
		delay  time.Duration
	}{
		{"200", http.StatusOK, nil, 1, false, 0, 0},
		{"202", http.StatusAccepted, nil, 1, false, 0, 0},
		{"302 not followed", http.StatusFound, map[string]string{"Location": "http://127.0.0.1:1/elsewhere"}, 0, false, 0, 0},
		{"304", http.StatusNotModified, nil, 0, false, 0, 0},
		{"400", http.StatusBadRequest, nil, 0, true, notify.ClassPermanent, 0},
		{"401", http.StatusUnauthorized, nil, 0, true, notify.ClassPermanent, 0},
		{"404", http.StatusNotFound, nil, 0, true, notify.ClassPermanent, 0},
		{"408", http.StatusRequestTimeout, nil, 0, true, notify.ClassTransient, 0},
		{"429 retry-after", http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, 0, true, notify.ClassTransient, 7 * time.Second},
		{"503 retry-after", http.StatusServiceUnavailable, map[string]string{"Retry-After": "3"}, 0, true, notify.ClassTransient, 3 * time.Second},
		{"500", http.StatusInternalServerError, nil, 0, true, notify.ClassTransient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t, false, tt.status, tt.header)
			res, err := send(t, config(t, map[string]any{"url": r.URL}), `{"id": 1}`)
			if res.Sent != tt.sent {
				t.Errorf("Sent = %d, want %d", res.Sent, tt.sent)
			}
			if len(r.requests()) != 1 {
				t.Errorf("receiver got %d requests, want 1", len(r.requests()))
			}
			if !tt.fail {
				if err != nil {
					t.Errorf("err = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("err = nil, want a failure")
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.status)) || !strings.HasPrefix(err.Error(), "Error sending webhook notification") {
				t.Errorf("err = %q, want the status %d in it", err, tt.status)
			}
			if class, delay := notify.Classify(err); class != tt.class || delay != tt.delay {
				t.Errorf("Classify = %v, %v; want %v, %v", class, delay, tt.class, tt.delay)
			}
		})
	}
}

func TestSendTLSVerification(t *testing.T) {
	r := newReceiver(t, true, http.StatusOK, nil)
	tests := []struct {
		name    string
		disable bool
		sent    int
		class   notify.Class
	}{
		{"verified: self-signed refused", false, 0, notify.ClassPermanent},
		{"disabled: accepted", true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := send(t, config(t, map[string]any{"url": r.URL, "disable_ssl_verification": tt.disable}), "{}")
			if res.Sent != tt.sent {
				t.Errorf("Sent = %d, want %d (err %v)", res.Sent, tt.sent, err)
			}
			if tt.sent == 0 {
				if class, _ := notify.Classify(err); err == nil || class != tt.class || !strings.Contains(err.Error(), "certificate") {
					t.Errorf("err = %v, want a permanent certificate error", err)
				}
			}
		})
	}
}

func TestSendConnectionRefusedIsTransient(t *testing.T) {
	r := newReceiver(t, false, http.StatusOK, nil)
	url := r.URL
	r.Close()
	_, err := send(t, config(t, map[string]any{"url": url}), "{}")
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
		t.Errorf("err = %v, want transient", err)
	}
}

func TestSendRespectsContext(t *testing.T) {
	r := newReceiver(t, false, http.StatusOK, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := webhook.Spec().New(notify.Env{Allow: notifytest.Loopback()})
	_, err := s.Send(ctx, config(t, map[string]any{"url": r.URL}), notify.Message{Body: "{}"})
	if err == nil || len(r.requests()) != 0 {
		t.Errorf("err = %v, requests = %d; want an error and no request", err, len(r.requests()))
	}
}

// verify checks a request as a Standard Webhooks receiver would, written
// from the specification and not from Herald's signing code: it returns how
// many of the webhook-signature entries secret verifies.
func verify(t *testing.T, secret string, h http.Header, body string) int {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + body))
	want := mac.Sum(nil)
	n := 0
	for _, entry := range strings.Fields(h.Get("webhook-signature")) {
		version, sig, _ := strings.Cut(entry, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if version == "v1" && err == nil && hmac.Equal(got, want) {
			n++
		}
	}
	return n
}

func TestSendSigned(t *testing.T) {
	const secret, previous = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_cHJldmlvdXMtc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmc="
	r := newReceiver(t, false, http.StatusOK, nil)
	tests := []struct {
		name   string
		cfg    map[string]any
		sigs   int
		verify map[string]int // secret → signatures it verifies
	}{
		{"one secret", map[string]any{"signing_secret": secret}, 1, map[string]int{secret: 1, previous: 0}},
		{"rotation", map[string]any{"signing_secret": secret, "signing_secret_previous": previous}, 2, map[string]int{secret: 1, previous: 1}},
		{"the user's headers cannot replace them", map[string]any{"signing_secret": secret,
			"headers": map[string]any{"webhook-id": "forged", "Webhook-Signature": "v1,forged"}}, 1, map[string]int{secret: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg["url"] = r.URL
			before := time.Now().Unix()
			if _, err := send(t, config(t, tt.cfg), `{"id": 1}`); err != nil {
				t.Fatal(err)
			}
			got := r.requests()[len(r.requests())-1]
			if got.header.Get("webhook-id") != "herald-42" {
				t.Errorf("webhook-id %q, want herald-42", got.header.Get("webhook-id"))
			}
			ts, err := strconv.ParseInt(got.header.Get("webhook-timestamp"), 10, 64)
			if err != nil || ts < before || ts > time.Now().Unix() {
				t.Errorf("webhook-timestamp %q, want this attempt's Unix time", got.header.Get("webhook-timestamp"))
			}
			if n := len(strings.Fields(got.header.Get("webhook-signature"))); n != tt.sigs {
				t.Errorf("webhook-signature %q has %d signatures, want %d", got.header.Get("webhook-signature"), n, tt.sigs)
			}
			for s, want := range tt.verify {
				if n := verify(t, s, got.header, got.body); n != want {
					t.Errorf("secret %.12s… verifies %d signatures, want %d", s, n, want)
				}
			}
		})
	}
}

func TestSendUnsignedHasNoSignatureHeaders(t *testing.T) {
	r := newReceiver(t, false, http.StatusOK, nil)
	if _, err := send(t, config(t, map[string]any{"url": r.URL}), "{}"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		if v := r.requests()[0].header.Get(h); v != "" {
			t.Errorf("%s = %q on an unsigned webhook", h, v)
		}
	}
}
