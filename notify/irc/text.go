package irc

import (
	"strings"
	"unicode/utf8"
)

// lineBreaks turns the characters that end an IRC command into spaces (or
// nothing, for NUL), so a subject can never inject a command of its own.
var lineBreaks = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\x00", "")

// sanitize makes the subject one line of valid UTF-8.
func sanitize(s string) string {
	return strings.TrimSpace(lineBreaks.Replace(strings.ToValidUTF8(s, "\uFFFD")))
}

// IRC's limit is 512 bytes per line including CRLF, and the server prefixes
// what it relays with ":nick!user@host"; payload leaves room for that.
const (
	maxLine    = 512
	maxHost    = 63
	maxPayload = 400
)

// payloadLimit is the most bytes of text per PRIVMSG to target from nick so
// the line the server relays stays within 512 bytes.
func payloadLimit(nick, target string) int {
	// ":" nick "!~" user "@" host " PRIVMSG " target " :" text "\r\n"; the
	// username is the nick (see register), so it is at most as long.
	relayed := 1 + len(nick) + 2 + len(nick) + 1 + maxHost + len(" PRIVMSG ") + len(target) + len(" :") + 2
	return min(maxPayload, maxLine-relayed)
}

// split cuts text into lines of at most max bytes, at a space when there is
// one (the space is dropped), else at a rune boundary; nothing is lost.
func split(text string, max int) []string {
	var lines []string
	for len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		if cut == 0 { // a rune longer than max: cannot happen with max ≥ 4
			cut = max
		}
		if i := strings.LastIndexByte(text[:cut+1], ' '); i > 0 {
			lines = append(lines, text[:i])
			text = text[i+1:]
			continue
		}
		lines = append(lines, text[:cut])
		text = text[cut:]
	}
	if text != "" {
		lines = append(lines, text)
	}
	return lines
}
