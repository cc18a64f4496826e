package email

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		problems []string
		want     notify.Config // checked keys only, when set
	}{
		{
			name: "minimal, defaults filled in",
			raw:  `{"host": "smtp.example.com", "port": 25, "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			want: notify.Config{"username": "", "password": "", "use_tls": false, "use_ssl": false, "timeout": int64(30)},
		},
		{
			name: "everything set",
			raw: `{"host": "smtp.example.com", "port": 587, "username": "u", "password": "p", "use_tls": true,
				"use_ssl": false, "sender": "herald@example.com", "recipients": ["a@example.com", "b@example.org"], "timeout": 120}`,
			want: notify.Config{"recipients": []string{"a@example.com", "b@example.org"}, "timeout": int64(120)},
		},
		{
			name:     "missing required keys",
			raw:      `{"username": "u"}`,
			problems: []string{"Missing required fields for Notification Configuration: host, port, sender, recipients."},
		},
		{
			name:     "use_tls and use_ssl together",
			raw:      `{"host": "h", "port": 465, "use_tls": true, "use_ssl": true, "sender": "a@example.com", "recipients": ["b@example.com"]}`,
			problems: []string{"Configuration fields 'use_tls' and 'use_ssl' cannot both be true."},
		},
		{
			name: "bad port, addresses and timeout",
			raw:  `{"host": " ", "port": 70000, "sender": "not an address", "recipients": ["ok@example.com", "bad@"], "timeout": 0}`,
			problems: []string{
				"Configuration field 'host' must not be empty.",
				"Configuration field 'port' must be a port number between 1 and 65535.",
				`Configuration field 'sender': "not an address" is not a valid e-mail address.`,
				`Configuration field 'recipients': "bad@" is not a valid e-mail address.`,
				"Configuration field 'timeout' must be between 1 and 120 seconds.",
			},
		},
		{
			name:     "timeout above the bound",
			raw:      `{"host": "h", "port": 25, "sender": "a@example.com", "recipients": ["b@example.com"], "timeout": 121}`,
			problems: []string{"Configuration field 'timeout' must be between 1 and 120 seconds."},
		},
		{
			name:     "empty recipients",
			raw:      `{"host": "h", "port": 25, "sender": "a@example.com", "recipients": []}`,
			problems: []string{"Configuration field 'recipients' must not be an empty list."},
		},
		{
			name: "wrong types and unknown key",
			raw:  `{"host": "h", "port": "25", "use_tls": "yes", "sender": "a@example.com", "recipients": "b@example.com", "prot": 1}`,
			problems: []string{
				"Configuration field 'port' incorrect type, expected int.",
				"Configuration field 'use_tls' incorrect type, expected bool.",
				"Configuration field 'recipients' incorrect type, expected list.",
				"Unknown configuration field 'prot'.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
				t.Fatal(err)
			}
			got, problems := notify.Validate(Spec(), raw)
			if !reflect.DeepEqual(problems, tt.problems) {
				t.Fatalf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !reflect.DeepEqual(got, []string{"password"}) {
		t.Fatalf("secrets = %v, want [password]", got)
	}
}
