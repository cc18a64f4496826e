package hipchat

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	const colorsProblem = "Configuration field 'color' must be one of yellow, green, red, purple, gray, random."
	tests := []struct {
		name     string
		raw      string
		problems []string
	}{
		{"minimal", `{"token": "t", "rooms": ["Ops"], "api_url": "https://hipchat.example.com"}`, nil},
		{"full", `{"token": "t", "rooms": ["Ops", "Dev Team"], "api_url": "https://hipchat.example.com/",
			"color": "Purple", "notify": true, "message_from": "Herald"}`, nil},
		{"empty colour means HipChat's default", `{"token": "t", "rooms": ["Ops"], "api_url": "https://h.example.com", "color": ""}`, nil},
		{"missing", `{"color": "red"}`, []string{"Missing required fields for Notification Configuration: token, rooms, api_url."}},
		{"bad colour", `{"token": "t", "rooms": ["Ops"], "api_url": "https://h.example.com", "color": "blue"}`, []string{colorsProblem}},
		{"bad url", `{"token": "t", "rooms": ["Ops"], "api_url": "hipchat.example.com"}`,
			[]string{"Configuration field 'api_url' must be an absolute http or https URL."}},
		{"empty token and room", `{"token": "", "rooms": ["Ops", " "], "api_url": "https://h.example.com"}`,
			[]string{"Configuration field 'token' must not be empty.", "Configuration field 'rooms' must not hold an empty room name."}},
		{"empty rooms", `{"token": "t", "rooms": [], "api_url": "https://h.example.com"}`,
			[]string{"Configuration field 'rooms' must not be an empty list."}},
		{"wrong types", `{"token": "t", "rooms": ["Ops"], "api_url": "https://h.example.com", "notify": "yes", "message_from": 1}`,
			[]string{"Configuration field 'notify' incorrect type, expected bool.", "Configuration field 'message_from' incorrect type, expected string."}},
		{"unknown key", `{"token": "t", "rooms": ["Ops"], "api_url": "https://h.example.com", "room": "x"}`,
			[]string{"Unknown configuration field 'room'."}},
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
