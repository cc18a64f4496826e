package slack

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		problems []string
	}{
		{"minimal", `{"token": "xoxb-1", "channels": ["#general"]}`, nil},
		{"thread and colours", `{"token": "xoxb-1", "channels": ["general", "ops,1700000000.000100"], "hex_color": "#A1b2C3"}`, nil},
		{"short colour", `{"token": "xoxb-1", "channels": ["a"], "hex_color": "#fff"}`, nil},
		{"empty colour means none", `{"token": "xoxb-1", "channels": ["a"], "hex_color": ""}`, nil},
		{"missing", `{}`, []string{"Missing required fields for Notification Configuration: token, channels."}},
		{"empty list", `{"token": "xoxb-1", "channels": []}`, []string{"Configuration field 'channels' must not be an empty list."}},
		{"channels not a list", `{"token": "xoxb-1", "channels": "#general"}`,
			[]string{"Configuration field 'channels' incorrect type, expected list."}},
		{"empty token", `{"token": "", "channels": ["a"]}`, []string{"Configuration field 'token' must not be empty."}},
		{"empty channel names", `{"token": "t", "channels": ["#", ",123", "ok"]}`,
			[]string{`Configuration field 'channels': "#" has no channel name.`, `Configuration field 'channels': ",123" has no channel name.`}},
		{"bad colours", `{"token": "t", "channels": ["a"], "hex_color": "red"}`,
			[]string{"Configuration field 'hex_color' must be a colour like #rgb or #rrggbb."}},
		{"bad hex", `{"token": "t", "channels": ["a"], "hex_color": "#12345g"}`,
			[]string{"Configuration field 'hex_color' must be a colour like #rgb or #rrggbb."}},
		{"colour not a string", `{"token": "t", "channels": ["a"], "hex_color": 255}`,
			[]string{"Configuration field 'hex_color' incorrect type, expected string."}},
		{"unknown key", `{"token": "t", "channels": ["a"], "channel": "b"}`, []string{"Unknown configuration field 'channel'."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
				t.Fatal(err)
			}
			_, problems := notify.Validate(Spec(), raw)
			if !slices.Equal(problems, tt.problems) {
				t.Errorf("problems = %q, want %q", problems, tt.problems)
			}
		})
	}
}
