package notify_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/dns"
	"github.com/herald-notify/herald/notify"
)

// countingServer is a receiver on 127.0.0.1 that counts the requests it got.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func allow(t *testing.T, s string) *notify.AllowList {
	t.Helper()
	a, err := notify.ParseAllowList(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A host name that resolves to 127.0.0.1 (through a real DNS server, asked
// at connect time) is refused unless the allow list admits it, by address,
// by name or by suffix.
func TestHTTPClientChecksTheResolvedAddress(t *testing.T) {
	srv, hits := countingServer(t, nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	names := dns.Start(t, map[string][]netip.Addr{"hook.rebind.test": {netip.MustParseAddr("127.0.0.1")}})
	target := "http://hook.rebind.test:" + port + "/hook"

	tests := []struct {
		name, allow string
		admitted    bool
	}{
		{"no allow list", "", false},
		{"another address", "127.0.0.2,10.0.0.0/8", false},
		{"another name", "rebind.test,other.rebind.test", false},
		{"another suffix", ".other.test", false},
		{"the address", "127.0.0.1", true},
		{"a CIDR", "127.0.0.0/8", true},
		{"the name", "hook.rebind.test", true},
		{"a suffix", ".rebind.test", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, queries := hits.Load(), names.Queries()
			env := notify.Env{Allow: allow(t, tt.allow), Resolver: names.Resolver()}
			resp, _, err := notify.PostJSON(context.Background(), env.HTTPClient(false), target, "Herald/test", "Error sending webhook notification", map[string]int{"a": 1})
			if names.Queries() == queries {
				t.Fatal("the name was not resolved through the test's DNS server")
			}
			if tt.admitted {
				if err != nil || resp.StatusCode != 200 || hits.Load() != before+1 {
					t.Fatalf("err %v, hits %d; want delivered", err, hits.Load()-before)
				}
				return
			}
			if hits.Load() != before {
				t.Fatal("the receiver was reached")
			}
			if c, _ := notify.Classify(err); c != notify.ClassRefused {
				t.Fatalf("Classify(%v) = %v, want refused", err, c)
			}
			for _, want := range []string{"Error sending webhook notification", "127.0.0.1", "hook.rebind.test", "loopback", "--allow-destinations"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// Literal addresses, in every spelling that reaches loopback, are checked too.
func TestHTTPClientRefusesLoopbackLiterals(t *testing.T) {
	srv, hits := countingServer(t, nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	client := notify.Env{}.HTTPClient(false)
	for _, host := range []string{"127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "[::1]"} {
		t.Run(host, func(t *testing.T) {
			resp, err := client.Get("http://" + host + ":" + port + "/")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s: %d, want refused", host, resp.StatusCode)
			}
			if _, ok := notify.Refused(err); !ok {
				t.Fatalf("GET %s: %v, want refused", host, err)
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver was reached %d times", hits.Load())
	}
}

// A redirect is answered, not followed: following it could take the
// request past the allow list, to wherever the receiver points.
func TestHTTPClientDoesNotFollowRedirects(t *testing.T) {
	elsewhere, elsewhereHits := countingServer(t, nil)
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/metadata", http.StatusFound)
	})
	env := notify.Env{Allow: allow(t, "127.0.0.1")}
	for _, c := range []*http.Client{env.HTTPClient(false), env.HTTPClient(true)} {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("status %d, want the 302 itself", resp.StatusCode)
		}
	}
	if elsewhereHits.Load() != 0 {
		t.Errorf("the redirect target was reached %d times", elsewhereHits.Load())
	}
}

// The operator's own endpoints (HERALD_SLACK_API_URL...) are trusted as they are.
func TestTrustedHTTPClientIsNotGuarded(t *testing.T) {
	srv, hits := countingServer(t, nil)
	resp, err := notify.Env{}.TrustedHTTPClient().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", hits.Load())
	}
}

// Env.Dial, which e-mail and IRC use, is guarded in the same way.
func TestDialIsGuarded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	names := dns.Start(t, map[string][]netip.Addr{"irc.rebind.test": {netip.MustParseAddr("127.0.0.1")}})

	env := notify.Env{Resolver: names.Resolver()}
	for _, addr := range []string{"irc.rebind.test:" + port, "127.0.0.1:" + port} {
		if c, err := env.Dial(context.Background(), "tcp", addr); err == nil {
			c.Close()
			t.Errorf("Dial %s succeeded, want refused", addr)
		} else if _, ok := notify.Refused(err); !ok {
			t.Errorf("Dial %s: %v, want refused", addr, err)
		}
	}
	if accepted.Load() != 0 {
		t.Fatalf("%d connections reached the listener", accepted.Load())
	}
	env.Allow = allow(t, ".rebind.test")
	c, err := env.Dial(context.Background(), "tcp", "irc.rebind.test:"+port)
	if err != nil {
		t.Fatalf("Dial with the suffix admitted: %v", err)
	}
	c.Close()
}

// BenchmarkDial compares a guarded connection to loopback (admitted) with a
// plain one: the guard's cost per new connection (kept-alive ones pay nothing).
func BenchmarkDial(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	a, err := notify.ParseAllowList("127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	env := notify.Env{Allow: a}
	var plain net.Dialer
	for _, bb := range []struct {
		name string
		dial func(context.Context, string, string) (net.Conn, error)
	}{{"plain", plain.DialContext}, {"guarded", env.Dial}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				c, err := bb.dial(context.Background(), "tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}
