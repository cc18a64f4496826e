package irc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald/notify"
)

const errPrefix = "Error sending notification irc"

// sessionTimeout bounds a session when the caller set no deadline (AWX: 60 s).
const sessionTimeout = 60 * time.Second

// nickTries is how many alternative nicknames are tried when one is taken.
const nickTries = 4

type sender struct{ env notify.Env }

// Send delivers the subject to each target not in m.Done. Reached targets
// are returned even with an error, so a retry does not repeat them.
func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	text := sanitize(m.Subject)
	if text == "" {
		return notify.Result{}, notify.Permanentf("%s: the subject is empty", errPrefix)
	}
	targets := pending(c.List("targets"), m.Done)
	if len(targets) == 0 {
		return notify.Result{}, nil
	}
	nick, password := c.String("nickname"), c.String("password")
	if !validNick(nick) || !safeParam(password) {
		return notify.Result{}, notify.Permanentf("%s: invalid nickname or password", errPrefix)
	}
	for _, t := range targets {
		if isChannel(t) && !validChannel(t) || !isChannel(t) && !validNick(t) {
			return notify.Result{}, notify.Permanentf("%s: invalid target %q", errPrefix, t)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sessionTimeout)
		defer cancel()
	}

	nc, err := s.dial(ctx, c)
	if r, ok := notify.Refused(err); ok {
		return notify.Result{}, notify.Permanent(fmt.Errorf("%s: %w", errPrefix, r))
	}
	if err != nil {
		return notify.Result{}, notify.Transient(fmt.Errorf("%s: connect: %w", errPrefix, err), 0)
	}
	defer nc.Close()
	// Blocked reads and writes end when the context does.
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	cn := newConn(ctx, nc)
	me, err := register(cn, nick, password)
	if err != nil {
		return notify.Result{}, err
	}
	reached, err := deliver(cn, me, targets, text)
	res := notify.Result{Sent: len(reached), Done: reached}
	if err != nil {
		return res, notify.Transient(fmt.Errorf("%s: %w", errPrefix, err), 0)
	}
	quit(cn)
	return res, nil
}

// pending drops targets already reached and repeats (IRC names ignore case).
func pending(targets, done []string) []string {
	skip := make(map[string]bool, len(done)+len(targets))
	for _, d := range done {
		skip[fold(d)] = true
	}
	var out []string
	for _, t := range targets {
		if !skip[fold(t)] {
			skip[fold(t)] = true
			out = append(out, t)
		}
	}
	return out
}

func (s *sender) dial(ctx context.Context, c notify.Config) (net.Conn, error) {
	host := c.String("server")
	addr := net.JoinHostPort(host, strconv.FormatInt(c.Int("port"), 10))
	if !c.Bool("use_ssl") {
		return s.env.Dial(ctx, "tcp", addr)
	}
	return s.env.DialTLS(ctx, "tcp", addr, &tls.Config{ServerName: host, RootCAs: s.env.RootCAs, MinVersion: tls.VersionTLS12})
}

// register sends PASS, NICK and USER and waits for the welcome (001),
// trying nick_, nick1, nick2... while the nickname is taken. It returns the
// nickname the server gave.
func register(c *conn, nick, password string) (string, error) {
	if password != "" {
		if err := c.send("PASS :%s", password); err != nil {
			return "", notify.Transient(fmt.Errorf("%s: register: %w", errPrefix, err), 0)
		}
	}
	try := 0
	current := nick
	if err := c.send("NICK %s", current); err != nil {
		return "", notify.Transient(fmt.Errorf("%s: register: %w", errPrefix, err), 0)
	}
	if err := c.send("USER %s 0 * :Herald notifications", nick); err != nil {
		return "", notify.Transient(fmt.Errorf("%s: register: %w", errPrefix, err), 0)
	}
	badPassword := false
	for {
		m, err := c.next()
		if err != nil {
			if badPassword {
				return "", notify.Permanentf("%s: the server refused the password (464)", errPrefix)
			}
			return "", notify.Transient(fmt.Errorf("%s: register: %w", errPrefix, err), 0)
		}
		switch m.command {
		case "001":
			if me := m.param(0); me != "" {
				return me, nil
			}
			return current, nil
		case "433", "436", "437": // in use, collision, temporarily unavailable
			if try == nickTries {
				return "", notify.Transient(fmt.Errorf("%s: nicknames %s to %s are all in use", errPrefix, nick, current), 0)
			}
			try++
			current = altNick(nick, try)
			if err := c.send("NICK %s", current); err != nil {
				return "", notify.Transient(fmt.Errorf("%s: register: %w", errPrefix, err), 0)
			}
		case "432":
			if try > 0 { // the server's NICKLEN is shorter than our alternative
				return "", notify.Transient(fmt.Errorf("%s: nickname %s is in use: %s", errPrefix, nick, m), 0)
			}
			return "", notify.Permanentf("%s: the server refused nickname %q: %s", errPrefix, nick, m)
		case "464":
			badPassword = true // the server closes the link next
		case "465":
			return "", notify.Permanentf("%s: banned from the server: %s", errPrefix, m)
		case "ERROR":
			// Some servers (ngircd) skip 464 and only say so in ERROR.
			if badPassword || strings.Contains(strings.ToLower(m.param(0)), "password") {
				return "", notify.Permanentf("%s: the server refused the password (464): %s", errPrefix, m.param(0))
			}
			return "", notify.Transient(fmt.Errorf("%s: the server closed the link: %s", errPrefix, m.param(0)), 0)
		}
	}
}

// altNick is the try'th alternative: nick_, nick1, nick2..., kept within maxNick.
func altNick(nick string, try int) string {
	suffix := "_"
	if try > 1 {
		suffix = strconv.Itoa(try - 1)
	}
	if len(nick)+len(suffix) > maxNick {
		nick = nick[:maxNick-len(suffix)]
	}
	return nick + suffix
}

// deliver joins each channel and messages each target, then makes a PING
// round trip so the server has answered everything: a target that drew an
// error numeric (401 no such nick, 404 cannot send, 47x cannot join...) was
// not reached. A target written to before the connection broke counts as
// reached: sending it again would be worse than the small chance it was lost.
func deliver(c *conn, me string, targets []string, text string) ([]string, error) {
	var sent []string
	failed := map[string]bool{}
	// record notes an error numeric about a target already messaged.
	record := func(m message) {
		if m.isError() {
			failed[fold(m.param(1))] = true
		}
	}
	reached := func() []string {
		var out []string
		for _, t := range sent {
			if !failed[fold(t)] {
				out = append(out, t)
			}
		}
		return out
	}

	for _, t := range targets {
		if isChannel(t) {
			joined, err := join(c, me, t, record)
			if err != nil {
				return reached(), err
			}
			if !joined {
				continue
			}
		}
		for _, line := range split(text, payloadLimit(me, t)) {
			if err := c.send("PRIVMSG %s :%s", t, line); err != nil {
				return reached(), err
			}
		}
		sent = append(sent, t)
	}

	const token = "herald-done"
	if err := c.send("PING :%s", token); err != nil {
		return reached(), err
	}
	for {
		m, err := c.next()
		if err != nil {
			return reached(), err
		}
		if m.command == "PONG" && m.param(len(m.params)-1) == token {
			return reached(), nil
		}
		record(m)
	}
}

// join sends JOIN and waits until the server confirms it (our JOIN echoed)
// or refuses it (an error numeric naming the channel). Other messages go to
// record.
func join(c *conn, me, channel string, record func(message)) (bool, error) {
	if err := c.send("JOIN %s", channel); err != nil {
		return false, err
	}
	for {
		m, err := c.next()
		if err != nil {
			return false, err
		}
		switch {
		case m.command == "JOIN" && fold(m.nick()) == fold(me) && fold(m.param(0)) == fold(channel):
			return true, nil
		case m.isError() && fold(m.param(1)) == fold(channel):
			return false, nil
		case m.command == "ERROR":
			return false, errors.New("the server closed the link: " + m.param(0))
		}
		record(m)
	}
}

// quit says goodbye and waits briefly for the server to close the link, so
// the nickname is free again for the next notification.
func quit(c *conn) {
	if c.send("QUIT :Herald notification sent") != nil {
		return
	}
	deadline := time.Now().Add(time.Second)
	if dl, ok := c.ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = c.nc.SetReadDeadline(deadline)
	for {
		if _, err := c.next(); err != nil {
			return
		}
	}
}
