package registry

import (
	"slices"
	"sort"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestTypesAreTheTenOfTheContract(t *testing.T) {
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
	want := []string{"email", "grafana", "hipchat", "irc", "mattermost", "pagerduty", "rocketchat", "slack", "twilio", "webhook"}
	if !slices.Equal(names, want) {
		t.Fatalf("types = %v, want %v", names, want)
	}
}

// Every secret the API.md table marks must be a Password field, or it would
// be stored and shown in clear.
func TestSecretsAreDeclared(t *testing.T) {
	want := map[string][]string{
		"email": {"password"}, "slack": {"token"}, "hipchat": {"token"}, "pagerduty": {"token"},
		"twilio": {"account_token"}, "irc": {"password"}, "webhook": {"password", "signing_secret", "signing_secret_previous"}, "grafana": {"grafana_key"},
		"mattermost": nil, "rocketchat": nil,
	}
	for name, spec := range Types() {
		if got := spec.Secrets(); !slices.Equal(got, want[name]) {
			t.Errorf("%s secrets = %v, want %v", name, got, want[name])
		}
	}
}
