package e2e

import (
	"io"
	"net"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/ircd"
)

var _ = register("irc", testIRC)

const ircPassword = "irc-e2e-secret"

func ircConfig(s *ircd.Server, port int, nick, password string, targets ...string) map[string]any {
	return map[string]any{"server": s.Host, "port": port, "nickname": nick, "password": password, "targets": targets}
}

// seen returns what a watcher received (without the raw lines), in a fixed order.
func seen(t *testing.T, w *ircd.Watcher) []ircd.Privmsg {
	t.Helper()
	w.Sync(t)
	got := w.Messages()
	for i := range got {
		got[i].Raw = ""
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Target < got[j].Target })
	return got
}

// testIRC runs its cases on one ngircd, which wants a password: the bot
// only gets in with the decrypted one.
func testIRC(t *testing.T, w *world) {
	s := ircd.Start(t, ircd.WithPassword(ircPassword))

	t.Run("success to a channel and a nick", func(t *testing.T) {
		t.Parallel()
		watcher := s.Watch(t, "w_ok", "#e2e-ok")
		sc := w.scene(t)
		// A nick nobody uses is not reached, and does not fail the notification.
		note, job, notifier := sc.run("irc", ircConfig(s, s.Port, "herald_ok", ircPassword, "#e2e-ok", "w_ok", "nobody_here"),
			"notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 2})
		sc.checkEncrypted(notifier, "password")
		subj := subject(job, t.Name(), "succeeded")
		want := []ircd.Privmsg{
			{From: "herald_ok", Target: "#e2e-ok", Text: subj},
			{From: "herald_ok", Target: "w_ok", Text: subj},
		}
		if got := seen(t, watcher); !reflect.DeepEqual(got, want) {
			t.Errorf("the watcher saw %+v, want %+v", got, want)
		}
	})

	t.Run("wrong password fails", func(t *testing.T) {
		t.Parallel()
		watcher := s.Watch(t, "w_pass", "#e2e-pass")
		note, _, _ := w.scene(t).run("irc", ircConfig(s, s.Port, "herald_pass", "not-the-password", "#e2e-pass"), "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "464"})
		if got := seen(t, watcher); len(got) != 0 {
			t.Errorf("the watcher saw %+v, want nothing", got)
		}
	})

	t.Run("dropped connection then delivered", func(t *testing.T) {
		t.Parallel()
		watcher := s.Watch(t, "w_drop", "#e2e-drop")
		port := flakyProxy(t, s.Addr())
		note, job, _ := w.scene(t).run("irc", ircConfig(s, port, "herald_drop", ircPassword, "#e2e-drop"), "notifiers_any", "successful")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		want := []ircd.Privmsg{{From: "herald_drop", Target: "#e2e-drop", Text: subject(job, t.Name(), "succeeded")}}
		if got := seen(t, watcher); !reflect.DeepEqual(got, want) {
			t.Errorf("the watcher saw %+v, want %+v", got, want)
		}
	})
}

// flakyProxy listens on a loopback port and forwards connections to addr,
// except the first, which it closes at once: a server that drops the link.
func flakyProxy(t *testing.T, addr string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		defer mu.Unlock()
		open = append(open, c)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for first := true; ; first = false {
			in, err := l.Accept()
			if err != nil {
				return
			}
			if first {
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().(*net.TCPAddr).Port
}
