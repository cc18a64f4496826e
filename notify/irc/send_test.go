package irc

import (
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/ircd"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

// cfg is a validated configuration for srv's plain port (TLS port with useSSL).
func cfg(t *testing.T, srv *ircd.Server, useSSL bool, nick string, targets ...string) notify.Config {
	t.Helper()
	port := srv.Port
	if useSSL {
		port = srv.TLSPort
	}
	list := make([]any, len(targets))
	for i, x := range targets {
		list[i] = x
	}
	c, problems := notify.Validate(Spec(), map[string]any{
		"server": srv.Host, "port": float64(port), "nickname": nick, "use_ssl": useSSL,
		"password": srv.Password, "targets": list,
	})
	if len(problems) > 0 {
		t.Fatalf("config problems: %v", problems)
	}
	return c
}

// send runs one attempt trusting srv's certificate.
func send(t *testing.T, srv *ircd.Server, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Spec().New(notify.Env{Allow: notifytest.Loopback(), RootCAs: srv.CertPool}).Send(ctx, c, m)
}

// seen returns what w received, without the raw lines.
func seen(w *ircd.Watcher) []ircd.Privmsg {
	got := w.Messages()
	for i := range got {
		got[i].Raw = ""
	}
	return got
}

func TestSendChannelAndNick(t *testing.T) {
	t.Parallel()
	for _, useSSL := range []bool{false, true} {
		name := "plain"
		if useSSL {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := ircd.Start(t)
			w := srv.Watch(t, "watcher", "#awx")
			subject := "Job #42 'deploy' succeeded ✓"
			res, err := send(t, srv, cfg(t, srv, useSSL, "herald", "#awx", "watcher"), notify.Message{Subject: subject})
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if want := (notify.Result{Sent: 2, Done: []string{"#awx", "watcher"}}); !reflect.DeepEqual(res, want) {
				t.Fatalf("result = %+v, want %+v", res, want)
			}
			w.Sync(t)
			want := []ircd.Privmsg{
				{From: "herald", Target: "#awx", Text: subject},
				{From: "herald", Target: "watcher", Text: subject},
			}
			if got := seen(w); !reflect.DeepEqual(got, want) {
				t.Fatalf("watcher saw %+v, want %+v", got, want)
			}
		})
	}
}

func TestSendUnreachableTargetsDoNotFail(t *testing.T) {
	t.Parallel()
	srv := ircd.Start(t, ircd.WithChannel("#locked", "sesame"))
	w := srv.Watch(t, "watcher", "#awx")
	res, err := send(t, srv, cfg(t, srv, false, "herald", "nobody", "#locked", "#awx"), notify.Message{Subject: "hello"})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if want := (notify.Result{Sent: 1, Done: []string{"#awx"}}); !reflect.DeepEqual(res, want) {
		t.Fatalf("result = %+v, want %+v (nobody and #locked not counted)", res, want)
	}
	w.Sync(t)
	if got, want := seen(w), []ircd.Privmsg{{From: "herald", Target: "#awx", Text: "hello"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("watcher saw %+v, want %+v", got, want)
	}
}

func TestSendNicknameInUse(t *testing.T) {
	t.Parallel()
	srv := ircd.Start(t)
	w := srv.Watch(t, "herald", "#awx") // holds the notifier's nickname
	res, err := send(t, srv, cfg(t, srv, false, "herald", "#awx"), notify.Message{Subject: "hello"})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if res.Sent != 1 {
		t.Fatalf("sent = %d, want 1", res.Sent)
	}
	w.Sync(t)
	if got, want := seen(w), []ircd.Privmsg{{From: "herald_", Target: "#awx", Text: "hello"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("watcher saw %+v, want %+v", got, want)
	}
}

func TestSendInjectionArrivesAsOneLine(t *testing.T) {
	t.Parallel()
	srv := ircd.Start(t)
	w := srv.Watch(t, "watcher", "#awx", "#other")
	subject := "failed\r\nPRIVMSG #other :pwned\r\nQUIT :bye\x00"
	if _, err := send(t, srv, cfg(t, srv, false, "herald", "#awx"), notify.Message{Subject: subject}); err != nil {
		t.Fatalf("send: %v", err)
	}
	w.Sync(t)
	want := []ircd.Privmsg{{From: "herald", Target: "#awx", Text: "failed PRIVMSG #other :pwned QUIT :bye"}}
	if got := seen(w); !reflect.DeepEqual(got, want) {
		t.Fatalf("watcher saw %+v, want %+v", got, want)
	}
}

func TestSendLongSubjectIsSplit(t *testing.T) {
	t.Parallel()
	// With ngircd's flood control on, as in production: the lines are throttled, not lost.
	srv := ircd.Start(t, ircd.WithFloodControl())
	w := srv.Watch(t, "watcher", "#awx")
	subject := strings.TrimSpace(strings.Repeat("Déploiement réussi ✓ sur hôte-42; ", 30)) // about 1 KB
	nick := "herald-notifier-with-long-nick"                                               // 30, the longest allowed
	if _, err := send(t, srv, cfg(t, srv, false, nick, "#awx"), notify.Message{Subject: subject}); err != nil {
		t.Fatalf("send: %v", err)
	}
	w.Sync(t)
	got := w.Messages()
	if len(got) < 3 {
		t.Fatalf("watcher saw %d lines, want the subject split over 3 or more", len(got))
	}
	texts := make([]string, len(got))
	for i, m := range got {
		if m.From != nick || m.Target != "#awx" {
			t.Errorf("line %d from %q to %q", i, m.From, m.Target)
		}
		if len(m.Raw)+2 > 512 {
			t.Errorf("line %d is %d bytes with CRLF, over IRC's 512", i, len(m.Raw)+2)
		}
		texts[i] = m.Text
	}
	// Split at spaces only, so no word is cut and rejoining gives the subject.
	if joined := strings.Join(texts, " "); joined != subject {
		t.Fatalf("rejoined lines differ from the subject:\n%q\n%q", joined, subject)
	}
}

func TestSendSkipsDoneTargets(t *testing.T) {
	t.Parallel()
	srv := ircd.Start(t)
	w := srv.Watch(t, "watcher", "#awx")
	res, err := send(t, srv, cfg(t, srv, false, "herald", "#awx", "watcher"), notify.Message{Subject: "again", Done: []string{"#awx"}})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if want := (notify.Result{Sent: 1, Done: []string{"watcher"}}); !reflect.DeepEqual(res, want) {
		t.Fatalf("result = %+v, want %+v", res, want)
	}
	w.Sync(t)
	if got, want := seen(w), []ircd.Privmsg{{From: "herald", Target: "watcher", Text: "again"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("watcher saw %+v, want %+v", got, want)
	}
}

func TestSendServerPassword(t *testing.T) {
	t.Parallel()
	srv := ircd.Start(t, ircd.WithPassword("s3cret"))
	w := srv.Watch(t, "watcher")

	if _, err := send(t, srv, cfg(t, srv, false, "herald", "watcher"), notify.Message{Subject: "with password"}); err != nil {
		t.Fatalf("right password: %v", err)
	}
	c := cfg(t, srv, false, "intruder", "watcher")
	c["password"] = "wrong"
	res, err := send(t, srv, c, notify.Message{Subject: "should not arrive"})
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassPermanent {
		t.Fatalf("wrong password: err %v, want permanent", err)
	}
	if res.Sent != 0 {
		t.Errorf("sent = %d with a wrong password", res.Sent)
	}
	w.Sync(t)
	if got, want := seen(w), []ircd.Privmsg{{From: "herald", Target: "watcher", Text: "with password"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("watcher saw %+v, want %+v", got, want)
	}
}

func TestSendConnectivityFailuresAreTransient(t *testing.T) {
	t.Parallel()
	closedPort := func(t *testing.T) int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	silentPort := func(t *testing.T) int { // accepts, never answers
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
	}
	tests := []struct {
		name   string
		port   func(t *testing.T) int
		useSSL bool
	}{
		{"connection refused", closedPort, false},
		{"no answer until the deadline", silentPort, false},
		{"TLS to a silent server", silentPort, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, problems := notify.Validate(Spec(), map[string]any{
				"server": "127.0.0.1", "port": float64(tt.port(t)), "nickname": "herald", "use_ssl": tt.useSSL, "targets": []any{"#awx"},
			})
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			res, err := Spec().New(notify.Env{Allow: notifytest.Loopback()}).Send(ctx, c, notify.Message{Subject: "hello"})
			if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
				t.Fatalf("err %v, want transient", err)
			}
			if res.Sent != 0 {
				t.Errorf("sent = %d", res.Sent)
			}
		})
	}
}

func TestSendUntrustedCertificateFails(t *testing.T) {
	t.Parallel()
	srv := ircd.Start(t)
	c := cfg(t, srv, true, "herald", "#awx")
	// The system roots do not know the test server's self-signed certificate.
	res, err := Spec().New(notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(), c, notify.Message{Subject: "hello"})
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err %v, want a transient certificate error", err)
	}
	if res.Sent != 0 {
		t.Errorf("sent = %d", res.Sent)
	}
}

func TestSendEmptySubject(t *testing.T) {
	res, err := Spec().New(notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(),
		notify.Config{"server": "127.0.0.1", "port": int64(1), "nickname": "herald", "targets": []string{"#awx"}},
		notify.Message{Subject: " \r\n "})
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassPermanent || res.Sent != 0 {
		t.Fatalf("result %+v, err %v; want a permanent error before connecting", res, err)
	}
}

// The IRC server's address comes from the notifier: the destination guard
// refuses loopback without an allow list, before connecting.
func TestSendRefusesGuardedDestination(t *testing.T) {
	host, port, accepted := notifytest.Listener(t)
	for _, ssl := range []bool{false, true} {
		c, problems := notify.Validate(Spec(), map[string]any{
			"server": host, "port": float64(port), "nickname": "herald", "use_ssl": ssl, "targets": []any{"#awx"},
		})
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		res, err := Spec().New(notify.Env{}).Send(context.Background(), c, notify.Message{Subject: "hello"})
		if class, _ := notify.Classify(err); class != notify.ClassRefused || res.Sent != 0 ||
			!strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "--allow-destinations") {
			t.Errorf("use_ssl %v: %+v, %v (class %v); want refused, naming the address and the setting", ssl, res, err, class)
		}
	}
	if accepted() != 0 {
		t.Errorf("%d connections reached the server", accepted())
	}
}
