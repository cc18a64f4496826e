package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/pagerduty"
)

var _ = register("pagerduty", testPagerDuty)

// pagerdutyCase gives a case its own fake and an integration key (32
// characters, unique to the case: the router's key).
func pagerdutyCase(t *testing.T, w *world) (*scene, *pagerduty.Server, map[string]any) {
	t.Helper()
	sum := sha256.Sum256([]byte(t.Name()))
	key := hex.EncodeToString(sum[:16])
	fake := pagerduty.New(t)
	w.pagerduty.add(t, key, fake.URL)
	cfg := map[string]any{"service_key": key, "client_name": "herald-e2e", "subdomain": "example", "token": "pd-e2e-secret"}
	return w.scene(t), fake, cfg
}

func testPagerDuty(t *testing.T, w *world) {
	for _, tt := range []struct {
		name, list, status, word, severity string
	}{
		{"success is info", "notifiers_success", "successful", "succeeded", "info"},
		{"failed job is error", "notifiers_error", "failed", "failed", "error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, fake, cfg := pagerdutyCase(t, w)
			note, job, notifier := sc.run("pagerduty", cfg, tt.list, tt.status)
			check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
			sc.checkEncrypted(notifier, "token")
			events := fake.Events()
			if len(events) != 1 {
				t.Fatalf("PagerDuty accepted %d events, want 1", len(events))
			}
			e := events[0]
			want := pagerduty.Event{
				RoutingKey: cfg["service_key"].(string), Action: "trigger",
				DedupKey: fmt.Sprintf("herald-job-%d-%d", job, id(notifier)),
				Summary:  subject(job, t.Name(), tt.word), Source: "herald-e2e", Severity: tt.severity,
			}
			details := e.CustomDetails
			e.CustomDetails = nil
			if !reflect.DeepEqual(e, want) {
				t.Errorf("PagerDuty got %+v, want %+v", e, want)
			}
			var got map[string]any
			if err := json.Unmarshal(details, &got); err != nil || !reflect.DeepEqual(got, note["body"]) {
				t.Errorf("custom_details %s, want the notification's body %v", details, note["body"])
			}
			if num(got["id"]) != int(job) || got["status"] != tt.status {
				t.Errorf("custom_details %v do not describe job %d", got, job)
			}
		})
	}

	t.Run("invalid event fails", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := pagerdutyCase(t, w)
		fake.Script(pagerduty.InvalidEvent("'payload.summary' is missing or blank"))
		note, _, _ := sc.run("pagerduty", cfg, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "400"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("PagerDuty got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("server error then accepted", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := pagerdutyCase(t, w)
		fake.Script(pagerduty.ServerError(503))
		note, job, notifier := sc.run("pagerduty", cfg, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		events := fake.Events()
		if want := fmt.Sprintf("herald-job-%d-%d", job, id(notifier)); len(events) != 1 || events[0].DedupKey != want {
			t.Errorf("PagerDuty accepted %+v, want one event with dedup_key %s", events, want)
		}
	})
}
