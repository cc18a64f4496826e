package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// Custom messages through real HTTP: a division by zero is refused on save,
// and templates that pass on the sample job but blow their budget on a real
// one fall back to the default text, so the status change answers and its
// notifications still say what happened.
func TestRenderBudgetsThroughHTTP(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	f := newFixture(t, s, "budgets")
	r := s.Do("POST", "/api/v1/notifiers/", map[string]any{"name": "div", "organization": f.org, "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": "https://hooks.example.com/x"},
		"messages":                   map[string]any{"error": map[string]any{"message": "{{ 1 // 0 }}"}}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "messages") {
		t.Fatalf("{{ 1 // 0 }} on save: %d %s", r.Status, r.Body)
	}
	const heavy = "{% for i in range(job.host_status_counts.ok * 20) %}{{ job.name * 1000 }}{% endfor %}"
	for i := range 6 {
		n := must(t, s, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{"name": fmt.Sprintf("heavy-%d", i), "organization": f.org,
			"notification_type": "webhook", "notification_configuration": map[string]any{"url": "https://hooks.example.com/x"},
			"messages": map[string]any{"error": map[string]any{"message": heavy}}})
		must(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_error/", f.jobTemplate), map[string]any{"id": heraldtest.ID(n)})
	}
	job := heraldtest.ID(must(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", f.jobTemplate), map[string]any{}))
	must(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", job), map[string]any{"status": "failed",
		"host_status_counts": map[string]any{"ok": 5000, "changed": 0, "failed": 1, "dark": 0, "skipped": 0, "processed": 5001, "rescued": 0, "ignored": 0, "failures": 1}})
	list := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/notifications/", job), nil)["results"].([]any)
	if len(list) != 6 {
		t.Fatalf("%d notifications, want 6", len(list))
	}
	for _, n := range list {
		subject := n.(map[string]any)["subject"].(string)
		if !strings.HasPrefix(subject, fmt.Sprintf("Job #%d ", job)) || !strings.Contains(subject, "(custom message not used: ") {
			t.Errorf("subject %q: want the default subject with a note", subject)
		}
	}
}
