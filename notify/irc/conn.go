package irc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// message is one IRC line: "[:prefix] COMMAND params [:trailing]".
type message struct {
	prefix  string
	command string
	params  []string
}

func parse(s string) message {
	var m message
	if strings.HasPrefix(s, "@") { // IRCv3 tags: not asked for, skip if sent
		_, s, _ = strings.Cut(s, " ")
	}
	if strings.HasPrefix(s, ":") {
		m.prefix, s, _ = strings.Cut(s[1:], " ")
	}
	for s != "" {
		if strings.HasPrefix(s, ":") {
			m.params = append(m.params, s[1:])
			break
		}
		var p string
		p, s, _ = strings.Cut(s, " ")
		if p != "" {
			m.params = append(m.params, p)
		}
	}
	if len(m.params) > 0 {
		m.command, m.params = strings.ToUpper(m.params[0]), m.params[1:]
	}
	return m
}

func (m message) param(i int) string {
	if i < len(m.params) {
		return m.params[i]
	}
	return ""
}

// nick is the sender's nick from the prefix.
func (m message) nick() string { n, _, _ := strings.Cut(m.prefix, "!"); return n }

// isError reports an error numeric (4xx, 5xx).
func (m message) isError() bool {
	return len(m.command) == 3 && (m.command[0] == '4' || m.command[0] == '5') &&
		strings.Trim(m.command, "0123456789") == ""
}

func (m message) String() string {
	return strings.TrimSpace(m.command + " " + strings.Join(m.params, " "))
}

// fold is IRC's rfc1459 case mapping: nicks and channels compare without case.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == '[':
			return '{'
		case r == ']':
			return '}'
		case r == '\\':
			return '|'
		case r == '~':
			return '^'
		}
		return r
	}, s)
}

// conn is the line-level connection: it writes commands and reads messages,
// answering the server's PINGs on the way.
type conn struct {
	ctx context.Context
	nc  net.Conn
	r   *bufio.Scanner
}

// maxRead bounds one incoming line (512 bytes plus room for IRCv3 tags).
const maxRead = 8192

func newConn(ctx context.Context, nc net.Conn) *conn {
	sc := bufio.NewScanner(nc)
	sc.Buffer(make([]byte, 1024), maxRead)
	return &conn{ctx: ctx, nc: nc, r: sc}
}

// send writes one command. Callers pass only sanitized parameters; a line
// break here would be a bug, so it is refused rather than sent.
func (c *conn) send(format string, args ...any) error {
	line := fmt.Sprintf(format, args...)
	if !safeParam(line) {
		return fmt.Errorf("refusing to send a command with a line break: %q", line)
	}
	if _, err := c.nc.Write([]byte(line + "\r\n")); err != nil {
		return c.err(err)
	}
	return nil
}

// next returns the next message that is not a PING.
func (c *conn) next() (message, error) {
	for c.r.Scan() {
		m := parse(strings.TrimRight(c.r.Text(), "\r"))
		if m.command == "PING" {
			if err := c.send("PONG :%s", m.param(0)); err != nil {
				return message{}, err
			}
			continue
		}
		return m, nil
	}
	err := c.r.Err()
	if err == nil {
		err = errors.New("connection closed by the server")
	}
	return message{}, c.err(err)
}

// err prefers the context's error: a read cut short by the deadline the
// context set is a timeout, not a network failure.
func (c *conn) err(err error) error {
	if ctxErr := c.ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return err
}
