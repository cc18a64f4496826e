package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/telegram"
)

var _ = register("telegram", testTelegram)

var chats = []string{"-1001000000001", "-1001000000002", "@herald_ops"}

// telegramCase gives a case its own fake bot, whose token (unique to the
// case) is the router's key.
func telegramCase(t *testing.T, w *world) (*scene, *telegram.Server, map[string]any) {
	t.Helper()
	sum := sha256.Sum256([]byte(t.Name()))
	token := "7012345678:" + hex.EncodeToString(sum[:12])
	fake := telegram.New(t, token, chats...)
	w.telegram.add(t, token, fake.URL)
	return w.scene(t), fake, map[string]any{"bot_token": token, "chat_ids": chats}
}

// sentTo lists the chats the fake accepted a message for, in order.
func sentTo(fake *telegram.Server) []string {
	var out []string
	for _, m := range fake.Messages() {
		out = append(out, m.ChatID)
	}
	return out
}

func testTelegram(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := telegramCase(t, w)
		cfg["disable_notification"] = true
		note, job, notifier := sc.run("telegram", cfg, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 3})
		sc.checkEncrypted(notifier, "bot_token")
		if got := sentTo(fake); !reflect.DeepEqual(got, chats) {
			t.Errorf("Telegram sent to %v, want %v", got, chats)
		}
		m := fake.Messages()[0]
		subj := strings.ReplaceAll(subject(job, t.Name(), "succeeded"), "'", "&#39;")
		for _, part := range []string{"<b>" + subj + "</b>", "<b>Status:</b> successful", "<b>Project:</b> Playbooks", "<b>Playbook:</b> ping.yml", "<b>Launched by:</b> admin"} {
			if !strings.Contains(m.Text, part) {
				t.Errorf("Telegram text %q lacks %q", m.Text, part)
			}
		}
		if m.ParseMode != "HTML" || !m.DisableNotification {
			t.Errorf("message %+v, want HTML and silent", m)
		}
		if recipients, _ := note["recipients"].(string); strings.Contains(recipients, cfg["bot_token"].(string)) {
			t.Errorf("recipients %q show the token", recipients)
		}
	})

	t.Run("chat not found fails without holding back the others", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := telegramCase(t, w)
		cfg["chat_ids"] = []string{chats[0], "-1009999999999", chats[1]}
		note, _, _ := sc.run("telegram", cfg, "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 2, error: "400 Bad Request: chat not found"})
		if got, want := sentTo(fake), []string{chats[0], chats[1]}; !reflect.DeepEqual(got, want) {
			t.Errorf("Telegram sent to %v, want %v", got, want)
		}
		if strings.Contains(note["error"].(string), cfg["bot_token"].(string)) {
			t.Errorf("the error shows the token: %q", note["error"])
		}
	})

	// Flood control on the second chat: the retry writes to that chat only,
	// after the retry_after Telegram asked for.
	t.Run("retry skips the chats already reached", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := telegramCase(t, w)
		fake.Script(chats[1], telegram.RateLimited(1))
		note, _, _ := sc.run("telegram", cfg, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 3})
		if got, want := sentTo(fake), []string{chats[0], chats[2], chats[1]}; !reflect.DeepEqual(got, want) {
			t.Errorf("Telegram sent to %v, want %v (each chat once)", got, want)
		}
		if n := len(fake.Requests()); n != 4 {
			t.Errorf("Telegram got %d requests, want 4 (three chats, the limited one again)", n)
		}
	})

	t.Run("test notification", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := telegramCase(t, w)
		cfg["chat_ids"] = []string{chats[0]}
		n := id(sc.notifier("telegram", cfg))
		note := sc.test(n)
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		if got := fake.Messages(); len(got) != 1 || !strings.HasPrefix(got[0].Text, "<b>"+testSubject(n)+"</b>") {
			t.Errorf("Telegram got %+v, want the test subject", got)
		}
	})
}
