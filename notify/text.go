package notify

import (
	"fmt"

	"github.com/herald-notify/herald"
)

// CheckNoControl reports a problem when c[key] holds a control character
// (NUL, ESC, CR, LF...): in a host name they would reach the dialer, the
// TLS server name and the logs.
func CheckNoControl(c Config, key string) []string {
	if r, ok := herald.ControlChar(c.String(key)); ok {
		return []string{fmt.Sprintf("Configuration field '%s' must not hold control characters (found U+%04X).", key, r)}
	}
	return nil
}
