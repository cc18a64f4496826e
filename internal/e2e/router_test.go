package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// router stands where Herald's Env points for a hosted service (Slack,
// PagerDuty, Twilio, Telegram) and passes each request on, unchanged, to the
// fake of the case it belongs to, found by a key the request carries: the
// Slack token, the PagerDuty routing key, the Twilio account SID, the
// Telegram bot token.
type router struct {
	*httptest.Server
	key func(r *http.Request) string

	mu     sync.Mutex
	routes map[string]*httputil.ReverseProxy
}

func newRouter(t *testing.T, key func(r *http.Request) string) *router {
	t.Helper()
	rt := &router{key: key, routes: map[string]*httputil.ReverseProxy{}}
	rt.Server = httptest.NewServer(http.HandlerFunc(rt.serve))
	t.Cleanup(rt.Close)
	return rt
}

// add sends the requests carrying key to the fake at target until the case ends.
func (rt *router) add(t *testing.T, key, target string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.routes[key]; dup {
		t.Fatalf("router: key %q is taken by another case", key)
	}
	rt.routes[key] = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) }}
	t.Cleanup(func() {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		delete(rt.routes, key)
	})
}

func (rt *router) serve(w http.ResponseWriter, r *http.Request) {
	k := rt.key(r)
	rt.mu.Lock()
	p := rt.routes[k]
	rt.mu.Unlock()
	if p == nil {
		http.Error(w, "e2e router: no fake for key "+k, http.StatusBadGateway)
		return
	}
	p.ServeHTTP(w, r)
}

func slackKey(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// pagerdutyKey reads the routing key from the body, and puts the body back.
func pagerdutyKey(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var ev struct {
		RoutingKey string `json:"routing_key"`
	}
	_ = json.Unmarshal(b, &ev)
	return ev.RoutingKey
}

// twilioKey is the account SID in /2010-04-01/Accounts/{sid}/Messages.json.
func twilioKey(r *http.Request) string {
	parts := strings.Split(r.URL.Path, "/")
	if len(parts) > 3 {
		return parts[3]
	}
	return ""
}

// telegramKey is the bot token in /bot{token}/sendMessage.
func telegramKey(r *http.Request) string {
	token, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	return token
}
