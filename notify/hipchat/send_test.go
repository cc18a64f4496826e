package hipchat_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fake "github.com/herald-notify/herald/internal/testpeer/hipchat"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/hipchat"
	"github.com/herald-notify/herald/notify/notifytest"
)

const token = "hipchat-room-token"

func config(t *testing.T, raw map[string]any) notify.Config {
	t.Helper()
	c, problems := notify.Validate(hipchat.Spec(), raw)
	if problems != nil {
		t.Fatalf("config %v: %q", raw, problems)
	}
	return c
}

func send(t *testing.T, env notify.Env, c notify.Config, done ...string) (notify.Result, error) {
	t.Helper()
	env.UserAgent = "Herald/test"
	return hipchat.Spec().New(env).Send(context.Background(), c, notify.Message{Subject: "Job #1 'Ping' failed", Done: done})
}

func TestSendWireFormat(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]any
		body  string
	}{
		{"defaults", nil, `{"message":"Job #1 'Ping' failed","message_format":"text","notify":false}`},
		{"options", map[string]any{"color": "Green", "notify": true, "message_from": "Herald"},
			`{"message":"Job #1 'Ping' failed","message_format":"text","color":"green","notify":true,"from":"Herald"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t, token, "Ops", "Dev Team/EU")
			raw := map[string]any{"token": token, "rooms": []any{"Ops", "Dev Team/EU"}, "api_url": s.URL + "/"}
			for k, v := range tt.extra {
				raw[k] = v
			}
			res, err := send(t, notify.Env{Allow: notifytest.Loopback()}, config(t, raw))
			if err != nil || res.Sent != 2 || !slices.Equal(res.Done, []string{"Ops", "Dev Team/EU"}) {
				t.Fatalf("Send = %+v, %v; want both rooms", res, err)
			}
			paths := []string{"/v2/room/Ops/notification", "/v2/room/Dev%20Team%2FEU/notification"}
			reqs := s.Requests()
			if len(reqs) != 2 {
				t.Fatalf("fake got %d requests, want 2", len(reqs))
			}
			for i, r := range reqs {
				if r.Method != "POST" || r.Path != paths[i] || string(r.Body) != tt.body {
					t.Errorf("request %d = %s %s %s, want POST %s %s", i, r.Method, r.Path, r.Body, paths[i], tt.body)
				}
				for k, v := range map[string]string{"Authorization": "Bearer " + token,
					"Content-Type": "application/json", "User-Agent": "Herald/test"} {
					if r.Header.Get(k) != v {
						t.Errorf("request %d header %s = %q, want %q", i, k, r.Header.Get(k), v)
					}
				}
			}
			if n := s.Notifications(); len(n) != 2 || n[1].Room != "Dev Team/EU" {
				t.Errorf("HipChat accepted %+v, want both rooms", n)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		room   string
		script []fake.Reply
		class  notify.Class
		delay  time.Duration
		status string
	}{
		{"wrong token", "wrong", "Ops", nil, notify.ClassPermanent, 0, "401"},
		{"unknown room", token, "Nope", nil, notify.ClassPermanent, 0, "404"},
		{"forbidden", token, "Ops", []fake.Reply{fake.Error(http.StatusForbidden, "This token lacks the send_notification scope")}, notify.ClassPermanent, 0, "403"},
		{"200 is not 204", token, "Ops", []fake.Reply{{Status: http.StatusOK, Body: "hello"}}, notify.ClassPermanent, 0, "200"},
		{"rate limited", token, "Ops", []fake.Reply{fake.RateLimited("10")}, notify.ClassTransient, 10 * time.Second, "429"},
		{"unavailable", token, "Ops", []fake.Reply{fake.Error(http.StatusServiceUnavailable, "down")}, notify.ClassTransient, 0, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fake.New(t, token, "Ops")
			s.Script(tt.script...)
			res, err := send(t, notify.Env{Allow: notifytest.Loopback()}, config(t, map[string]any{"token": tt.token, "rooms": []any{tt.room}, "api_url": s.URL}))
			if err == nil || res.Sent != 0 || len(res.Done) != 0 {
				t.Fatalf("Send = %+v, %v; want nothing sent and an error", res, err)
			}
			if !strings.Contains(err.Error(), tt.status) || !strings.Contains(err.Error(), tt.room) {
				t.Errorf("err = %q, want %s and the room in it", err, tt.status)
			}
			if class, delay := notify.Classify(err); class != tt.class || delay != tt.delay {
				t.Errorf("Classify = %v, %v; want %v, %v", class, delay, tt.class, tt.delay)
			}
		})
	}
}

func TestSendRetrySkipsReachedRooms(t *testing.T) {
	s := fake.New(t, token, "A", "B", "C")
	c := config(t, map[string]any{"token": token, "rooms": []any{"A", "B", "C"}, "api_url": s.URL})
	s.Script(fake.Reply{}, fake.Error(http.StatusBadGateway, "bad gateway")) // A notified, B fails

	res, err := send(t, notify.Env{Allow: notifytest.Loopback()}, c)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
		t.Fatalf("first attempt err = %v, want transient", err)
	}
	if res.Sent != 1 || !slices.Equal(res.Done, []string{"A"}) {
		t.Fatalf("first attempt = %+v, want Sent 1, Done [A]", res)
	}
	res, err = send(t, notify.Env{Allow: notifytest.Loopback()}, c, res.Done...)
	if err != nil || res.Sent != 2 || !slices.Equal(res.Done, []string{"B", "C"}) {
		t.Fatalf("retry = %+v, %v; want Sent 2, Done [B C]", res, err)
	}
	got := map[string]int{}
	for _, n := range s.Notifications() {
		got[n.Room]++
	}
	if got["A"] != 1 || got["B"] != 1 || got["C"] != 1 || len(s.Notifications()) != 3 {
		t.Errorf("notifications per room = %v, want each once", got)
	}
	if n := len(s.Requests()); n != 4 {
		t.Errorf("fake got %d requests, want 4", n)
	}
}

func TestSendVerifiesTLS(t *testing.T) {
	s := fake.NewTLS(t, token, "Ops")
	c := config(t, map[string]any{"token": token, "rooms": []any{"Ops"}, "api_url": s.URL})
	tests := []struct {
		name string
		env  notify.Env
		sent int
	}{
		{"self-signed refused", notify.Env{Allow: notifytest.Loopback()}, 0},
		{"trusted root accepted", notify.Env{Allow: notifytest.Loopback(), RootCAs: s.CertPool()}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := send(t, tt.env, c)
			if res.Sent != tt.sent {
				t.Fatalf("Sent = %d, want %d (err %v)", res.Sent, tt.sent, err)
			}
			if tt.sent == 0 {
				if class, _ := notify.Classify(err); class != notify.ClassPermanent || !strings.Contains(err.Error(), "certificate") {
					t.Errorf("err = %v, want a permanent certificate error", err)
				}
			}
		})
	}
}
