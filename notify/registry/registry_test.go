package registry

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestTypesAreTheSeventeenOfTheContract(t *testing.T) {
	types := Types()
	var names []string
	for name, spec := range types {
		names = append(names, name)
		if spec.Type != name || spec.Label == "" || spec.New == nil || len(spec.Fields) == 0 {
			t.Errorf("%s: incomplete spec %+v", name, spec)
		}
		if spec.New(notify.Env{}) == nil {
			t.Errorf("%s: New returned no sender", name)
		}
	}
	sort.Strings(names)
	want := []string{"discord", "email", "googlechat", "gotify", "grafana", "hipchat", "irc", "mattermost", "ntfy", "opsgenie",
		"pagerduty", "rocketchat", "slack", "teams", "telegram", "twilio", "webhook"}
	if !slices.Equal(names, want) {
		t.Fatalf("types = %v, want %v", names, want)
	}
}

// Every secret the docs/api.md table marks must be a Password field, or it would
// be stored and shown in clear.
func TestSecretsAreDeclared(t *testing.T) {
	want := map[string][]string{
		"email": {"password"}, "slack": {"token"}, "hipchat": {"token"}, "pagerduty": {"token"},
		"twilio": {"account_token"}, "irc": {"password"}, "webhook": {"password", "signing_secret", "signing_secret_previous"}, "grafana": {"grafana_key"},
		"mattermost": nil, "rocketchat": nil,
		"teams": {"url"}, "telegram": {"bot_token"}, "discord": {"url"}, "googlechat": {"url"},
		"opsgenie": {"api_key"}, "ntfy": {"token"}, "gotify": {"app_token"},
	}
	for name, spec := range Types() {
		if got := spec.Secrets(); !slices.Equal(got, want[name]) {
			t.Errorf("%s secrets = %v, want %v", name, got, want[name])
		}
	}
}

// A type whose hosted URL is not in its configuration declares it, with a
// HERALD_*_URL variable and an https default, so serve can offer the override.
func TestEndpointsAreDeclared(t *testing.T) {
	for name, spec := range Types() {
		e := spec.Endpoint
		if e == nil {
			continue
		}
		if !strings.HasPrefix(e.Var, "HERALD_") || !strings.HasSuffix(e.Var, "_URL") || !strings.HasPrefix(e.Default, "https://") {
			t.Errorf("%s: endpoint %+v, want HERALD_..._URL with an https default", name, e)
		}
	}
	if e := Types()["telegram"].Endpoint; e == nil || e.Var != "HERALD_TELEGRAM_API_URL" || e.Default != "https://api.telegram.org" {
		t.Errorf("telegram endpoint %+v", e)
	}
}
