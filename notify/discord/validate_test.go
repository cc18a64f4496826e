package discord

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"url only", `{"url": "https://discord.com/api/webhooks/1/abc"}`, nil},
		{"every key", `{"url": "https://discord.com/api/webhooks/1/abc", "username": "Herald", "avatar_url": "https://herald.example.com/a.png"}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: url."}},
		{"not a URL", `{"url": "discord.com/api/webhooks/1/abc", "avatar_url": "ftp://x/a.png"}`, []string{
			"Configuration field 'url' must be an absolute http or https URL.",
			"Configuration field 'avatar_url' must be an absolute http or https URL.",
		}},
		{"username too long", `{"url": "https://d.example/x", "username": "` + strings.Repeat("h", 81) + `"}`,
			[]string{"Configuration field 'username' must be at most 80 characters."}},
		{"wrong type", `{"url": 5}`, []string{"Configuration field 'url' incorrect type, expected password."}},
		{"unknown key", `{"url": "https://d.example/x", "content": "hi"}`, []string{"Unknown configuration field 'content'."}},
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

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !slices.Equal(got, []string{"url"}) {
		t.Errorf("secrets = %q, want [url]", got)
	}
}
