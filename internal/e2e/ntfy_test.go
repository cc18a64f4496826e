package e2e

import (
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/ntfy"
)

var _ = register("ntfy", testNtfy)

func testNtfy(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := ntfy.New(t, map[string]string{"ops": "tk_e2e"})
		sc := w.scene(t)
		note, job, notifier := sc.run("ntfy", map[string]any{"url": fake.URL, "topic": "ops", "token": "tk_e2e", "tags": []string{"ansible"}}, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "token")
		got := fake.Messages()
		if len(got) != 1 {
			t.Fatalf("ntfy published %d messages, want 1", len(got))
		}
		m := got[0]
		if m.Topic != "ops" || m.Title != subject(job, t.Name(), "succeeded") || m.Priority != 3 || m.Click != baseURL+"/#/jobs/playbook/"+itoa(job) ||
			!reflect.DeepEqual(m.Tags, []string{"white_check_mark", "ansible"}) || !strings.HasPrefix(m.Message, "Status: successful\nProject: Playbooks") {
			t.Errorf("ntfy got %+v", m)
		}
		if note["recipients"] != "ops" {
			t.Errorf("recipients %v, want the topic", note["recipients"])
		}
	})

	t.Run("protected topic without a token fails", func(t *testing.T) {
		t.Parallel()
		fake := ntfy.New(t, map[string]string{"ops": "tk_e2e"})
		note, _, _ := w.scene(t).run("ntfy", map[string]any{"url": fake.URL, "topic": "ops"}, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "403 40301 forbidden"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("ntfy got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("rate limited then published", func(t *testing.T) {
		t.Parallel()
		fake := ntfy.New(t, nil)
		fake.Script(ntfy.TooManyRequests())
		note, job, _ := w.scene(t).run("ntfy", map[string]any{"url": fake.URL, "topic": "alerts", "priority": 5}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Messages(); len(got) != 1 || got[0].Title != subject(job, t.Name(), "failed") || got[0].Priority != 5 || got[0].Tags[0] != "x" {
			t.Errorf("ntfy published %+v", got)
		}
	})
}
