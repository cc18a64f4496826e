package notify_test

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/mattermost"
	"github.com/herald-notify/herald/notify/pagerduty"
	"github.com/herald-notify/herald/notify/webhook"
	"github.com/herald-notify/herald/secret"
)

func box(t *testing.T) *secret.Box {
	t.Helper()
	b, err := secret.NewBox("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Those who may not administer a notifier see its keys and hook URLs as
// "$encrypted$"; those who may see them in full.
func TestShownHidesCredentialsFromOthers(t *testing.T) {
	b := box(t)
	for _, tc := range []struct {
		spec *notify.Spec
		key  string
		cfg  map[string]any
	}{
		{pagerduty.Spec(), "service_key", map[string]any{"service_key": "routing-key-1", "client_name": "herald"}},
		{mattermost.Spec(), "mattermost_url", map[string]any{"mattermost_url": "https://mm.example.com/hooks/abc"}},
	} {
		stored, problems := notify.Seal(tc.spec, tc.cfg, nil, b)
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		if v := stored.String(tc.key); !strings.HasPrefix(v, "$encrypted$AESGCM$") {
			t.Errorf("%s stored as %q", tc.key, v)
		}
		if got := notify.Shown(tc.spec, stored, b, false)[tc.key]; got != "$encrypted$" {
			t.Errorf("%s shown to others as %v", tc.key, got)
		}
		if got := notify.Shown(tc.spec, stored, b, true)[tc.key]; got != tc.cfg[tc.key] {
			t.Errorf("%s shown to an administrator as %v", tc.key, got)
		}
		open, secrets, err := notify.Open(tc.spec, stored, b)
		if err != nil || open.String(tc.key) != tc.cfg[tc.key] || len(secrets) == 0 {
			t.Errorf("Open: %v %v %v", open, secrets, err)
		}
		if r := notify.Recipients(tc.spec, open); strings.Contains(r, "routing-key") || strings.Contains(r, "hooks/abc") {
			t.Errorf("recipients %q hold the credential", r)
		}
	}
}

func TestRecipientsDropUserInfo(t *testing.T) {
	spec := webhook.Spec()
	got := notify.Recipients(spec, notify.Config{"url": "https://u:pw@hooks.example.com/x?q=1"})
	if got != "https://hooks.example.com/x?q=1" {
		t.Errorf("recipients = %q", got)
	}
}
