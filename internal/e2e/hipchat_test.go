package e2e

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/hipchat"
)

var _ = register("hipchat", testHipChat)

const hipchatToken = "hipchat-e2e-secret"

// hipchatConfig posts to rooms of fake, over TLS verified with the fake's certificate.
func hipchatConfig(fake *hipchat.Server, rooms ...string) map[string]any {
	return map[string]any{"token": hipchatToken, "rooms": rooms, "api_url": fake.URL, "color": "green", "notify": true, "message_from": "Herald"}
}

func testHipChat(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := hipchat.NewTLS(t, hipchatToken, "ops", "dev")
		sc := w.scene(t)
		note, job, notifier := sc.run("hipchat", hipchatConfig(fake, "ops", "dev"), "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 2})
		sc.checkEncrypted(notifier, "token")
		subj := subject(job, t.Name(), "succeeded")
		want := []hipchat.Notification{
			{Room: "ops", Message: subj, MessageFormat: "text", Color: "green", Notify: true, From: "Herald"},
			{Room: "dev", Message: subj, MessageFormat: "text", Color: "green", Notify: true, From: "Herald"},
		}
		if got := fake.Notifications(); !reflect.DeepEqual(got, want) {
			t.Errorf("HipChat got %+v, want %+v", got, want)
		}
		for _, r := range fake.Requests() {
			if r.Header.Get("Authorization") != "Bearer "+hipchatToken {
				t.Errorf("Authorization %q, want the decrypted token", r.Header.Get("Authorization"))
			}
		}
	})

	t.Run("unknown room fails", func(t *testing.T) {
		t.Parallel()
		fake := hipchat.NewTLS(t, hipchatToken, "ops")
		note, _, _ := w.scene(t).run("hipchat", hipchatConfig(fake, "nowhere"), "notifiers_any", "successful")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "404"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("HipChat got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("unavailable then delivered", func(t *testing.T) {
		t.Parallel()
		fake := hipchat.NewTLS(t, hipchatToken, "ops", "dev")
		fake.Script(hipchat.Reply{}, hipchat.Error(http.StatusServiceUnavailable, "Service Unavailable"))
		note, _, _ := w.scene(t).run("hipchat", hipchatConfig(fake, "ops", "dev"), "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 2})
		var rooms []string
		for _, n := range fake.Notifications() {
			rooms = append(rooms, n.Room)
		}
		if want := []string{"ops", "dev"}; !reflect.DeepEqual(rooms, want) {
			t.Errorf("HipChat notified rooms %v, want %v (each once)", rooms, want)
		}
	})
}
