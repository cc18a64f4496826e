package mattermost

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
		{"minimal", `{"mattermost_url": "https://mm.example.com/hooks/abc"}`, nil},
		{"full", `{"mattermost_url": "https://mm.example.com/hooks/abc", "mattermost_username": "herald",
			"mattermost_channel": "town-square", "mattermost_icon_url": "https://example.com/i.png", "mattermost_no_verify_ssl": true}`, nil},
		{"empty icon means none", `{"mattermost_url": "https://mm.example.com/hooks/abc", "mattermost_icon_url": ""}`, nil},
		{"missing", `{"mattermost_channel": "x"}`, []string{"Missing required fields for Notification Configuration: mattermost_url."}},
		{"bad urls", `{"mattermost_url": "mm.example.com", "mattermost_icon_url": "ftp://example.com/i.png"}`,
			[]string{"Configuration field 'mattermost_url' must be an absolute http or https URL.",
				"Configuration field 'mattermost_icon_url' must be an absolute http or https URL."}},
		{"empty url", `{"mattermost_url": ""}`, []string{"Configuration field 'mattermost_url' must not be empty."}},
		{"wrong types", `{"mattermost_url": "https://mm.example.com/hooks/abc", "mattermost_no_verify_ssl": "false", "mattermost_channel": ["a"]}`,
			[]string{"Configuration field 'mattermost_channel' incorrect type, expected string.",
				"Configuration field 'mattermost_no_verify_ssl' incorrect type, expected bool."}},
		{"unknown key", `{"mattermost_url": "https://mm.example.com/hooks/abc", "channel": "x"}`,
			[]string{"Unknown configuration field 'channel'."}},
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
