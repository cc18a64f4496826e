package e2e

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/mattermost"
)

var _ = register("mattermost", testMattermost)

func testMattermost(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := mattermost.NewTLS(t)
		note, job, _ := w.scene(t).run("mattermost", map[string]any{
			"mattermost_url": fake.HookURL(), "mattermost_username": "herald", "mattermost_channel": "ops",
			"mattermost_icon_url": baseURL + "/icon.png",
		}, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		want := []mattermost.Post{{Text: subject(job, t.Name(), "succeeded"), Channel: "ops", Username: "herald", IconURL: baseURL + "/icon.png"}}
		if got := fake.Posts(); !reflect.DeepEqual(got, want) {
			t.Errorf("Mattermost got %+v, want %+v", got, want)
		}
		if r := fake.Requests(); len(r) != 1 || !strings.HasPrefix(r[0].Header.Get("Content-Type"), "application/json") {
			t.Errorf("Mattermost got %d requests, want 1 with a JSON body", len(r))
		}
	})

	t.Run("unknown hook fails", func(t *testing.T) {
		t.Parallel()
		fake := mattermost.NewTLS(t)
		note, _, _ := w.scene(t).run("mattermost", map[string]any{"mattermost_url": fake.URL + "/hooks/not-a-hook"}, "notifiers_any", "successful")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "400"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Mattermost got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("unavailable then posted", func(t *testing.T) {
		t.Parallel()
		fake := mattermost.NewTLS(t)
		fake.Script(mattermost.Reply{Status: http.StatusServiceUnavailable, Body: "maintenance"})
		note, job, _ := w.scene(t).run("mattermost", map[string]any{"mattermost_url": fake.HookURL()}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Posts(); len(got) != 1 || got[0].Text != subject(job, t.Name(), "failed") {
			t.Errorf("Mattermost accepted %+v, want one post with the subject", got)
		}
	})
}
