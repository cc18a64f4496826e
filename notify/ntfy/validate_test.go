package ntfy

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
		{"server and topic", `{"url": "https://ntfy.sh", "topic": "herald_ops-1"}`, nil},
		{"every key", `{"url": "https://ntfy.example.com/base/", "topic": "ops", "token": "tk_abc", "priority": 5, "tags": ["ansible", "prod"]}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: url, topic."}},
		{"bad topic and priority", `{"url": "https://ntfy.sh", "topic": "ops/alerts", "priority": 6}`, []string{
			"Configuration field 'topic' must be 1–64 letters, digits, '-' or '_'.",
			"Configuration field 'priority' must be between 1 (min) and 5 (max).",
		}},
		{"bad tag", `{"url": "https://ntfy.sh", "topic": "ops", "tags": ["a,b"]}`,
			[]string{`Configuration field 'tags': "a,b" must be a non-empty tag without commas.`}},
		{"priority as text", `{"url": "https://ntfy.sh", "topic": "ops", "priority": "high"}`,
			[]string{"Configuration field 'priority' incorrect type, expected int."}},
		{"not a URL", `{"url": "ntfy.sh", "topic": "ops"}`, []string{"Configuration field 'url' must be an absolute http or https URL."}},
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
	c, p := notify.Validate(Spec(), map[string]any{"url": "https://ntfy.sh", "topic": "ops"})
	if len(p) > 0 || c["priority"] != int64(3) {
		t.Errorf("config %v, problems %q; want priority 3", c, p)
	}
}

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !slices.Equal(got, []string{"token"}) {
		t.Errorf("secrets = %q, want [token]", got)
	}
}
