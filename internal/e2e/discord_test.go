package e2e

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/discord"
)

var _ = register("discord", testDiscord)

func testDiscord(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := discord.New(t)
		sc := w.scene(t)
		note, job, notifier := sc.run("discord", map[string]any{"url": fake.HookURL(), "username": "Herald"}, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "url")
		got := fake.Messages()
		if len(got) != 1 || got[0].Content != subject(job, t.Name(), "succeeded") || got[0].Username != "Herald" || len(got[0].Embeds) != 1 {
			t.Fatalf("Discord got %+v, want one message with the subject and an embed", got)
		}
		e := got[0].Embeds[0]
		if e.Color != 0x2EB886 || e.URL != baseURL+"/#/jobs/playbook/"+itoa(job) || len(e.Fields) == 0 || e.Fields[0] != (discord.Field{Name: "Status", Value: "successful", Inline: true}) {
			t.Errorf("embed %+v, want green, linking the job, status first", e)
		}
		if r := fake.Requests(); r[0].Status != 200 {
			t.Errorf("Discord answered %d, want 200 (wait=true)", r[0].Status)
		}
	})

	t.Run("unknown webhook fails", func(t *testing.T) {
		t.Parallel()
		fake := discord.New(t)
		note, _, _ := w.scene(t).run("discord", map[string]any{"url": fake.URL + "/api/webhooks/1/" + discord.Token}, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "404 10015 Unknown Webhook"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Discord got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("rate limited then posted", func(t *testing.T) {
		t.Parallel()
		fake := discord.New(t)
		fake.Script(discord.RateLimited(0.25))
		note, job, _ := w.scene(t).run("discord", map[string]any{"url": fake.HookURL()}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if got := fake.Messages(); len(got) != 1 || got[0].Content != subject(job, t.Name(), "failed") || got[0].Embeds[0].Color != 0xE01E5A {
			t.Errorf("Discord accepted %+v, want one red message", got)
		}
		if strings.Contains(note["error"].(string), discord.Token) {
			t.Errorf("the error shows the webhook token")
		}
	})
}
