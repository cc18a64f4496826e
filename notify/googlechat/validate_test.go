package googlechat

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
		{"url only", `{"url": "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"}`, nil},
		{"threaded per job", `{"url": "https://chat.googleapis.com/v1/spaces/AAA/messages", "thread_key": "job"}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: url."}},
		{"not a URL", `{"url": "chat.googleapis.com"}`, []string{"Configuration field 'url' must be an absolute http or https URL."}},
		{"thread key too long", `{"url": "https://c.example/x", "thread_key": "` + strings.Repeat("k", 4001) + `"}`,
			[]string{"Configuration field 'thread_key' must be at most 4000 characters."}},
		{"unknown key", `{"url": "https://c.example/x", "thread": "job"}`, []string{"Unknown configuration field 'thread'."}},
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
