package telegram

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"ids and a channel", `{"bot_token": "123456:AAE-x_y", "chat_ids": ["-1001234567890", "42", "@herald_ops"]}`, nil},
		{"every key", `{"bot_token": "123456:AAE", "chat_ids": ["42"], "disable_notification": true, "message_thread_id": 7}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: bot_token, chat_ids."}},
		{"empty list", `{"bot_token": "1:a", "chat_ids": []}`, []string{"Configuration field 'chat_ids' must not be an empty list."}},
		{"token that could bend the path", `{"bot_token": "1:a/../x", "chat_ids": ["42"]}`,
			[]string{"Configuration field 'bot_token' must be a bot token like 123456789:AAE... (from @BotFather)."}},
		{"bad chats", `{"bot_token": "1:a", "chat_ids": ["#ops", "@ab", "12x"]}`, []string{
			`Configuration field 'chat_ids': "#ops" is not a chat id (like -1001234567890) or a @channel name.`,
			`Configuration field 'chat_ids': "@ab" is not a chat id (like -1001234567890) or a @channel name.`,
			`Configuration field 'chat_ids': "12x" is not a chat id (like -1001234567890) or a @channel name.`,
		}},
		{"a chat id as a JSON number", `{"bot_token": "1:a", "chat_ids": [42]}`, []string{"Configuration field 'chat_ids' incorrect type, expected list."}},
		{"thread id not positive", `{"bot_token": "1:a", "chat_ids": ["42"], "message_thread_id": 0}`,
			[]string{"Configuration field 'message_thread_id' must be a positive integer."}},
		{"unknown key", `{"bot_token": "1:a", "chat_ids": ["42"], "silent": true}`, []string{"Unknown configuration field 'silent'."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
				t.Fatal(err)
			}
			_, got := notify.Validate(Spec(), raw)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, p := notify.Validate(Spec(), map[string]any{"bot_token": "1:a", "chat_ids": []any{"42"}})
	if len(p) > 0 || c["disable_notification"] != false {
		t.Errorf("config %v, problems %q; want disable_notification false", c, p)
	}
	if _, ok := c["message_thread_id"]; ok {
		t.Errorf("message_thread_id is filled in although it has no default")
	}
}

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !slices.Equal(got, []string{"bot_token"}) {
		t.Errorf("secrets = %q, want [bot_token]", got)
	}
}
