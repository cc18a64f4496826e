package ircd

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Privmsg is one message a watcher received.
type Privmsg struct {
	From   string // the sender's nick
	Target string // the channel, or the watcher's nick for a direct message
	Text   string
	Raw    string // the line as relayed, without CRLF
}

// Watcher is a plain IRC client that sits in channels and records every
// PRIVMSG it receives, so tests assert what a real user sees.
type Watcher struct {
	Nick string

	conn   net.Conn
	events chan line
	done   chan struct{}

	mu   sync.Mutex
	msgs []Privmsg
	seq  int
}

// line is one parsed IRC message.
type line struct {
	prefix  string
	command string
	params  []string
}

func (l line) nick() string { n, _, _ := strings.Cut(l.prefix, "!"); return n }

func (l line) param(i int) string {
	if i < len(l.params) {
		return l.params[i]
	}
	return ""
}

// parseLine reads "[:prefix] COMMAND params [:trailing]".
func parseLine(s string) line {
	var l line
	if strings.HasPrefix(s, ":") {
		l.prefix, s, _ = strings.Cut(s[1:], " ")
	}
	for s != "" {
		if strings.HasPrefix(s, ":") {
			l.params = append(l.params, s[1:])
			break
		}
		var p string
		p, s, _ = strings.Cut(s, " ")
		if p != "" {
			l.params = append(l.params, p)
		}
	}
	if len(l.params) > 0 {
		l.command, l.params = strings.ToUpper(l.params[0]), l.params[1:]
	}
	return l
}

// waitTimeout bounds each wait of the watcher; reaching it fails the test.
const waitTimeout = 15 * time.Second

// Watch connects a watcher with nick (on the plain port) and joins channels;
// it returns once it is in all of them.
func (s *Server) Watch(t testing.TB, nick string, channels ...string) *Watcher {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr(), waitTimeout)
	if err != nil {
		t.Fatalf("watcher: %v", err)
	}
	w := &Watcher{Nick: nick, conn: conn, events: make(chan line, 1024), done: make(chan struct{})}
	go w.read()
	t.Cleanup(func() {
		_ = w.send("QUIT :bye")
		conn.Close()
		<-w.done
	})
	if s.Password != "" {
		w.mustSend(t, "PASS "+s.Password)
	}
	w.mustSend(t, "NICK "+nick)
	w.mustSend(t, "USER "+nick+" 0 * :watcher")
	w.waitFor(t, "registration", func(l line) bool {
		if l.command == "433" || l.command == "432" || l.command == "464" {
			t.Fatalf("watcher %s: %s %v", nick, l.command, l.params)
		}
		return l.command == "001"
	})
	for _, ch := range channels {
		w.mustSend(t, "JOIN "+ch)
		w.waitFor(t, "JOIN "+ch, func(l line) bool {
			if len(l.command) == 3 && l.command[0] == '4' && fold(l.param(1)) == fold(ch) {
				t.Fatalf("watcher %s: JOIN %s: %s %v", nick, ch, l.command, l.params)
			}
			return l.command == "366" && fold(l.param(1)) == fold(ch) // end of NAMES: joined
		})
	}
	return w
}

// Messages returns the PRIVMSGs received so far.
func (w *Watcher) Messages() []Privmsg {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Privmsg(nil), w.msgs...)
}

// Sync makes a PING round trip. Anything the server relayed to the watcher
// before Sync was called has been recorded when it returns: the server
// answers in order. Call it after a sender returned, before asserting.
func (w *Watcher) Sync(t testing.TB) {
	t.Helper()
	w.mu.Lock()
	w.seq++
	token := "sync" + strconv.Itoa(w.seq)
	w.mu.Unlock()
	w.mustSend(t, "PING :"+token)
	w.waitFor(t, "PONG "+token, func(l line) bool {
		return l.command == "PONG" && l.param(len(l.params)-1) == token
	})
}

// Say sends text to target as the watcher, e.g. to take a nickname.
func (w *Watcher) Say(t testing.TB, target, text string) {
	t.Helper()
	w.mustSend(t, "PRIVMSG "+target+" :"+text)
}

func (w *Watcher) read() {
	defer close(w.done)
	defer close(w.events)
	sc := bufio.NewScanner(w.conn)
	for sc.Scan() {
		raw := strings.TrimRight(sc.Text(), "\r")
		l := parseLine(raw)
		switch l.command {
		case "PING":
			_ = w.send("PONG :" + l.param(0))
			continue
		case "PRIVMSG":
			w.mu.Lock()
			w.msgs = append(w.msgs, Privmsg{From: l.nick(), Target: l.param(0), Text: l.param(1), Raw: raw})
			w.mu.Unlock()
			continue
		}
		select {
		case w.events <- l:
		default: // nobody waits for this many events; dropping keeps PINGs answered
		}
	}
}

func (w *Watcher) send(s string) error {
	_, err := fmt.Fprintf(w.conn, "%s\r\n", s)
	return err
}

func (w *Watcher) mustSend(t testing.TB, s string) {
	t.Helper()
	if err := w.send(s); err != nil {
		t.Fatalf("watcher %s: send %q: %v", w.Nick, s, err)
	}
}

func (w *Watcher) waitFor(t testing.TB, what string, match func(line) bool) {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-w.events:
			if !ok {
				t.Fatalf("watcher %s: connection closed waiting for %s", w.Nick, what)
			}
			if l.command == "ERROR" {
				t.Fatalf("watcher %s: waiting for %s: ERROR %v", w.Nick, what, l.params)
			}
			if match(l) {
				return
			}
		case <-timer.C:
			t.Fatalf("watcher %s: no %s within %v", w.Nick, what, waitTimeout)
		}
	}
}
