package teams

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
		{"url only", `{"url": "https://prod-00.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s"}`, nil},
		{"with mentions", `{"url": "https://x.example/hook", "mention": ["ops@example.com", "alice@example.com"]}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: url."}},
		{"not a URL", `{"url": "webhook"}`, []string{"Configuration field 'url' must be an absolute http or https URL."}},
		{"bad mention", `{"url": "https://x.example/hook", "mention": ["@ops"]}`,
			[]string{`Configuration field 'mention': "@ops" is not a valid e-mail address.`}},
		{"retired connector", `{"url": "https://contoso.webhook.office.com/webhookb2/0000/IncomingWebhook/1111/2222"}`, []string{
			"Configuration field 'url' is an Office 365 connector webhook, which Microsoft retired: create a Teams Workflows webhook (\"Post to a channel when a webhook request is received\") and use its URL.",
		}},
		{"retired outlook connector", `{"url": "https://outlook.office.com/webhook/abc/IncomingWebhook/def"}`, []string{
			"Configuration field 'url' is an Office 365 connector webhook, which Microsoft retired: create a Teams Workflows webhook (\"Post to a channel when a webhook request is received\") and use its URL.",
		}},
		{"unknown key", `{"url": "https://x.example/hook", "card": {}}`, []string{"Unknown configuration field 'card'."}},
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
