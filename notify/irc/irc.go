// Package irc is the IRC notifier: a short-lived bot that connects (plain or
// TLS), registers, sends the subject to each channel and nick, and quits. A
// channel or nick that cannot be reached is not a failure, as in AWX; only
// connectivity, registration and a wrong server password are.
//
// With use_ssl the server's certificate is verified against the service's
// trusted roots (AWX did not verify). For a server with a self-signed
// certificate, add it to the roots, e.g. SSL_CERT_FILE=/path/to/ircd.pem.
package irc

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the IRC type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "irc",
		Label: "IRC",
		Fields: []notify.Field{
			{Key: "server", Kind: notify.String, Required: true, Label: "IRC Server Address"},
			{Key: "port", Kind: notify.Int, Required: true, Label: "IRC Server Port"},
			{Key: "nickname", Kind: notify.String, Required: true, Label: "IRC Nick"},
			{Key: "password", Kind: notify.Password, Default: "", Label: "IRC Server Password"},
			{Key: "use_ssl", Kind: notify.Bool, Default: false, Label: "SSL Connection"},
			{Key: "targets", Kind: notify.List, Required: true, Label: "Destination Channels or Users"},
		},
		Recipients: "targets",
		Check:      check,
		New:        func(env notify.Env) notify.Sender { return &sender{env: env} },
	}
}

// maxNick is the nickname length accepted; many servers allow less (their
// NICKLEN), which they report at registration.
const maxNick = 30

// nickRE is RFC 2812's nickname: a letter or special first, then letters,
// digits, specials and '-'.
var nickRE = regexp.MustCompile(`^[A-Za-z\[\]\\` + "`" + `_^{|}][A-Za-z0-9\[\]\\` + "`" + `_^{|}-]*$`)

func validNick(s string) bool { return len(s) <= maxNick && nickRE.MatchString(s) }

// isChannel reports whether target names a channel rather than a nick.
func isChannel(target string) bool {
	return target != "" && strings.ContainsRune("#&+!", rune(target[0]))
}

// validChannel follows RFC 2812: a prefix, then up to 49 octets other than
// NUL, BEL, CR, LF, space, comma and colon.
func validChannel(s string) bool {
	return isChannel(s) && len(s) >= 2 && len(s) <= 50 && !strings.ContainsAny(s, "\x00\a\r\n ,:")
}

// safeParam reports whether s can be sent as an IRC parameter: a line break
// or NUL would end the command and start another.
func safeParam(s string) bool { return !strings.ContainsAny(s, "\x00\r\n") }

func check(c notify.Config) []string {
	var p []string
	p = append(p, notify.CheckNotEmpty(c, "server")...)
	if s := c.String("server"); strings.ContainsAny(s, " /\x00\r\n") {
		p = append(p, "Configuration field 'server' must be a host name or address.")
	}
	p = append(p, notify.CheckPort(c, "port")...)
	if n := c.String("nickname"); !validNick(n) {
		p = append(p, fmt.Sprintf("Configuration field 'nickname': %q is not a valid IRC nickname (letters, digits and []\\`_^{|}-, not starting with a digit or '-', at most %d characters).", n, maxNick))
	}
	if !safeParam(c.String("password")) {
		p = append(p, "Configuration field 'password' must not contain line breaks or NUL.")
	}
	for _, t := range c.List("targets") {
		if isChannel(t) && !validChannel(t) || !isChannel(t) && !validNick(t) {
			p = append(p, fmt.Sprintf("Configuration field 'targets': %q is not a channel (#name) or a nickname.", t))
		}
	}
	return p
}
