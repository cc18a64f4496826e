package e2e

import (
	"reflect"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/grafana"
)

var _ = register("grafana", testGrafana)

const grafanaKey = "glsa_e2e_secret"

func grafanaConfig(fake *grafana.Server, key string) map[string]any {
	return map[string]any{"grafana_url": fake.URL, "grafana_key": key, "dashboardId": 7, "panelId": 2, "annotation_tags": []string{"herald", "deploy"}}
}

// grafanaRun runs a job with known start and end times; the annotation
// is the region between them.
func grafanaRun(sc *scene, cfg map[string]any, started, finished time.Time) (map[string]any, int64, map[string]any) {
	sc.t.Helper()
	notifier := sc.notifier("grafana", cfg)
	sc.attach(id(notifier), "notifiers_any")
	job := sc.launch()
	sc.finish(job, "successful", started, finished)
	return sc.jobNotification(job), job, notifier
}

func testGrafana(t *testing.T, w *world) {
	started := time.Date(2026, 11, 24, 10, 0, 0, 123_000_000, time.UTC)
	finished := time.Date(2026, 11, 24, 10, 5, 30, 456_000_000, time.UTC)

	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := grafana.NewTLS(t, grafanaKey)
		sc := w.scene(t)
		note, job, notifier := grafanaRun(sc, grafanaConfig(fake, grafanaKey), started, finished)
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "grafana_key")
		got := fake.Annotations()
		if len(got) != 1 {
			t.Fatalf("Grafana accepted %d annotations, want 1", len(got))
		}
		a := got[0]
		if a.Time == nil || *a.Time != 1795514400123 || a.TimeEnd == nil || *a.TimeEnd != 1795514730456 {
			t.Errorf("time %v, timeEnd %v; want %d and %d (the job's start and end in ms)", derefInt(a.Time), derefInt(a.TimeEnd), started.UnixMilli(), finished.UnixMilli())
		}
		if a.IsRegion == nil || !*a.IsRegion || derefInt(a.DashboardID) != int64(7) || derefInt(a.PanelID) != int64(2) {
			t.Errorf("isRegion %v, dashboardId %v, panelId %v; want a region on dashboard 7 panel 2", derefBool(a.IsRegion), derefInt(a.DashboardID), derefInt(a.PanelID))
		}
		if !reflect.DeepEqual(a.Tags, []string{"herald", "deploy"}) || a.Text != subject(job, t.Name(), "succeeded") {
			t.Errorf("tags %v, text %q; want the configured tags and the subject", a.Tags, a.Text)
		}
		if r := fake.Requests(); r[0].Header.Get("Authorization") != "Bearer "+grafanaKey {
			t.Errorf("Authorization %q, want the decrypted key", r[0].Header.Get("Authorization"))
		}
	})

	t.Run("wrong key fails", func(t *testing.T) {
		t.Parallel()
		fake := grafana.NewTLS(t, grafanaKey)
		note, _, _ := grafanaRun(w.scene(t), grafanaConfig(fake, "glsa_wrong"), started, finished)
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "401"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Grafana got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("rate limited then annotated", func(t *testing.T) {
		t.Parallel()
		fake := grafana.NewTLS(t, grafanaKey)
		fake.Script(grafana.RateLimited(""))
		note, _, _ := grafanaRun(w.scene(t), grafanaConfig(fake, grafanaKey), started, finished)
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if n := len(fake.Annotations()); n != 1 {
			t.Errorf("Grafana accepted %d annotations, want 1", n)
		}
	})
}

func derefInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func derefBool(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}
