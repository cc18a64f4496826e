package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/gotify"
)

var _ = register("gotify", testGotify)

func testGotify(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := gotify.New(t)
		sc := w.scene(t)
		note, job, notifier := sc.run("gotify", map[string]any{"url": fake.URL, "app_token": gotify.AppToken}, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "app_token")
		got := fake.Messages()
		if len(got) != 1 || got[0].Title != subject(job, t.Name(), "succeeded") || got[0].Priority == nil || *got[0].Priority != 5 ||
			!strings.HasPrefix(got[0].Message, "Status: successful") {
			t.Fatalf("Gotify got %+v", got)
		}
		click, _ := got[0].Extras["client::notification"].(map[string]any)["click"].(map[string]any)
		if click["url"] != baseURL+"/#/jobs/playbook/"+itoa(job) {
			t.Errorf("extras %v, want a click to the job", got[0].Extras)
		}
		if r := fake.Requests(); r[0].Header.Get("X-Gotify-Key") != gotify.AppToken {
			t.Errorf("X-Gotify-Key %q, want the decrypted token", r[0].Header.Get("X-Gotify-Key"))
		}
	})

	t.Run("client token fails", func(t *testing.T) {
		t.Parallel()
		fake := gotify.New(t)
		note, _, _ := w.scene(t).run("gotify", map[string]any{"url": fake.URL, "app_token": gotify.ClientToken}, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "403 Forbidden: you are not allowed to access this api"})
	})

	t.Run("unavailable then stored", func(t *testing.T) {
		t.Parallel()
		fake := gotify.New(t)
		fake.Script(gotify.Reply{Status: http.StatusBadGateway, Body: "<html>502 Bad Gateway</html>"})
		note, job, _ := w.scene(t).run("gotify", map[string]any{"url": fake.URL + "/", "app_token": gotify.AppToken, "priority": 9}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Messages(); len(got) != 1 || got[0].Title != subject(job, t.Name(), "failed") || *got[0].Priority != 9 {
			t.Errorf("Gotify stored %+v", got)
		}
	})
}
