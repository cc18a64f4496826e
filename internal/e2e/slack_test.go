package e2e

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/slack"
)

var _ = register("slack", testSlack)

// slackCase gives a case its own Slack fake, which knows #ops and #alerts
// and accepts the returned token (unique to the case: the router's key).
func slackCase(t *testing.T, w *world) (*scene, *slack.Server, string) {
	t.Helper()
	token := "xoxb-" + strings.ReplaceAll(t.Name(), "/", "-")
	fake := slack.New(t, token, "ops", "alerts")
	w.slack.add(t, token, fake.URL)
	return w.scene(t), fake, token
}

func testSlack(t *testing.T, w *world) {
	for _, tt := range []struct {
		name  string
		color string // hex_color; "" for none
	}{
		{"success text", ""},
		{"success colored attachment", "#e01e5a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, fake, token := slackCase(t, w)
			cfg := map[string]any{"token": token, "channels": []string{"#ops", "alerts,1700000000.000100"}}
			if tt.color != "" {
				cfg["hex_color"] = tt.color
			}
			note, job, notifier := sc.run("slack", cfg, "notifiers_success", "successful")
			check(t, note, outcome{status: "successful", attempts: 1, sent: 2})
			sc.checkEncrypted(notifier, "token")

			for _, r := range fake.Requests() {
				if r.Path != "/api/chat.postMessage" || r.Header.Get("Authorization") != "Bearer "+token {
					t.Errorf("request %s with Authorization %q, want chat.postMessage with the decrypted token", r.Path, r.Header.Get("Authorization"))
				}
			}
			text := subject(job, t.Name(), "succeeded")
			want := []slack.Message{
				{Channel: fake.ChannelID("ops"), Name: "ops"},
				{Channel: fake.ChannelID("alerts"), Name: "alerts", ThreadTS: "1700000000.000100"},
			}
			for i := range want {
				if tt.color == "" {
					want[i].Text = text
				} else {
					want[i].Attachments = []slack.Attachment{{Color: tt.color, Text: text}}
				}
			}
			if got := fake.Messages(); !reflect.DeepEqual(got, want) {
				t.Errorf("Slack got %+v, want %+v", got, want)
			}
		})
	}

	t.Run("channel not found fails", func(t *testing.T) {
		t.Parallel()
		sc, fake, token := slackCase(t, w)
		note, _, _ := sc.run("slack", map[string]any{"token": token, "channels": []string{"#nowhere"}}, "notifiers_any", "successful")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "channel_not_found"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Slack got %d requests, want 1: a permanent failure is not retried", n)
		}
		if strings.Contains(note["error"].(string), token) {
			t.Errorf("the error shows the token: %q", note["error"])
		}
	})

	t.Run("rate limited then posted", func(t *testing.T) {
		t.Parallel()
		sc, fake, token := slackCase(t, w)
		fake.Script(slack.RateLimited(1))
		note, job, _ := sc.run("slack", map[string]any{"token": token, "channels": []string{"#ops"}}, "notifiers_any", "successful")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Messages(); len(got) != 1 || got[0].Text != subject(job, t.Name(), "succeeded") {
			t.Errorf("Slack accepted %+v, want one message with the subject", got)
		}
		if reqs := fake.Requests(); len(reqs) != 2 || reqs[0].Status != http.StatusTooManyRequests {
			t.Errorf("Slack got %d requests, want a 429 then the post", len(reqs))
		}
	})

	// A failure on the second channel must not post to the first one again.
	t.Run("partial failure retries only the rest", func(t *testing.T) {
		t.Parallel()
		sc, fake, token := slackCase(t, w)
		fake.Script(slack.Reply{}, slack.Reply{Status: http.StatusServiceUnavailable, Body: "upstream unavailable"})
		note, _, _ := sc.run("slack", map[string]any{"token": token, "channels": []string{"#ops", "#alerts"}}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 2})
		var names []string
		for _, m := range fake.Messages() {
			names = append(names, m.Name)
		}
		if want := []string{"ops", "alerts"}; !reflect.DeepEqual(names, want) {
			t.Errorf("Slack accepted messages for %v, want %v (each channel once)", names, want)
		}
		if n := len(fake.Requests()); n != 3 {
			t.Errorf("Slack got %d requests, want 3 (ops, alerts failing, alerts again)", n)
		}
	})

	t.Run("test notification", func(t *testing.T) {
		t.Parallel()
		sc, fake, token := slackCase(t, w)
		n := id(sc.notifier("slack", map[string]any{"token": token, "channels": []string{"#ops"}}))
		note := sc.test(n)
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		if note["subject"] != testSubject(n) || note["job"] != nil {
			t.Errorf("test notification subject %q, job %v; want %q and no job", note["subject"], note["job"], testSubject(n))
		}
		if got := fake.Messages(); len(got) != 1 || got[0].Text != testSubject(n) {
			t.Errorf("Slack accepted %+v, want one message %q", got, testSubject(n))
		}
	})
}
