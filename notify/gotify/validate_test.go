package gotify

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
		{"url and token", `{"url": "https://gotify.example.com", "app_token": "AgWQ"}`, nil},
		{"with priority", `{"url": "https://gotify.example.com/", "app_token": "AgWQ", "priority": 8}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: url, app_token."}},
		{"blank token, priority out of range", `{"url": "https://g.example", "app_token": " ", "priority": 11}`, []string{
			"Configuration field 'app_token' must not be empty.",
			"Configuration field 'priority' must be between 0 and 10.",
		}},
		{"priority not whole", `{"url": "https://g.example", "app_token": "a", "priority": 2.5}`,
			[]string{"Configuration field 'priority' incorrect type, expected int."}},
		{"unknown key", `{"url": "https://g.example", "app_token": "a", "token": "a"}`, []string{"Unknown configuration field 'token'."}},
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
	c, p := notify.Validate(Spec(), map[string]any{"url": "https://g.example", "app_token": "a"})
	if len(p) > 0 || c["priority"] != int64(5) {
		t.Errorf("config %v, problems %q; want priority 5", c, p)
	}
}

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !slices.Equal(got, []string{"app_token"}) {
		t.Errorf("secrets = %q, want [app_token]", got)
	}
}
