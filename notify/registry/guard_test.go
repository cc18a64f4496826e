package registry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

// Every type that connects to an address from its notifier goes through the
// destination guard: pointed at 127.0.0.1 with no allow list, it is refused
// before connecting. The types that reach an operator's endpoint
// (HERALD_SLACK_API_URL...) connect to it as it is. A new type needs a line
// here, saying which it is.
func TestEveryTypeIsGuarded(t *testing.T) {
	host, port, accepted := notifytest.Listener(t)
	url := fmt.Sprintf("http://%s:%d/", host, port)
	guarded := map[string]map[string]any{
		"email":      {"host": host, "port": port, "sender": "herald@example.com", "recipients": []any{"ops@example.com"}},
		"grafana":    {"grafana_url": url, "grafana_key": "k"},
		"hipchat":    {"token": "t", "rooms": []any{"ops"}, "api_url": url},
		"irc":        {"server": host, "port": port, "nickname": "herald", "targets": []any{"#ops"}},
		"mattermost": {"mattermost_url": url},
		"rocketchat": {"rocketchat_url": url},
		"webhook":    {"url": url},
		"teams":      {"url": url},
		"discord":    {"url": url},
		"googlechat": {"url": url},
		"opsgenie":   {"api_key": "k", "api_url": url},
		"ntfy":       {"url": url, "topic": "ops"},
		"gotify":     {"url": url, "app_token": "a"},
	}
	trusted := map[string]map[string]any{
		"slack":     {"token": "xoxb-1", "channels": []any{"#ops"}},
		"pagerduty": {"service_key": "k", "client_name": "herald"},
		"twilio":    {"account_sid": "AC1", "account_token": "t", "from_number": "+15550000000", "to_numbers": []any{"+15550000001"}},
		"telegram":  {"bot_token": "1:t", "chat_ids": []any{"42"}},
	}
	env := notify.Env{SlackAPIURL: url, PagerDutyURL: url, TwilioAPIURL: url, Endpoints: map[string]string{}}
	for _, spec := range Types() {
		if e := spec.Endpoint; e != nil {
			env.Endpoints[e.Var] = url
		}
	}
	for name, spec := range Types() {
		t.Run(name, func(t *testing.T) {
			raw, isGuarded := guarded[name]
			if !isGuarded {
				if raw = trusted[name]; raw == nil {
					t.Fatalf("type %s is in neither list: say whether it dials an address from its notifier", name)
				}
			}
			for k, v := range raw {
				if n, ok := v.(int); ok {
					raw[k] = float64(n)
				}
			}
			c, problems := notify.Validate(spec, raw)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			before := accepted()
			_, err := spec.New(env).Send(ctx, c, notify.Message{NotificationID: 1, Subject: "s", Body: "{}", Trigger: "test"})
			class, _ := notify.Classify(err)
			switch {
			case isGuarded && (class != notify.ClassRefused || accepted() != before):
				t.Errorf("err %v (class %v), %d connections; want refused before connecting", err, class, accepted()-before)
			case !isGuarded && (class == notify.ClassRefused || accepted() == before):
				t.Errorf("err %v, %d connections: the operator's endpoint was not reached", err, accepted()-before)
			}
		})
	}
}
