package rocketchat_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	fake "github.com/herald-notify/herald/internal/testpeer/rocketchat"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
	"github.com/herald-notify/herald/notify/rocketchat"
)

func config(t *testing.T, raw map[string]any) notify.Config {
	t.Helper()
	c, problems := notify.Validate(rocketchat.Spec(), raw)
	if problems != nil {
		t.Fatalf("config %v: %q", raw, problems)
	}
	return c
}

func send(t *testing.T, c notify.Config) (notify.Result, error) {
	t.Helper()
	s := rocketchat.Spec().New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"})
	return s.Send(context.Background(), c, notify.Message{Subject: "Job #1 'Ping' succeeded", Body: `{"id": 1}`})
}

func TestSendWireFormat(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]any
		body  string
	}{
		{"text only", nil, `{"text":"Job #1 'Ping' succeeded"}`},
		{"options", map[string]any{"rocketchat_username": "herald", "rocketchat_icon_url": "https://example.com/i.png"},
			`{"text":"Job #1 'Ping' succeeded","username":"herald","icon_url":"https://example.com/i.png"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t)
			raw := map[string]any{"rocketchat_url": s.HookURL()}
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
			if r.Method != "POST" || r.Path != fake.Path || string(r.Body) != tt.body {
				t.Errorf("request = %s %s %s, want POST %s %s", r.Method, r.Path, r.Body, fake.Path, tt.body)
			}
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("User-Agent") != "Herald/test" {
				t.Errorf("headers = %v", r.Header)
			}
			if len(s.Messages()) != 1 {
				t.Errorf("Rocket.Chat accepted %d messages, want 1", len(s.Messages()))
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
		text   string
	}{
		{"unknown integration", "/hooks/id/wrong-token", nil, notify.ClassPermanent, 0, "404"},
		{"refused by the integration's script", "", []fake.Reply{fake.Failure(http.StatusOK, "script refused")},
			notify.ClassPermanent, 0, "200 script refused"},
		{"bad request", "", []fake.Reply{fake.Failure(http.StatusBadRequest, "error-invalid-channel")}, notify.ClassPermanent, 0, "400"},
		{"rate limited", "", []fake.Reply{{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "9"},
			Body: `{"success":false,"error":"Error, too many requests. Please slow down. You must wait 9 seconds before trying this endpoint again. [error-too-many-requests]"}`}},
			notify.ClassTransient, 9 * time.Second, "429"},
		{"unavailable", "", []fake.Reply{{Status: http.StatusBadGateway, Body: "<html>502</html>"}}, notify.ClassTransient, 0, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t)
			s.Script(tt.script...)
			url := s.HookURL()
			if tt.path != "" {
				url = s.URL + tt.path
			}
			res, err := send(t, config(t, map[string]any{"rocketchat_url": url}))
			if err == nil || res.Sent != 0 {
				t.Fatalf("Send = %+v, %v; want an error", res, err)
			}
			if !strings.HasPrefix(err.Error(), "Error sending notification rocket.chat: "+tt.text) {
				t.Errorf("err = %q, want %q in it", err, tt.text)
			}
			if class, delay := notify.Classify(err); class != tt.class || delay != tt.delay {
				t.Errorf("Classify = %v, %v; want %v, %v", class, delay, tt.class, tt.delay)
			}
		})
	}
}

func TestSend2xxWithoutSuccessField(t *testing.T) {
	s := fake.New(t)
	s.Script(fake.Reply{Status: http.StatusOK, Body: "ok"})
	if res, err := send(t, config(t, map[string]any{"rocketchat_url": s.HookURL()})); err != nil || res.Sent != 1 {
		t.Errorf("Send = %+v, %v; want Sent 1", res, err)
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
			res, err := send(t, config(t, map[string]any{"rocketchat_url": s.HookURL(), "rocketchat_no_verify_ssl": tt.noVerify}))
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
	if len(s.Messages()) != 1 {
		t.Errorf("Rocket.Chat accepted %d messages, want 1", len(s.Messages()))
	}
}
