package mattermost_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	fake "github.com/herald-notify/herald/internal/testpeer/mattermost"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/mattermost"
	"github.com/herald-notify/herald/notify/notifytest"
)

func config(t *testing.T, raw map[string]any) notify.Config {
	t.Helper()
	c, problems := notify.Validate(mattermost.Spec(), raw)
	if problems != nil {
		t.Fatalf("config %v: %q", raw, problems)
	}
	return c
}

func send(t *testing.T, c notify.Config) (notify.Result, error) {
	t.Helper()
	s := mattermost.Spec().New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"})
	return s.Send(context.Background(), c, notify.Message{Subject: "Job #1 'Ping' succeeded", Body: `{"id": 1}`})
}

func TestSendWireFormat(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]any
		body  string
	}{
		{"text only", nil, `{"text":"Job #1 'Ping' succeeded"}`},
		{"empty options left out", map[string]any{"mattermost_username": "", "mattermost_channel": " "},
			`{"text":"Job #1 'Ping' succeeded"}`},
		{"options", map[string]any{"mattermost_username": "herald", "mattermost_channel": "town-square",
			"mattermost_icon_url": "https://example.com/i.png"},
			`{"text":"Job #1 'Ping' succeeded","username":"herald","channel":"town-square","icon_url":"https://example.com/i.png"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t)
			raw := map[string]any{"mattermost_url": s.HookURL()}
			for k, v := range tt.extra {
				raw[k] = v
			}
			res, err := send(t, config(t, raw))
			if err != nil || res.Sent != 1 {
				t.Fatalf("Send = %+v, %v; want Sent 1", res, err)
			}
			reqs := s.Requests()
			if len(reqs) != 1 {
				t.Fatalf("fake got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != "POST" || r.Path != "/hooks/"+fake.Key || string(r.Body) != tt.body {
				t.Errorf("request = %s %s %s, want POST /hooks/%s %s", r.Method, r.Path, r.Body, fake.Key, tt.body)
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("User-Agent") != "Herald/test" {
				t.Errorf("headers = %v", r.Header)
			}
			if len(s.Posts()) != 1 {
				t.Errorf("Mattermost accepted %d posts, want 1", len(s.Posts()))
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		script []fake.Reply
		class  notify.Class
		delay  time.Duration
		status string
	}{
		{"unknown hook", "/hooks/deleted", nil, notify.ClassPermanent, 0, "400"},
		{"forbidden", "", []fake.Reply{fake.AppError(http.StatusForbidden, "web.incoming_webhook.channel_locked.app_error", "This webhook is not permitted to post to the requested channel.")},
			notify.ClassPermanent, 0, "403"},
		{"redirect not followed", "", []fake.Reply{{Status: http.StatusMovedPermanently, Header: map[string]string{"Location": "https://elsewhere.example.com/"}}},
			notify.ClassPermanent, 0, "301"},
		{"rate limited", "", []fake.Reply{fake.AppError(http.StatusTooManyRequests, "api.context.rate_limit.app_error", "too many requests")}, notify.ClassTransient, 0, "429"},
		{"unavailable", "", []fake.Reply{{Status: http.StatusServiceUnavailable, Header: map[string]string{"Retry-After": "4"}}}, notify.ClassTransient, 4 * time.Second, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t)
			s.Script(tt.script...)
			url := s.HookURL()
			if tt.path != "" {
				url = s.URL + tt.path
			}
			res, err := send(t, config(t, map[string]any{"mattermost_url": url}))
			if err == nil || res.Sent != 0 {
				t.Fatalf("Send = %+v, %v; want an error", res, err)
			}
			if !strings.HasPrefix(err.Error(), "Error sending notification mattermost: "+tt.status) {
				t.Errorf("err = %q, want the status %s", err, tt.status)
			}
			if class, delay := notify.Classify(err); class != tt.class || delay != tt.delay {
				t.Errorf("Classify = %v, %v; want %v, %v", class, delay, tt.class, tt.delay)
			}
			if len(s.Requests()) != 1 || len(s.Posts()) != 0 {
				t.Errorf("fake got %d requests and %d posts, want 1 and 0", len(s.Requests()), len(s.Posts()))
			}
		})
	}
}

func TestSendNoVerifySSL(t *testing.T) {
	s := fake.NewTLS(t)
	tests := []struct {
		name     string
		noVerify bool
		sent     int
	}{
		{"verified: self-signed refused", false, 0},
		{"not verified: accepted", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := send(t, config(t, map[string]any{"mattermost_url": s.HookURL(), "mattermost_no_verify_ssl": tt.noVerify}))
			if res.Sent != tt.sent {
				t.Fatalf("Sent = %d, want %d (err %v)", res.Sent, tt.sent, err)
			}
			if tt.sent == 0 {
				if class, _ := notify.Classify(err); class != notify.ClassPermanent || !strings.Contains(err.Error(), "certificate") {
					t.Errorf("err = %v, want a permanent certificate error", err)
				}
			} else if err != nil {
				t.Errorf("err = %v", err)
			}
		})
	}
	if len(s.Posts()) != 1 {
		t.Errorf("Mattermost accepted %d posts, want 1", len(s.Posts()))
	}
}
