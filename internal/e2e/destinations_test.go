package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/internal/testpeer/dns"
	"github.com/herald-notify/herald/notify"
)

// A Herald started without --allow-destinations refuses a webhook to
// 127.0.0.1, given as an address or as a name that resolves to it: the
// notification fails at the first attempt, its error names the address and
// the setting, and the receiver is never reached.
func TestDestinationGuard(t *testing.T) {
	names := dns.Start(t, map[string][]netip.Addr{"hooks.rebind.test": {netip.MustParseAddr("127.0.0.1")}})
	none, err := notify.ParseAllowList("")
	if err != nil {
		t.Fatal(err)
	}
	s := heraldtest.Start(t, heraldtest.Options{Env: notify.Env{Allow: none, Resolver: names.Resolver()}})
	org := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	rc := newReceiver(t)
	_, port, _ := net.SplitHostPort(rc.Listener.Addr().String())

	for _, tt := range []struct{ name, url, want string }{
		{"address", "https://127.0.0.1:" + port + "/hook", "destination 127.0.0.1 refused: loopback address"},
		{"name resolving to loopback", "https://hooks.rebind.test:" + port + "/hook", "destination 127.0.0.1 (hooks.rebind.test) refused: loopback address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
				"name": tt.name, "organization": org, "notification_type": "webhook",
				"notification_configuration": map[string]any{"url": tt.url},
			}))
			note := s.Must(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", n), nil)
			got := s.WaitNotification(int64(num(note["notification"])), wait)
			check(t, got, outcome{status: "failed", attempts: 1, sent: 0, error: tt.want})
			if errText, _ := got["error"].(string); !strings.Contains(errText, "--allow-destinations") {
				t.Errorf("error %q does not name --allow-destinations", errText)
			}
		})
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the receiver got %d requests, want none", n)
	}
}
