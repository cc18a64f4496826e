package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/googlechat"
)

var _ = register("googlechat", testGoogleChat)

func testGoogleChat(t *testing.T, w *world) {
	// thread_key "job": the started and the finished message of one job share a thread.
	t.Run("success threaded per job", func(t *testing.T) {
		t.Parallel()
		fake := googlechat.New(t)
		sc := w.scene(t)
		notifier := sc.notifier("googlechat", map[string]any{"url": fake.HookURL(), "thread_key": "job"})
		sc.checkEncrypted(notifier, "url")
		sc.attach(id(notifier), "notifiers_started")
		sc.attach(id(notifier), "notifiers_success")
		job := sc.launch()
		sc.finish(job, "successful", time.Time{}, time.Time{})
		notes := sc.jobNotifications(job, 2)
		for _, n := range notes {
			check(t, n, outcome{status: "successful", attempts: 1, sent: 1})
		}
		got := fake.Messages()
		if len(got) != 2 || got[0].Thread != got[1].Thread || got[0].ThreadKey != fmt.Sprintf("herald-job-%d", job) {
			t.Fatalf("Google Chat got %+v, want two messages in the job's thread", got)
		}
		texts := got[0].Text + got[1].Text
		if !strings.Contains(texts, "*"+subject(job, t.Name(), "succeeded")+"*\nStatus: successful") {
			t.Errorf("Google Chat texts %q lack the subject and the status", texts)
		}
	})

	t.Run("revoked webhook fails", func(t *testing.T) {
		t.Parallel()
		fake := googlechat.New(t)
		note, _, _ := w.scene(t).run("googlechat", map[string]any{"url": strings.Replace(fake.HookURL(), googlechat.Token, "old", 1)}, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "403 PERMISSION_DENIED"})
		if strings.Contains(note["error"].(string), googlechat.Key) {
			t.Errorf("the error shows the webhook key")
		}
	})

	t.Run("quota exhausted then posted", func(t *testing.T) {
		t.Parallel()
		fake := googlechat.New(t)
		fake.Script(googlechat.Exhausted())
		note, job, _ := w.scene(t).run("googlechat", map[string]any{"url": fake.HookURL()}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Messages(); len(got) != 1 || !strings.HasPrefix(got[0].Text, "*"+subject(job, t.Name(), "failed")+"*") {
			t.Errorf("Google Chat accepted %+v", got)
		}
		if r := fake.Requests(); len(r) != 2 || r[0].Status != http.StatusTooManyRequests {
			t.Errorf("Google Chat got %d requests, want a 429 then the post", len(r))
		}
	})
}
