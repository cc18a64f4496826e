package e2e

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/rocketchat"
)

var _ = register("rocketchat", testRocketChat)

func testRocketChat(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := rocketchat.NewTLS(t)
		note, job, _ := w.scene(t).run("rocketchat", map[string]any{
			"rocketchat_url": fake.HookURL(), "rocketchat_username": "herald", "rocketchat_icon_url": baseURL + "/icon.png",
		}, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		want := []rocketchat.Message{{Text: subject(job, t.Name(), "succeeded"), Username: "herald", IconURL: baseURL + "/icon.png"}}
		if got := fake.Messages(); !reflect.DeepEqual(got, want) {
			t.Errorf("Rocket.Chat got %+v, want %+v", got, want)
		}
	})

	// Rocket.Chat can answer 200 and still refuse: {"success": false}.
	t.Run("success false fails", func(t *testing.T) {
		t.Parallel()
		fake := rocketchat.NewTLS(t)
		fake.Script(rocketchat.Failure(http.StatusOK, "error-invalid-message"))
		note, _, _ := w.scene(t).run("rocketchat", map[string]any{"rocketchat_url": fake.HookURL()}, "notifiers_any", "successful")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "error-invalid-message"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Rocket.Chat got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("unavailable then posted", func(t *testing.T) {
		t.Parallel()
		fake := rocketchat.NewTLS(t)
		fake.Script(rocketchat.Failure(http.StatusServiceUnavailable, "maintenance"))
		note, job, _ := w.scene(t).run("rocketchat", map[string]any{"rocketchat_url": fake.HookURL()}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Messages(); len(got) != 1 || got[0].Text != subject(job, t.Name(), "failed") {
			t.Errorf("Rocket.Chat accepted %+v, want one message with the subject", got)
		}
	})
}
