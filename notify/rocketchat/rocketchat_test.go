package rocketchat

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
		{"minimal", `{"rocketchat_url": "https://chat.example.com/hooks/id/token"}`, nil},
		{"full", `{"rocketchat_url": "https://chat.example.com/hooks/id/token", "rocketchat_username": "herald",
			"rocketchat_icon_url": "https://example.com/i.png", "rocketchat_no_verify_ssl": true}`, nil},
		{"empty icon means none", `{"rocketchat_url": "https://chat.example.com/hooks/id/token", "rocketchat_icon_url": ""}`, nil},
		{"missing", `{}`, []string{"Missing required fields for Notification Configuration: rocketchat_url."}},
		{"bad urls", `{"rocketchat_url": "/hooks/id/token", "rocketchat_icon_url": "icon.png"}`,
			[]string{"Configuration field 'rocketchat_url' must be an absolute http or https URL.",
				"Configuration field 'rocketchat_icon_url' must be an absolute http or https URL."}},
		{"wrong types", `{"rocketchat_url": "https://chat.example.com/hooks/id/token", "rocketchat_username": true, "rocketchat_no_verify_ssl": 1}`,
			[]string{"Configuration field 'rocketchat_username' incorrect type, expected string.",
				"Configuration field 'rocketchat_no_verify_ssl' incorrect type, expected bool."}},
		{"unknown key", `{"rocketchat_url": "https://chat.example.com/hooks/id/token", "rocketchat_channel": "x"}`,
			[]string{"Unknown configuration field 'rocketchat_channel'."}},
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
