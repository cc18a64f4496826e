package herald

import "fmt"

// ControlChar returns the first control character in s (C0 such as NUL,
// ESC, CR and LF, DEL, or C1), which no name or host may hold: they forge
// log lines, cut strings in C code and hide text on terminals.
func ControlChar(s string) (rune, bool) {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return r, true
		}
	}
	return 0, false
}

// ControlCharProblem is the message for a field holding control
// character r, "" when s holds none.
func ControlCharProblem(s string) string {
	r, ok := ControlChar(s)
	if !ok {
		return ""
	}
	return fmt.Sprintf("Control characters are not allowed (found U+%04X).", r)
}
