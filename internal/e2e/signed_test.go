package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// standardWebhook verifies a request as a Standard Webhooks receiver does,
// written from the specification alone (not from Herald's code): the
// secret is whsec_ + base64 of the key; the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>"; webhook-signature holds
// space-separated "v1,<base64 HMAC-SHA256>" entries, any of which may
// match; the timestamp must be within five minutes of now.
func standardWebhook(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if !strings.HasPrefix(secret, "whsec_") || err != nil {
		return fmt.Errorf("not a whsec_ secret")
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return fmt.Errorf("webhook-id %q, webhook-timestamp %q", id, ts)
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("webhook-timestamp %s is %s away", ts, d)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, entry := range strings.Split(h.Get("webhook-signature"), " ") {
		if v, sig, ok := strings.Cut(entry, ","); ok && v == "v1" {
			if got, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return fmt.Errorf("no signature in %q matches", h.Get("webhook-signature"))
}

// testSignedWebhook is part of the webhook suite (testWebhook).
func testSignedWebhook(t *testing.T, w *world) {
	t.Run("generated secret, retried, then rotated", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, http.StatusServiceUnavailable)
		sc := w.scene(t)
		cfg := webhookConfig(rc)
		cfg["signing_secret"] = "generate"
		notifier := sc.notifier("webhook", cfg)
		shown, _ := notifier["notification_configuration"].(map[string]any)
		secret, _ := shown["signing_secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("the create answer shows signing_secret %q, want the generated whsec_ secret", shown["signing_secret"])
		}
		n := id(notifier)
		again := sc.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifiers/%d/", n), nil)
		if got := again["notification_configuration"].(map[string]any)["signing_secret"]; got != "$encrypted$" {
			t.Errorf("read back, signing_secret is %v, want \"$encrypted$\": it is shown once", got)
		}

		sc.attach(n, "notifiers_any")
		job := sc.launch()
		sc.finish(job, "successful", time.Time{}, time.Time{})
		note := sc.jobNotification(job)
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		got := rc.requests()
		if len(got) != 2 {
			t.Fatalf("receiver got %d requests, want 2 (503, then 200)", len(got))
		}
		for _, r := range got {
			if err := standardWebhook(secret, r.header, r.body); err != nil {
				t.Errorf("attempt not verified: %v", err)
			}
			if want := fmt.Sprintf("herald-%d", id(note)); r.header.Get("webhook-id") != want {
				t.Errorf("webhook-id %q, want %q on every attempt", r.header.Get("webhook-id"), want)
			}
		}

		// Rotation: a new secret, the old one kept beside it while receivers move.
		patched := sc.must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", n), map[string]any{
			"notification_configuration": map[string]any{"url": cfg["url"], "headers": cfg["headers"], "username": "hook",
				"password": "$encrypted$", "signing_secret": "generate", "signing_secret_previous": secret},
		})
		newSecret, _ := patched["notification_configuration"].(map[string]any)["signing_secret"].(string)
		if !strings.HasPrefix(newSecret, "whsec_") || newSecret == secret {
			t.Fatalf("the update answer shows signing_secret %q, want a new whsec_ secret", newSecret)
		}
		if prev := patched["notification_configuration"].(map[string]any)["signing_secret_previous"]; prev != "$encrypted$" {
			t.Errorf("signing_secret_previous shown as %v, want \"$encrypted$\"", prev)
		}
		test := sc.test(n)
		check(t, test, outcome{status: "successful", attempts: 1, sent: 1})
		last := rc.requests()[2]
		for _, s := range []string{newSecret, secret} {
			if err := standardWebhook(s, last.header, last.body); err != nil {
				t.Errorf("during rotation, secret %.10s… does not verify: %v", s, err)
			}
		}
		if n := len(strings.Fields(last.header.Get("webhook-signature"))); n != 2 {
			t.Errorf("webhook-signature %q, want two signatures", last.header.Get("webhook-signature"))
		}
	})

	t.Run("a bad secret is refused without being repeated", func(t *testing.T) {
		t.Parallel()
		sc := w.scene(t)
		cfg := webhookConfig(newReceiver(t))
		cfg["signing_secret"] = "whsec_c2hvcnQtYnV0LXNlY3JldA=="
		status, _, out := sc.do("POST", "/api/v1/notifiers/", map[string]any{
			"name": t.Name(), "organization": sc.org, "notification_type": "webhook", "notification_configuration": cfg,
		})
		text := fmt.Sprint(out)
		if status != http.StatusBadRequest || !strings.Contains(text, "signing_secret") || strings.Contains(text, "c2hvcnQtYnV0LXNlY3JldA") {
			t.Errorf("status %d, %s; want 400 naming signing_secret without its value", status, text)
		}
	})
}
