package notify_test

// FuzzValidate feeds arbitrary JSON objects to every registered type's
// validation. Validate must never panic nor change its input, and what it
// accepts must be accepted again, unchanged, after the JSON round trip the
// store puts it through (json.Marshal, then json.Unmarshal into a map).

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
)

// fuzzSeeds are valid and nearly valid configurations per type.
var fuzzSeeds = map[string][]string{
	"email": {
		`{"host": "smtp.example.com", "port": 25, "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
		`{"host": "smtp.example.com", "port": 465, "use_ssl": true, "username": "u", "password": "p", "sender": "Herald <herald@example.com>", "recipients": ["a@example.com", "b@example.com"], "timeout": 5}`,
		`{"host": "h", "port": 25.0, "sender": "a@b", "recipients": ["x@y"], "timeout": null}`,
		`{"host": "h", "port": 9007199254740993, "sender": "a@b", "recipients": ["x@y"]}`,
	},
	"slack":      {`{"token": "xoxb-1", "channels": ["#ops", "dev,1700000000.000100"], "hex_color": "#ff0000"}`},
	"hipchat":    {`{"token": "t", "rooms": ["ops"], "api_url": "https://hipchat.example.com", "color": "red", "notify": true, "message_from": "herald"}`},
	"mattermost": {`{"mattermost_url": "https://mm.example.com/hooks/x", "mattermost_icon_url": "https://mm.example.com/i.png", "mattermost_no_verify_ssl": true}`},
	"rocketchat": {`{"rocketchat_url": "http://rc.example.com/hooks/x", "rocketchat_username": "herald"}`},
	"pagerduty":  {`{"service_key": "k", "client_name": "herald", "subdomain": "acme", "token": "t"}`},
	"twilio":     {`{"account_sid": "AC1", "account_token": "t", "from_number": "+15556667777", "to_numbers": ["+15558889999"]}`},
	"irc":        {`{"server": "irc.example.com", "port": 6697, "nickname": "herald", "password": "p", "use_ssl": true, "targets": ["#ops", "alice"]}`},
	"webhook":    {`{"url": "https://hooks.example.com/x", "headers": {"X-Token": "t"}, "http_method": "PUT", "username": "u", "password": "p"}`},
	"teams":      {`{"url": "https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s", "mention": ["ops@example.com"]}`},
	"telegram":   {`{"bot_token": "123456:AAE-x", "chat_ids": ["-1001234567890", "@herald_ops"], "disable_notification": true, "message_thread_id": 7}`},
	"discord":    {`{"url": "https://discord.com/api/webhooks/1/abc", "username": "Herald", "avatar_url": "https://h.example/a.png"}`},
	"googlechat": {`{"url": "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t", "thread_key": "job"}`},
	"opsgenie": {
		`{"api_key": "k", "api_url": "https://api.eu.opsgenie.com", "responders": [{"type": "team", "name": "NOC"}], "priority": "P1", "tags": ["a"], "notify_started": true}`,
		`{"api_key": "k", "responders": [{"type": "user", "username": "a@example.com", "name": ""}, {}]}`,
	},
	"ntfy":   {`{"url": "https://ntfy.sh", "topic": "ops", "token": "tk_x", "priority": 5, "tags": ["warning"]}`},
	"gotify": {`{"url": "https://gotify.example.com", "app_token": "A", "priority": 8}`},
	"grafana": {
		`{"grafana_url": "https://grafana.example.com", "grafana_key": "k", "dashboardId": 3, "panelId": 4, "annotation_tags": ["a", "b"]}`,
		// Found by reasoning over this fuzz test: a json.Number beyond 2^53 was
		// accepted, then refused after the store's round trip through float64.
		`{"grafana_url": "https://g.example.com", "grafana_key": "k", "dashboardId": 1152921504606846977}`,
	},
}

func FuzzValidate(f *testing.F) {
	types := registry.Types()
	names := make([]string, 0, len(types))
	for name := range types {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		for _, seed := range fuzzSeeds[name] {
			f.Add(uint8(i), []byte(seed))
			f.Add(uint8(i)|0x80, []byte(seed)) // the same, decoded with json.Number
		}
		f.Add(uint8(i), []byte(`{}`))
		f.Add(uint8(i), []byte(`{"prot": 1, "port": "25", "url": "ftp://x", "recipients": [], "to_numbers": [1]}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		spec := types[names[int(which&0x7f)%len(names)]]
		decode := func(data []byte) (map[string]any, bool) {
			dec := json.NewDecoder(bytes.NewReader(data))
			if which&0x80 != 0 {
				dec.UseNumber()
			}
			var m map[string]any
			return m, dec.Decode(&m) == nil && m != nil
		}
		raw, ok := decode(data)
		if !ok {
			return
		}
		before, _ := decode(data)
		out, problems := notify.Validate(spec, raw)
		if !reflect.DeepEqual(raw, before) {
			t.Fatalf("%s: Validate changed its input\nbefore %#v\n after %#v", spec.Type, before, raw)
		}
		for _, p := range problems {
			if p == "" {
				t.Fatalf("%s: an empty problem in %q", spec.Type, problems)
			}
		}
		if len(problems) > 0 {
			return
		}
		stored, err := json.Marshal(out)
		if err != nil {
			t.Fatalf("%s: accepted config does not marshal: %v: %#v", spec.Type, err, out)
		}
		var again map[string]any
		if err := json.Unmarshal(stored, &again); err != nil {
			t.Fatal(err)
		}
		out2, problems2 := notify.Validate(spec, again)
		if len(problems2) > 0 {
			t.Fatalf("%s: accepted %s, but after a JSON round trip (%s): %q", spec.Type, data, stored, problems2)
		}
		if !reflect.DeepEqual(out, out2) {
			t.Fatalf("%s: round trip changed the config\nfirst  %#v\nsecond %#v", spec.Type, out, out2)
		}
	})
}
