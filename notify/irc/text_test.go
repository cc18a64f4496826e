package irc

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Job #42 'deploy' succeeded", "Job #42 'deploy' succeeded"},
		{"hi\r\nPRIVMSG #x :pwned\r\nQUIT", "hi PRIVMSG #x :pwned QUIT"},
		{"a\rb\nc\x00d", "a b cd"},
		{"\r\n  padded \n", "padded"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"\x02bold\x02 ✓", "\x02bold\x02 ✓"}, // IRC formatting is kept
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		text string
		max  int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"exactly10!", 10, []string{"exactly10!"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"word boundary", 4, []string{"word", "boun", "dary"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ééééé", 5, []string{"éé", "éé", "é"}}, // 2-byte runes are not cut
		{"✓✓✓", 4, []string{"✓", "✓", "✓"}},
		{"a  b", 2, []string{"a ", "b"}},
		{"", 5, nil},
	}
	for _, tt := range tests {
		if got := split(tt.text, tt.max); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("split(%q, %d) = %q, want %q", tt.text, tt.max, got, tt.want)
		}
	}
}

func TestPayloadLimit(t *testing.T) {
	if got := payloadLimit("herald", "#ops"); got != maxPayload {
		t.Errorf("short nick and target: %d, want %d", got, maxPayload)
	}
	nick, target := strings.Repeat("n", maxNick), "#"+strings.Repeat("c", 49)
	limit := payloadLimit(nick, target)
	relayed := ":" + nick + "!~" + nick + "@" + strings.Repeat("h", maxHost) + " PRIVMSG " + target + " :" + strings.Repeat("x", limit) + "\r\n"
	if len(relayed) > maxLine {
		t.Errorf("longest relayed line is %d bytes, over %d", len(relayed), maxLine)
	}
}

// checkSplit asserts the lines fit, are valid UTF-8 and rebuild text, with at
// most one space dropped between two lines (or at the end).
func checkSplit(t *testing.T, text string, max int, lines []string) {
	t.Helper()
	pos := 0
	for i, l := range lines {
		if len(l) > max || l == "" {
			t.Fatalf("line %d is %d bytes (max %d): %q", i, len(l), max, l)
		}
		if utf8.ValidString(text) && !utf8.ValidString(l) {
			t.Fatalf("line %d cuts a rune: %q", i, l)
		}
		if !strings.HasPrefix(text[pos:], l) {
			t.Fatalf("line %d %q does not continue the text at %d", i, l, pos)
		}
		pos += len(l)
		if i+1 < len(lines) && !strings.HasPrefix(text[pos:], lines[i+1]) {
			if text[pos] != ' ' {
				t.Fatalf("between lines %d and %d, %q was lost", i, i+1, text[pos])
			}
			pos++
		}
	}
	if pos == len(text)-1 && text[pos] == ' ' {
		pos++ // a trailing space may go with the last split
	}
	if pos != len(text) {
		t.Fatalf("lines cover %d of %d bytes", pos, len(text))
	}
}

func TestSplitLongSubject(t *testing.T) {
	text := strings.Repeat("Déploiement réussi ✓ sur hôte-42; ", 60)
	text = strings.TrimSpace(text)
	lines := split(text, maxPayload)
	if len(lines) < 5 {
		t.Fatalf("%d lines for %d bytes", len(lines), len(text))
	}
	checkSplit(t, text, maxPayload, lines)
	if got := strings.Join(lines, " "); got != text {
		t.Fatalf("split at spaces only should rejoin with spaces")
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("one two three four five", 7)
	f.Add("ééééé✓✓ a", 4)
	f.Add("  lead and trail  ", 3)
	f.Fuzz(func(t *testing.T, text string, max int) {
		if max < 4 || max > 600 {
			return // a rune is up to 4 bytes; payload limits are far above that
		}
		checkSplit(t, text, max, split(text, max))
	})
}
