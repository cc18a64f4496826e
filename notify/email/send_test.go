package email

import (
	"context"
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/smtp"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

// config validates raw, with host and port pointing at srv, as the engine would.
func config(t *testing.T, srv *smtp.Server, raw string) notify.Config {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	m["host"], m["port"] = srv.Host, srv.Port
	c, problems := notify.Validate(Spec(), m)
	if len(problems) > 0 {
		t.Fatalf("config problems: %v", problems)
	}
	return c
}

// send runs one attempt with env trusting srv's certificate.
func send(t *testing.T, srv *smtp.Server, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	env := notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test", RootCAs: srv.CertPool}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Spec().New(env).Send(ctx, c, m)
}

func wantClass(t *testing.T, err error, want notify.Class) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want a %v error", want)
	}
	if got, _ := notify.Classify(err); got != want {
		t.Fatalf("class = %v, want %v (err: %v)", got, want, err)
	}
}

var users = map[string]string{"herald": "s3cret"}

func TestSendDelivers(t *testing.T) {
	tests := []struct {
		name     string
		opts     smtp.Options
		raw      string
		wantUser string
		wantMech string
		wantTLS  bool
	}{
		{
			name: "plain without auth",
			opts: smtp.Options{Mode: smtp.Plain},
			raw:  `{"sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
		},
		{
			name: "username without password sends no AUTH",
			opts: smtp.Options{Mode: smtp.Plain},
			raw:  `{"username": "herald", "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
		},
		{
			name:     "STARTTLS with PLAIN",
			opts:     smtp.Options{Mode: smtp.StartTLS, Users: users},
			raw:      `{"use_tls": true, "username": "herald", "password": "s3cret", "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			wantUser: "herald", wantMech: "PLAIN", wantTLS: true,
		},
		{
			name:     "SMTPS with LOGIN",
			opts:     smtp.Options{Mode: smtp.ImplicitTLS, Users: users, Mechanisms: []string{"LOGIN"}},
			raw:      `{"use_ssl": true, "username": "herald", "password": "s3cret", "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			wantUser: "herald", wantMech: "LOGIN", wantTLS: true,
		},
		{
			name:    "STARTTLS without auth",
			opts:    smtp.Options{Mode: smtp.StartTLS},
			raw:     `{"use_tls": true, "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			wantTLS: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtp.Start(t, tt.opts)
			res, err := send(t, srv, config(t, srv, tt.raw), notify.Message{Subject: "Job #42 'deploy' succeeded", Body: "all good"})
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if want := (notify.Result{Sent: 1, Done: []string{"email"}}); !reflect.DeepEqual(res, want) {
				t.Fatalf("result = %+v, want %+v", res, want)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.User != tt.wantUser || got.Mechanism != tt.wantMech || got.TLS != tt.wantTLS {
				t.Errorf("user %q mech %q tls %v, want %q %q %v", got.User, got.Mechanism, got.TLS, tt.wantUser, tt.wantMech, tt.wantTLS)
			}
			if got.From != "herald@example.com" || !reflect.DeepEqual(got.To, []string{"ops@example.com"}) {
				t.Errorf("envelope from %q to %q", got.From, got.To)
			}
			if got.Subject != "Job #42 'deploy' succeeded" || got.Body != "all good" {
				t.Errorf("subject %q body %q", got.Subject, got.Body)
			}
		})
	}
}

func TestSendOneMessageToAllRecipients(t *testing.T) {
	srv := smtp.Start(t, smtp.Options{})
	c := config(t, srv, `{"sender": "herald@example.com", "recipients": ["a@example.com", "b@example.org", "c@example.net"]}`)
	res, err := send(t, srv, c, notify.Message{Subject: "s", Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 1 {
		t.Errorf("sent = %d, want 1 (one message, not one per recipient)", res.Sent)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	want := []string{"a@example.com", "b@example.org", "c@example.net"}
	if !reflect.DeepEqual(msgs[0].To, want) {
		t.Errorf("RCPT TO = %q, want %q", msgs[0].To, want)
	}
	if got := msgs[0].Header.Get("To"); got != "<a@example.com>, <b@example.org>, <c@example.net>" {
		t.Errorf("To: %q", got)
	}
	if got := msgs[0].Header.Get("From"); got != "<herald@example.com>" {
		t.Errorf("From: %q", got)
	}
}

func TestSendReadableText(t *testing.T) {
	body := "Job #42 'déploiement' succeeded, view details at https://herald.example.com/jobs/42\n\n" +
		"{\n  \"id\": 42,\n  \"name\": \"déploiement ✓\",\n  \"status\": \"successful\"\n}\n" +
		strings.Repeat("a long line that goes on ", 12)
	tests := []struct {
		name        string
		subject     string
		wantSubject string
	}{
		{"ascii", "Job #42 'deploy' succeeded", "Job #42 'deploy' succeeded"},
		{"utf-8", "Job #42 'déploiement' réussi ✓", "Job #42 'déploiement' réussi ✓"},
		{"line breaks cannot add headers", "Hi\r\nBcc: evil@example.com\nX: y", "Hi Bcc: evil@example.com X: y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtp.Start(t, smtp.Options{})
			c := config(t, srv, `{"sender": "herald@example.com", "recipients": ["ops@example.com"]}`)
			if _, err := send(t, srv, c, notify.Message{Subject: tt.subject, Body: body}); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.Subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", m.Subject, tt.wantSubject)
			}
			if m.Body != body {
				t.Errorf("body =\n%q\nwant\n%q", m.Body, body)
			}
			if got := m.Header.Get("Content-Type"); got != "text/plain; charset=UTF-8" {
				t.Errorf("Content-Type: %q", got)
			}
			for _, h := range []string{"Bcc", "X"} {
				if v := m.Header.Get(h); v != "" {
					t.Errorf("injected header %s: %q", h, v)
				}
			}
			if !reflect.DeepEqual(m.To, []string{"ops@example.com"}) {
				t.Errorf("RCPT TO = %q", m.To)
			}
			if got := m.Header.Get("User-Agent"); got != "Herald/test" {
				t.Errorf("User-Agent: %q", got)
			}
			for _, line := range strings.Split(string(m.Raw), "\r\n") {
				if len(line) > 998 {
					t.Errorf("raw line of %d bytes exceeds RFC 5322's 998", len(line))
				}
			}
		})
	}
}

func TestSendSkipsWhenDone(t *testing.T) {
	srv := smtp.Start(t, smtp.Options{})
	c := config(t, srv, `{"sender": "herald@example.com", "recipients": ["ops@example.com"]}`)
	res, err := send(t, srv, c, notify.Message{Subject: "s", Body: "b", Done: []string{"email"}})
	if err != nil || res.Sent != 0 || len(res.Done) != 0 {
		t.Fatalf("result %+v, err %v; want nothing sent", res, err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server got %d messages, want 0", n)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		opts    smtp.Options
		raw     string
		prepare func(srv *smtp.Server)
		trust   bool
		want    notify.Class
		wantIn  string
	}{
		{
			name:   "wrong password",
			opts:   smtp.Options{Mode: smtp.StartTLS, Users: users},
			raw:    `{"use_tls": true, "username": "herald", "password": "wrong", "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			trust:  true,
			want:   notify.ClassPermanent,
			wantIn: "535",
		},
		{
			name:    "temporary failure 451",
			opts:    smtp.Options{},
			raw:     `{"sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			prepare: func(srv *smtp.Server) { srv.FailNext(1, 451, "try again later") },
			want:    notify.ClassTransient,
			wantIn:  "451",
		},
		{
			name:    "rejected 554",
			opts:    smtp.Options{},
			raw:     `{"sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			prepare: func(srv *smtp.Server) { srv.FailNext(1, 554, "rejected as spam") },
			want:    notify.ClassPermanent,
			wantIn:  "554",
		},
		{
			name:   "password over cleartext is refused",
			opts:   smtp.Options{Users: users, AllowInsecureAuth: true},
			raw:    `{"username": "herald", "password": "s3cret", "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			want:   notify.ClassPermanent,
			wantIn: "set use_tls or use_ssl",
		},
		{
			name:   "STARTTLS required but not offered",
			opts:   smtp.Options{Mode: smtp.Plain},
			raw:    `{"use_tls": true, "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			want:   notify.ClassPermanent,
			wantIn: "STARTTLS",
		},
		{
			name:   "untrusted certificate",
			opts:   smtp.Options{Mode: smtp.ImplicitTLS},
			raw:    `{"use_ssl": true, "sender": "herald@example.com", "recipients": ["ops@example.com"]}`,
			trust:  false,
			want:   notify.ClassPermanent,
			wantIn: "certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtp.Start(t, tt.opts)
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			env := notify.Env{Allow: notifytest.Loopback()}
			if tt.trust || tt.opts.Mode == smtp.Plain {
				env.RootCAs = srv.CertPool
			}
			res, err := Spec().New(env).Send(context.Background(), config(t, srv, tt.raw), notify.Message{Subject: "s", Body: "b"})
			wantClass(t, err, tt.want)
			t.Log(err)
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.wantIn)) {
				t.Errorf("error %q does not mention %q", err, tt.wantIn)
			}
			if res.Sent != 0 || len(res.Done) != 0 {
				t.Errorf("result = %+v, want nothing reached", res)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server recorded %d messages, want 0", n)
			}
		})
	}
}

func TestSendRetryAfterTemporaryFailure(t *testing.T) {
	srv := smtp.Start(t, smtp.Options{})
	srv.FailNext(1, 451, "try again later")
	c := config(t, srv, `{"sender": "herald@example.com", "recipients": ["ops@example.com"]}`)
	_, err := send(t, srv, c, notify.Message{Subject: "s", Body: "b"})
	wantClass(t, err, notify.ClassTransient)
	if _, err := send(t, srv, c, notify.Message{Subject: "s", Body: "b"}); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server got %d messages, want 1", n)
	}
}

func TestSendConnectionFailures(t *testing.T) {
	tests := []struct {
		name   string
		listen func(t *testing.T) int // returns a port
	}{
		{
			name: "connection refused",
			listen: func(t *testing.T) int {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				port := l.Addr().(*net.TCPAddr).Port
				l.Close() // nothing listens on port any more
				return port
			},
		},
		{
			name: "server never greets",
			listen: func(t *testing.T) int {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Close() })
				go func() {
					for {
						c, err := l.Accept()
						if err != nil {
							return
						}
						t.Cleanup(func() { c.Close() })
					}
				}()
				return l.Addr().(*net.TCPAddr).Port
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := tt.listen(t)
			c, problems := notify.Validate(Spec(), map[string]any{
				"host": "127.0.0.1", "port": float64(port), "sender": "herald@example.com", "recipients": []any{"ops@example.com"},
			})
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			// The attempt's deadline, shorter than the 30 s timeout, bounds the session.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			res, err := Spec().New(notify.Env{Allow: notifytest.Loopback()}).Send(ctx, c, notify.Message{Subject: "s", Body: "b"})
			wantClass(t, err, notify.ClassTransient)
			if res.Sent != 0 {
				t.Errorf("sent = %d, want 0", res.Sent)
			}
		})
	}
	t.Run("config timeout without a deadline", func(t *testing.T) {
		port := tests[1].listen(t)
		c, problems := notify.Validate(Spec(), map[string]any{
			"host": "127.0.0.1", "port": float64(port), "sender": "herald@example.com", "recipients": []any{"ops@example.com"},
			"timeout": float64(1),
		})
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		res, err := Spec().New(notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(), c, notify.Message{Subject: "s", Body: "b"})
		wantClass(t, err, notify.ClassTransient)
		if res.Sent != 0 {
			t.Errorf("sent = %d, want 0", res.Sent)
		}
	})
}

// The SMTP server's address comes from the notifier, so the destination
// guard checks it: loopback without an allow list is refused before any
// connection, plain or implicit TLS.
func TestSendRefusesGuardedDestination(t *testing.T) {
	host, port, accepted := notifytest.Listener(t)
	for _, ssl := range []bool{false, true} {
		c, problems := notify.Validate(Spec(), map[string]any{"host": host, "port": float64(port), "use_ssl": ssl,
			"sender": "herald@example.com", "recipients": []any{"ops@example.com"}})
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		res, err := Spec().New(notify.Env{}).Send(context.Background(), c, notify.Message{Subject: "s", Body: "b"})
		wantClass(t, err, notify.ClassRefused)
		if res.Sent != 0 || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "--allow-destinations") {
			t.Errorf("use_ssl %v: %+v, %v; want the address and the setting named", ssl, res, err)
		}
	}
	if accepted() != 0 {
		t.Errorf("%d connections reached the server", accepted())
	}
}
