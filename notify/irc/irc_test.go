package irc

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
		want     notify.Config
	}{
		{
			name: "minimal, defaults filled in",
			raw:  `{"server": "irc.example.com", "port": 6667, "nickname": "herald", "targets": ["#ops"]}`,
			want: notify.Config{"password": "", "use_ssl": false, "targets": []string{"#ops"}},
		},
		{
			name: "every target kind and nick characters",
			raw: `{"server": "irc.example.com", "port": 6697, "nickname": "Herald[bot]_^{|}-9", "password": "p w",
				"use_ssl": true, "targets": ["#ops", "&local", "+modeless", "!ABCDEsafe", "alice", "` + "`" + `bob\\"]}`,
		},
		{
			name:     "missing required keys",
			raw:      `{"password": "x"}`,
			problems: []string{"Missing required fields for Notification Configuration: server, port, nickname, targets."},
		},
		{
			name: "bad values",
			raw:  `{"server": "irc.example.com/x", "port": 0, "nickname": "9lives", "password": "a\r\nQUIT", "targets": ["#has space", "#", "-dash", "ok"]}`,
			problems: []string{
				"Configuration field 'server' must be a host name or address.",
				"Configuration field 'port' must be a port number between 1 and 65535.",
				`Configuration field 'nickname': "9lives" is not a valid IRC nickname (letters, digits and []\` + "`" + `_^{|}-, not starting with a digit or '-', at most 30 characters).`,
				"Configuration field 'password' must not contain line breaks or NUL.",
				`Configuration field 'targets': "#has space" is not a channel (#name) or a nickname.`,
				`Configuration field 'targets': "#" is not a channel (#name) or a nickname.`,
				`Configuration field 'targets': "-dash" is not a channel (#name) or a nickname.`,
			},
		},
		{
			name:     "nickname too long",
			raw:      `{"server": "h", "port": 6667, "nickname": "abcdefghijklmnopqrstuvwxyz01234", "targets": ["#ops"]}`,
			problems: []string{`Configuration field 'nickname': "abcdefghijklmnopqrstuvwxyz01234" is not a valid IRC nickname (letters, digits and []\` + "`" + `_^{|}-, not starting with a digit or '-', at most 30 characters).`},
		},
		{
			name:     "empty server and targets",
			raw:      `{"server": "", "port": 6667, "nickname": "herald", "targets": []}`,
			problems: []string{"Configuration field 'targets' must not be an empty list."},
		},
		{
			name:     "empty server",
			raw:      `{"server": " ", "port": 6667, "nickname": "herald", "targets": ["#a"]}`,
			problems: []string{"Configuration field 'server' must not be empty.", "Configuration field 'server' must be a host name or address."},
		},
		{
			name: "wrong types",
			raw:  `{"server": "h", "port": 6667.5, "nickname": "herald", "use_ssl": 1, "targets": "#ops", "channel": "#x"}`,
			problems: []string{
				"Configuration field 'port' incorrect type, expected int.",
				"Configuration field 'use_ssl' incorrect type, expected bool.",
				"Configuration field 'targets' incorrect type, expected list.",
				"Unknown configuration field 'channel'.",
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

func TestPending(t *testing.T) {
	tests := []struct {
		targets, done, want []string
	}{
		{[]string{"#a", "bob"}, nil, []string{"#a", "bob"}},
		{[]string{"#a", "bob"}, []string{"#a"}, []string{"bob"}},
		{[]string{"#A", "Bob[1]"}, []string{"#a", "bob{1}"}, nil},
		{[]string{"#a", "#A", "bob"}, nil, []string{"#a", "bob"}},
	}
	for _, tt := range tests {
		if got := pending(tt.targets, tt.done); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("pending(%q, %q) = %q, want %q", tt.targets, tt.done, got, tt.want)
		}
	}
}

func TestAltNick(t *testing.T) {
	long := "abcdefghijklmnopqrstuvwxyz0123" // 30
	tests := []struct {
		nick string
		try  int
		want string
	}{
		{"herald", 1, "herald_"},
		{"herald", 2, "herald1"},
		{"herald", 4, "herald3"},
		{long, 1, long[:29] + "_"},
		{long, 3, long[:29] + "2"},
	}
	for _, tt := range tests {
		if got := altNick(tt.nick, tt.try); got != tt.want {
			t.Errorf("altNick(%q, %d) = %q, want %q", tt.nick, tt.try, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want message
	}{
		{":n!u@h PRIVMSG #c :hi there", message{prefix: "n!u@h", command: "PRIVMSG", params: []string{"#c", "hi there"}}},
		{"PING :irc.test.local", message{command: "PING", params: []string{"irc.test.local"}}},
		{":srv 401 me nobody :No such nick or channel name", message{prefix: "srv", command: "401", params: []string{"me", "nobody", "No such nick or channel name"}}},
		{"@time=2026-01-01T00:00:00Z :srv PONG srv :tok", message{prefix: "srv", command: "PONG", params: []string{"srv", "tok"}}},
		{"ERROR :Closing link", message{command: "ERROR", params: []string{"Closing link"}}},
	}
	for _, tt := range tests {
		if got := parse(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
