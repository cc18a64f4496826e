package message

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer cuts a template into text and the tokens of its tags, as
// Jinja's default syntax: {{ expr }}, {% stmt %}, {# comment #}, a '-'
// inside a delimiter trimming the whitespace on that side, and
// {% raw %}…{% endraw %} kept as text.

type tokKind int

const (
	tkText       tokKind = iota
	tkVarBegin           // {{
	tkVarEnd             // }}
	tkBlockBegin         // {%
	tkBlockEnd           // %}
	tkName
	tkInt
	tkFloat
	tkString
	tkOp
	tkEOF
)

type token struct {
	kind tokKind
	val  string // text, name, operator or decoded string
	num  any    // int64 or float64 for numbers
	line int
}

func (t token) String() string {
	switch t.kind {
	case tkEOF:
		return "end of template"
	case tkVarEnd:
		return "'}}'"
	case tkBlockEnd:
		return "'%}'"
	case tkString:
		return strconv.Quote(t.val)
	}
	return "'" + t.val + "'"
}

// syntaxError is a template that cannot be parsed.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

var newlines = regexp.MustCompile(`\r\n|\r|\n`)

// normalize turns every line break into \n and drops one trailing line
// break, as Jinja does (newline_sequence, keep_trailing_newline=False).
func normalize(src string) string {
	src = newlines.ReplaceAllLiteralString(src, "\n")
	return strings.TrimSuffix(src, "\n")
}

type lexer struct {
	src  string
	pos  int
	line int
	toks []token
}

// lex tokenizes src; it never recurses, so its cost is linear in the source.
func lex(src string) ([]token, error) {
	l := &lexer{src: normalize(src), line: 1}
	if err := l.run(); err != nil {
		return nil, err
	}
	return l.toks, nil
}

func (l *lexer) fail(format string, args ...any) error {
	return &syntaxError{line: l.line, msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) emit(kind tokKind, val string) {
	l.toks = append(l.toks, token{kind: kind, val: val, line: l.line})
}

// text adds template text, trimming its trailing whitespace when the next
// tag asks for it ('{%-').
func (l *lexer) text(s string, trimRight bool) {
	if trimRight {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	if s != "" {
		l.emit(tkText, s)
	}
}

var rawBlock = regexp.MustCompile(`^\{%(-?)\s*raw\s*(-?)%\}`)
var endRaw = regexp.MustCompile(`\{%(-?)\s*endraw\s*(-?)%\}`)

func (l *lexer) run() error {
	trimLeft := false // the previous tag ended with '-'
	for {
		rest := l.src[l.pos:]
		i := nextTag(rest)
		if i < 0 {
			if trimLeft {
				rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
			}
			l.text(rest, false)
			l.emit(tkEOF, "")
			return nil
		}
		text := rest[:i]
		if trimLeft {
			text = strings.TrimLeftFunc(text, unicode.IsSpace)
		}
		trimRight := i+2 < len(rest) && rest[i+2] == '-'
		l.text(text, trimRight)
		l.line += strings.Count(rest[:i], "\n")
		l.pos += i
		rest = l.src[l.pos:]
		switch rest[1] {
		case '#':
			end := strings.Index(rest[2:], "#}")
			if end < 0 {
				return l.fail("comment is not closed")
			}
			body := rest[2 : 2+end]
			trimLeft = strings.HasSuffix(body, "-")
			l.line += strings.Count(body, "\n")
			l.pos += 2 + end + 2
			continue
		case '%':
			if m := rawBlock.FindStringSubmatch(rest); m != nil {
				after := rest[len(m[0]):]
				loc := endRaw.FindStringSubmatchIndex(after)
				if loc == nil {
					return l.fail("raw block is not closed")
				}
				body := after[:loc[0]]
				if m[2] == "-" {
					body = strings.TrimLeftFunc(body, unicode.IsSpace)
				}
				l.text(body, loc[3] > loc[2])
				trimLeft = loc[5] > loc[4]
				l.line += strings.Count(rest[:len(m[0])+loc[1]], "\n")
				l.pos += len(m[0]) + loc[1]
				continue
			}
			l.emit(tkBlockBegin, "{%")
		case '{':
			l.emit(tkVarBegin, "{{")
		}
		l.pos += 2
		if trimRight {
			l.pos++
		}
		var err error
		if trimLeft, err = l.tag(rest[1] == '%'); err != nil {
			return err
		}
	}
}

// nextTag is the offset of the next '{{', '{%' or '{#', or -1.
func nextTag(s string) int {
	off := 0
	for {
		i := strings.IndexByte(s[off:], '{')
		if i < 0 || off+i+1 >= len(s) {
			return -1
		}
		switch s[off+i+1] {
		case '{', '%', '#':
			return off + i
		}
		off += i + 1
	}
}

// operators, longest first so '**' wins over '*'.
var operators = []string{"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=",
	"(", ")", "[", "]", "{", "}", ",", ".", ":", "|"}

// tag tokenizes the inside of one tag up to its end; it reports whether
// the end asked to trim the following text ('-%}').
func (l *lexer) tag(block bool) (trimLeft bool, err error) {
	end, endKind := "}}", tkVarEnd
	if block {
		end, endKind = "%}", tkBlockEnd
	}
	depth := 0 // open brackets: a '}}' inside a dict literal does not end the tag
	for {
		for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
			if l.src[l.pos] == '\n' {
				l.line++
			}
			l.pos++
		}
		rest := l.src[l.pos:]
		if rest == "" {
			return false, l.fail("tag is not closed, expected %s", end)
		}
		if depth == 0 {
			if strings.HasPrefix(rest, "-"+end) {
				l.emit(endKind, end)
				l.pos += 3
				return true, nil
			}
			if strings.HasPrefix(rest, end) {
				l.emit(endKind, end)
				l.pos += 2
				return false, nil
			}
		}
		c := rest[0]
		switch {
		case c == '\'' || c == '"':
			s, n, err := l.stringLit(rest)
			if err != nil {
				return false, err
			}
			l.emit(tkString, s)
			l.pos += n
		case c >= '0' && c <= '9':
			n := l.number(rest)
			if n < 0 {
				return false, l.fail("bad number %q", rest[:min(len(rest), 20)])
			}
			l.pos += n
		case c == '_' || isLetter(c) || c >= utf8.RuneSelf:
			n := 0
			for n < len(rest) && (rest[n] == '_' || isLetter(rest[n]) || (rest[n] >= '0' && rest[n] <= '9')) {
				n++
			}
			if n == 0 {
				r, _ := utf8.DecodeRuneInString(rest)
				return false, l.fail("unexpected character %q", r)
			}
			l.emit(tkName, rest[:n])
			l.pos += n
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(rest, o) {
					op = o
					break
				}
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(rest)
				return false, l.fail("unexpected character %q", r)
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth = max(depth-1, 0)
			}
			l.emit(tkOp, op)
			l.pos += len(op)
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

var numberRE = regexp.MustCompile(`^[0-9](?:_?[0-9])*(\.[0-9](?:_?[0-9])*)?([eE][+-]?[0-9]+)?`)

// number lexes an integer or a float, as Jinja (underscores allowed).
func (l *lexer) number(s string) int {
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	text := strings.ReplaceAll(m[0], "_", "")
	if m[1] == "" && m[2] == "" {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return -1
		}
		l.toks = append(l.toks, token{kind: tkInt, val: m[0], num: n, line: l.line})
		return len(m[0])
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return -1
	}
	l.toks = append(l.toks, token{kind: tkFloat, val: m[0], num: f, line: l.line})
	return len(m[0])
}

// stringLit decodes a quoted string with Python's common escapes.
func (l *lexer) stringLit(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\n':
			l.line++
			b.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '\'', '"':
				b.WriteByte(s[i])
			case '\n':
				l.line++
			case '0':
				b.WriteByte(0)
			case 'x', 'u':
				n := 2
				if s[i] == 'u' {
					n = 4
				}
				r, err := strconv.ParseUint(s[i+1:min(i+1+n, len(s))], 16, 32)
				if err != nil || i+1+n > len(s) {
					return "", 0, l.fail("bad \\%c escape in a string", s[i])
				}
				b.WriteRune(rune(r))
				i += n
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, l.fail("string is not closed")
}
