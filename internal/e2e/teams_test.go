package e2e

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/teams"
)

var _ = register("teams", testTeams)

func testTeams(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		fake := teams.New(t)
		sc := w.scene(t)
		note, job, notifier := sc.run("teams", map[string]any{"url": fake.HookURL(), "mention": []string{"ops@example.com"}}, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "url")
		posts := fake.Posts()
		if len(posts) != 1 || posts[0].Type != "message" || posts[0].Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
			t.Fatalf("Teams got %+v, want one message envelope with an Adaptive Card", posts)
		}
		card := fake.Cards()[0]
		body, _ := card["body"].([]any)
		actions, _ := card["actions"].([]any)
		if card["version"] != "1.4" || len(body) != 3 || body[0].(map[string]any)["text"] != subject(job, t.Name(), "succeeded") {
			t.Fatalf("card %v, want version 1.4 with the subject, the facts and the mention", card)
		}
		if len(actions) != 1 || actions[0].(map[string]any)["url"] != baseURL+"/#/jobs/playbook/"+itoa(job) {
			t.Errorf("actions %v, want a button to the job", actions)
		}
		if fs, _ := body[1].(map[string]any)["facts"].([]any); len(fs) == 0 || fs[0].(map[string]any)["value"] != "successful" {
			t.Errorf("facts %v, want the status first", body[1])
		}
	})

	t.Run("wrong signature fails", func(t *testing.T) {
		t.Parallel()
		fake := teams.New(t)
		note, _, _ := w.scene(t).run("teams", map[string]any{"url": strings.Replace(fake.HookURL(), teams.Sig, "forged", 1)}, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "401 DirectApiInvalidAuthorizationSignature"})
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Teams got %d requests, want 1: a permanent failure is not retried", n)
		}
	})

	t.Run("throttled then posted", func(t *testing.T) {
		t.Parallel()
		fake := teams.New(t)
		fake.Script(teams.Throttled("1"))
		note, job, _ := w.scene(t).run("teams", map[string]any{"url": fake.HookURL()}, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		cards := fake.Cards()
		if len(cards) != 1 || cards[0]["body"].([]any)[0].(map[string]any)["text"] != subject(job, t.Name(), "failed") {
			t.Errorf("Teams accepted %v, want one card with the subject", cards)
		}
	})
}
