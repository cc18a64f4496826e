package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/opsgenie"
)

var _ = register("opsgenie", testOpsgenie)

const opsgenieKey = "eb243592-faa2-4ba2-a551-1afdf565c889"

func testOpsgenie(t *testing.T, w *world) {
	t.Run("failed job opens an alert", func(t *testing.T) {
		t.Parallel()
		fake := opsgenie.New(t, opsgenieKey)
		sc := w.scene(t)
		note, job, notifier := sc.run("opsgenie", map[string]any{"api_key": opsgenieKey, "api_url": fake.URL,
			"responders": []map[string]string{{"type": "team", "name": "NOC"}}, "tags": []string{"ansible"}}, "notifiers_error", "failed")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "api_key")
		alerts := fake.Alerts()
		if len(alerts) != 1 {
			t.Fatalf("Opsgenie has %d alerts, want 1", len(alerts))
		}
		a := alerts[0]
		if a.Alias != fmt.Sprintf("herald-job-%d-%d", job, id(notifier)) || a.Message != subject(job, t.Name(), "failed")[:min(130, len(subject(job, t.Name(), "failed")))] ||
			a.Priority != "P3" || !a.Open || a.Details["Status"] != "failed" || a.Responders[0]["name"] != "NOC" || a.Source != "Herald" {
			t.Errorf("alert %+v", a)
		}
	})

	// With notify_started, the started trigger opens the alert and the same
	// job's success closes it, by alias.
	t.Run("success closes the alert by alias", func(t *testing.T) {
		t.Parallel()
		fake := opsgenie.New(t, opsgenieKey)
		sc := w.scene(t)
		notifier := sc.notifier("opsgenie", map[string]any{"api_key": opsgenieKey, "api_url": fake.URL, "notify_started": true})
		sc.attach(id(notifier), "notifiers_started")
		sc.attach(id(notifier), "notifiers_success")
		job := sc.launch()
		// Herald promises no order between notifications: the close is
		// reported once the started one has opened the alert.
		sc.must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", job), map[string]any{"status": "running"})
		sc.waitNotification(id(sc.jobNotification(job)))
		sc.finish(job, "successful", time.Time{}, time.Time{})
		for _, n := range sc.jobNotifications(job, 2) {
			check(t, n, outcome{status: "successful", attempts: 1, sent: 1})
		}
		alias := fmt.Sprintf("herald-job-%d-%d", job, id(notifier))
		if a := fake.Alerts(); len(a) != 1 || a[0].Alias != alias || a[0].Open {
			t.Errorf("alerts %+v, want the job's alert, closed", a)
		}
		if c := fake.Closes(); len(c) != 1 || c[0].Identifier != alias || c[0].Type != "alias" || !c[0].Found {
			t.Errorf("closes %+v, want one by alias %s", c, alias)
		}
	})

	t.Run("started does nothing by default", func(t *testing.T) {
		t.Parallel()
		fake := opsgenie.New(t, opsgenieKey)
		note, _, _ := w.scene(t).run("opsgenie", map[string]any{"api_key": opsgenieKey, "api_url": fake.URL}, "notifiers_started", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 0})
		if n := len(fake.Requests()); n != 0 {
			t.Errorf("Opsgenie got %d requests, want none", n)
		}
	})

	t.Run("wrong key fails", func(t *testing.T) {
		t.Parallel()
		fake := opsgenie.New(t, opsgenieKey)
		note, _, _ := w.scene(t).run("opsgenie", map[string]any{"api_key": "not-the-key", "api_url": fake.URL}, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "401 Could not authenticate"})
	})

	t.Run("rate limited then created", func(t *testing.T) {
		t.Parallel()
		fake := opsgenie.New(t, opsgenieKey)
		fake.Script(opsgenie.TooManyRequests())
		note, _, _ := w.scene(t).run("opsgenie", map[string]any{"api_key": opsgenieKey, "api_url": fake.URL, "priority": "P1"}, "notifiers_any", "error")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if a := fake.Alerts(); len(a) != 1 || a[0].Priority != "P1" {
			t.Errorf("alerts %+v, want one P1 alert", a)
		}
	})
}
