package slack_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fake "github.com/herald-notify/herald/internal/testpeer/slack"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/slack"
)

const token = "xoxb-test-token"

func config(t *testing.T, raw map[string]any) notify.Config {
	t.Helper()
	c, problems := notify.Validate(slack.Spec(), raw)
	if problems != nil {
		t.Fatalf("config %v: %q", raw, problems)
	}
	return c
}

func send(t *testing.T, s *fake.Server, c notify.Config, done ...string) (notify.Result, error) {
	t.Helper()
	sender := slack.Spec().New(notify.Env{SlackAPIURL: s.APIURL(), UserAgent: "Herald/test"})
	return sender.Send(context.Background(), c, notify.Message{NotificationID: 7, Subject: "Job #1 'Ping' succeeded", Done: done})
}

func TestSendWireFormat(t *testing.T) {
	tests := []struct {
		name     string
		channels []any
		color    string
		bodies   []string
	}{
		{"text", []any{"#general", "random"}, "", []string{
			`{"channel":"general","text":"Job #1 'Ping' succeeded"}`,
			`{"channel":"random","text":"Job #1 'Ping' succeeded"}`}},
		{"thread", []any{"general,1700000000.000100"}, "", []string{
			`{"channel":"general","text":"Job #1 'Ping' succeeded","thread_ts":"1700000000.000100"}`}},
		{"colour", []any{"#general"}, "#36a64f", []string{
			`{"channel":"general","attachments":[{"color":"#36a64f","text":"Job #1 'Ping' succeeded"}]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t, token, "general", "random")
			raw := map[string]any{"token": token, "channels": tt.channels}
			if tt.color != "" {
				raw["hex_color"] = tt.color
			}
			res, err := send(t, s, config(t, raw))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, c := range tt.channels {
				want = append(want, c.(string))
			}
			if res.Sent != len(want) || !slices.Equal(res.Done, want) {
				t.Errorf("Result = %+v, want Sent %d, Done %q", res, len(want), want)
			}
			reqs := s.Requests()
			if len(reqs) != len(tt.bodies) {
				t.Fatalf("fake got %d requests, want %d", len(reqs), len(tt.bodies))
			}
			for i, r := range reqs {
				if r.Method != "POST" || r.Path != "/api/chat.postMessage" || string(r.Body) != tt.bodies[i] {
					t.Errorf("request %d = %s %s %s, want POST /api/chat.postMessage %s", i, r.Method, r.Path, r.Body, tt.bodies[i])
				}
				for k, v := range map[string]string{"Authorization": "Bearer " + token,
					"Content-Type": "application/json; charset=utf-8", "User-Agent": "Herald/test"} {
					if r.Header.Get(k) != v {
						t.Errorf("request %d header %s = %q, want %q", i, k, r.Header.Get(k), v)
					}
				}
			}
			if len(s.Messages()) != len(tt.bodies) {
				t.Errorf("Slack accepted %d messages, want %d", len(s.Messages()), len(tt.bodies))
			}
		})
	}
}

func TestSendAPIURLWithoutSlash(t *testing.T) {
	s := fake.New(t, token, "general")
	sender := slack.Spec().New(notify.Env{SlackAPIURL: strings.TrimSuffix(s.APIURL(), "/")})
	res, err := sender.Send(context.Background(), config(t, map[string]any{"token": token, "channels": []any{"general"}}), notify.Message{Subject: "x"})
	if err != nil || res.Sent != 1 {
		t.Errorf("Send = %+v, %v; want Sent 1", res, err)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		channel string
		script  []fake.Reply
		class   notify.Class
		delay   time.Duration
		text    string
	}{
		{"unknown channel", token, "nope", nil, notify.ClassPermanent, 0, "channel_not_found"},
		{"wrong token", "xoxb-wrong", "general", nil, notify.ClassPermanent, 0, "invalid_auth"},
		{"not in channel", token, "general", []fake.Reply{fake.Fail("not_in_channel")}, notify.ClassPermanent, 0, "not_in_channel"},
		{"archived", token, "general", []fake.Reply{fake.Fail("is_archived")}, notify.ClassPermanent, 0, "is_archived"},
		{"account inactive", token, "general", []fake.Reply{fake.Fail("account_inactive")}, notify.ClassPermanent, 0, "account_inactive"},
		{"token revoked", token, "general", []fake.Reply{fake.Fail("token_revoked")}, notify.ClassPermanent, 0, "token_revoked"},
		{"internal error may have posted", token, "general", []fake.Reply{fake.Fail("internal_error")}, notify.ClassPermanent, 0, "internal_error"},
		{"not JSON", token, "general", []fake.Reply{{Status: http.StatusOK, Body: "<html>"}}, notify.ClassPermanent, 0, "unexpected answer"},
		{"HTTP 404", token, "general", []fake.Reply{{Status: http.StatusNotFound, Body: "not found"}}, notify.ClassPermanent, 0, "404"},
		{"rate limited", token, "general", []fake.Reply{fake.RateLimited(30)}, notify.ClassTransient, 30 * time.Second, "ratelimited"},
		{"service unavailable", token, "general", []fake.Reply{fake.Fail("service_unavailable")}, notify.ClassTransient, 0, "service_unavailable"},
		{"HTTP 503", token, "general", []fake.Reply{{Status: http.StatusServiceUnavailable, Header: map[string]string{"Retry-After": "5"}}},
			notify.ClassTransient, 5 * time.Second, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t, token, "general")
			s.Script(tt.script...)
			res, err := send(t, s, config(t, map[string]any{"token": tt.token, "channels": []any{tt.channel}}))
			if err == nil || res.Sent != 0 || len(res.Done) != 0 {
				t.Fatalf("Send = %+v, %v; want nothing sent and an error", res, err)
			}
			if !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), tt.channel) {
				t.Errorf("err = %q, want %q and the channel in it", err, tt.text)
			}
			if class, delay := notify.Classify(err); class != tt.class || delay != tt.delay {
				t.Errorf("Classify = %v, %v; want %v, %v", class, delay, tt.class, tt.delay)
			}
		})
	}
}

func TestSendRetrySkipsReachedChannels(t *testing.T) {
	s := fake.New(t, token, "a", "b", "c")
	c := config(t, map[string]any{"token": token, "channels": []any{"#a", "b", "c,1700000000.000100"}})
	s.Script(fake.Reply{}, fake.RateLimited(2)) // a is posted, b is rate limited

	res, err := send(t, s, c)
	if class, delay := notify.Classify(err); err == nil || class != notify.ClassTransient || delay != 2*time.Second {
		t.Fatalf("first attempt err = %v, want transient after 2s", err)
	}
	if res.Sent != 1 || !slices.Equal(res.Done, []string{"#a"}) {
		t.Fatalf("first attempt = %+v, want Sent 1, Done [#a]", res)
	}

	res, err = send(t, s, c, res.Done...)
	if err != nil || res.Sent != 2 || !slices.Equal(res.Done, []string{"b", "c,1700000000.000100"}) {
		t.Fatalf("retry = %+v, %v; want Sent 2, Done [b c,...]", res, err)
	}
	got := map[string]int{}
	for _, m := range s.Messages() {
		got[m.Name]++
	}
	if got["a"] != 1 || got["b"] != 1 || got["c"] != 1 || len(s.Messages()) != 3 {
		t.Errorf("messages per channel = %v, want each once", got)
	}
	if n := len(s.Requests()); n != 4 { // a, b (429), b, c
		t.Errorf("fake got %d requests, want 4", n)
	}
}

func TestSendStopsAtPermanentFailure(t *testing.T) {
	s := fake.New(t, token, "a", "c")
	res, err := send(t, s, config(t, map[string]any{"token": token, "channels": []any{"a", "missing", "c"}}))
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassPermanent {
		t.Fatalf("err = %v, want permanent", err)
	}
	if res.Sent != 1 || !slices.Equal(res.Done, []string{"a"}) {
		t.Errorf("Result = %+v, want Sent 1, Done [a]", res)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("fake got %d requests, want 2 (nothing after the failure)", n)
	}
}

func TestSendChannelListedTwiceOnce(t *testing.T) {
	s := fake.New(t, token, "a")
	res, err := send(t, s, config(t, map[string]any{"token": token, "channels": []any{"a", "a"}}))
	if err != nil || res.Sent != 1 || len(s.Messages()) != 1 {
		t.Errorf("Send = %+v, %v, %d messages; want one", res, err, len(s.Messages()))
	}
}
