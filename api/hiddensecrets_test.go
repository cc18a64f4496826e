package api_test

// Secrets outside the 🔒 fields (issue 16): webhook header values, URL
// passwords, PagerDuty's routing key and Mattermost / Rocket.Chat hook URLs
// are encrypted at rest, never copied into recipients or errors, and kept
// when a client sends "$encrypted$" back or leaves them out.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// headerSink records the headers and basic auth of each request.
type headerSink struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []http.Header
}

func newHeaderSink(t *testing.T) *headerSink {
	t.Helper()
	h := &headerSink{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.reqs = append(h.reqs, r.Header.Clone())
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// sendTest sends a test notification and returns the headers that arrived.
func (h *headerSink) sendTest(t *testing.T, s *heraldtest.Server, id int64) http.Header {
	t.Helper()
	h.mu.Lock()
	n := len(h.reqs)
	h.mu.Unlock()
	if got := nfTest(t, s, id); got["status"] != "successful" {
		t.Fatalf("test notification: %v", got)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.reqs) != n+1 {
		t.Fatalf("%d requests arrived, want 1", len(h.reqs)-n)
	}
	return h.reqs[n]
}

func withUserinfo(rawURL, user, password string) string {
	return strings.Replace(rawURL, "://", "://"+user+":"+password+"@", 1)
}

func TestHiddenSecrets(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "herald.db")
	s := heraldtest.Start(t, heraldtest.Options{DatabaseURL: "sqlite:" + dbPath})
	nfWarm(t, s)
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Hidden"})
	sink := newHeaderSink(t)
	const bearer, apiKey, urlPW = secretMark + "bearer", secretMark + "api-key", secretMark + "url-pw"

	hook := nfNotifier(t, s, org, plainMark+"hook", "webhook", map[string]any{
		"url":     withUserinfo(sink.URL+"/hook", "hookuser", urlPW),
		"headers": map[string]any{"Authorization": "Bearer " + bearer, "X-Api-Key": apiKey, "X-Plain": ""},
	})
	path := fmt.Sprintf("/api/v1/notifiers/%d/", hook)

	t.Run("shown hidden", func(t *testing.T) {
		r := s.Do("GET", path, nil)
		if bytes.Contains(r.Body, []byte(secretMark)) {
			t.Fatalf("the answer shows a secret: %s", r.Body)
		}
		c := r.JSON()["notification_configuration"].(map[string]any)
		h := c["headers"].(map[string]any)
		if h["Authorization"] != "$encrypted$" || h["X-Api-Key"] != "$encrypted$" || h["X-Plain"] != "" {
			t.Errorf("headers shown as %v", h)
		}
		if want := withUserinfo(sink.URL+"/hook", "hookuser", "$encrypted$"); c["url"] != want {
			t.Errorf("url shown as %v, want %s", c["url"], want)
		}
	})
	t.Run("sent, and recorded without credentials", func(t *testing.T) {
		got := sink.sendTest(t, s, hook)
		if got.Get("Authorization") != "Bearer "+bearer || got.Get("X-Api-Key") != apiKey {
			t.Errorf("headers sent: %v", got)
		}
		list := s.Do("GET", fmt.Sprintf("/api/v1/notifiers/%d/notifications/", hook), nil)
		if list.Status != http.StatusOK || bytes.Contains(list.Body, []byte(secretMark)) || bytes.Contains(list.Body, []byte("hookuser")) {
			t.Errorf("notifications show a credential: %d %s", list.Status, list.Body)
		}
		if !bytes.Contains(list.Body, []byte(`"recipients":"`+sink.URL+`/hook"`)) {
			t.Errorf("recipients is not the URL without user info: %s", list.Body)
		}
	})
	t.Run("kept when left out or sent back, per header", func(t *testing.T) {
		// A PATCH that leaves out headers (and the URL) keeps them.
		nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_configuration": map[string]any{"http_method": "PUT"}})
		got := sink.sendTest(t, s, hook)
		if got.Get("Authorization") != "Bearer "+bearer || got.Get("X-Api-Key") != apiKey {
			t.Fatalf("after a PATCH without headers: %v", got)
		}
		// "$encrypted$" keeps one header, a new value replaces another, one left out is gone.
		nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_configuration": map[string]any{
			"url":     withUserinfo(sink.URL+"/hook2", "hookuser", "$encrypted$"),
			"headers": map[string]any{"Authorization": "$encrypted$", "X-New": "new"},
		}})
		got = sink.sendTest(t, s, hook)
		if got.Get("Authorization") != "Bearer "+bearer || got.Get("X-New") != "new" || got.Get("X-Api-Key") != "" {
			t.Errorf("after keeping one header: %v", got)
		}
		shown := nfMust(t, s, http.StatusOK, "GET", path, nil)["notification_configuration"].(map[string]any)
		if want := withUserinfo(sink.URL+"/hook2", "hookuser", "$encrypted$"); shown["url"] != want {
			t.Errorf("url after keeping its password: %v, want %s", shown["url"], want)
		}
		// A header that was never stored cannot be kept.
		p := nfProblems(t, s.Do("PATCH", path, map[string]any{"notification_configuration": map[string]any{"headers": map[string]any{"X-Api-Key": "$encrypted$"}}}), "notification_configuration")
		if len(p) != 1 || !strings.Contains(p[0], "X-Api-Key") {
			t.Errorf("keeping a header never stored: %q", p)
		}
	})
	t.Run("URL password kept and sent", func(t *testing.T) {
		// The webhook's password field is empty: the URL's user info is the basic auth.
		pw := nfNotifier(t, s, org, plainMark+"urlpw", "webhook", map[string]any{"url": withUserinfo(sink.URL+"/pw", "u", urlPW)})
		nfMust(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", pw), map[string]any{"notification_configuration": map[string]any{
			"url": withUserinfo(sink.URL+"/pw2", "u", "$encrypted$"),
		}})
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth("u", urlPW)
		if got := sink.sendTest(t, s, pw); got.Get("Authorization") != req.Header.Get("Authorization") {
			t.Errorf("basic auth sent %q, want the URL's kept password", got.Get("Authorization"))
		}
	})

	keys := map[string]map[string]any{
		"pagerduty":  {"service_key": secretMark + "routing-key", "client_name": "herald"},
		"mattermost": {"mattermost_url": "http://127.0.0.1:1/hooks/" + secretMark + "mm"},
		"rocketchat": {"rocketchat_url": "http://127.0.0.1:1/hooks/" + secretMark + "rc"},
	}
	t.Run("keys and hook URLs", func(t *testing.T) {
		for typ, cfg := range keys {
			id := nfNotifier(t, s, org, plainMark+typ, typ, cfg)
			p := fmt.Sprintf("/api/v1/notifiers/%d/", id)
			// Shown in full to whoever may administer the notifier (everyone, until roles exist).
			shown := nfMust(t, s, http.StatusOK, "GET", p, nil)["notification_configuration"].(map[string]any)
			for k, v := range cfg {
				if shown[k] != v {
					t.Errorf("%s: %s shown as %v, want it in full", typ, k, shown[k])
				}
			}
			// Sent back as shown, or as "$encrypted$", or left out: kept.
			nfMust(t, s, http.StatusOK, "PATCH", p, map[string]any{"notification_configuration": shown})
			for k := range cfg {
				if k == "client_name" {
					continue
				}
				for _, keep := range []any{"$encrypted$", nil} {
					c := map[string]any{}
					for k, v := range shown {
						c[k] = v
					}
					if c[k] = keep; keep == nil {
						delete(c, k)
					}
					nfMust(t, s, http.StatusOK, "PATCH", p, map[string]any{"notification_configuration": c})
				}
			}
			shown = nfMust(t, s, http.StatusOK, "GET", p, nil)["notification_configuration"].(map[string]any)
			for k, v := range cfg {
				if shown[k] != v {
					t.Errorf("%s: %s after keeping it: %v", typ, k, shown[k])
				}
			}
			// The attempt fails (nothing listens): neither its recipients nor its error show the key.
			r := nfMust(t, s, http.StatusAccepted, "POST", p+"test/", nil)
			n := nfWait(t, s, heraldtest.ID(r))
			if text := fmt.Sprint(n["recipients"], " ", n["error"]); strings.Contains(text, secretMark) {
				t.Errorf("%s: notification shows the key: %s", typ, text)
			}
			if list := s.Do("GET", "/api/v1/notifications/?page_size=200", nil); bytes.Contains(list.Body, []byte(secretMark)) {
				t.Errorf("%s: notifications show a key", typ)
			}
		}
	})

	t.Run("at rest", func(t *testing.T) {
		testSecretsAtRest(t, dbPath)
	})
}

// PagerDuty's key and a hook URL are shown in full to who may change the
// notifier (its organization's notification_admin) and as "$encrypted$"
// to who only reads it (the auditor); webhook header values to neither.
func TestCredentialsShownOnlyToAdministrators(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Shown"})
	roles := roleIDs(t, s, "organizations", org)
	admin, auditor := newUser(t, s, "shown-admin", roles["notification_admin"]), newUser(t, s, "shown-auditor", roles["auditor"])
	cfgs := map[string]map[string]any{
		"pagerduty":  {"service_key": "routing-key-123", "client_name": "herald"},
		"rocketchat": {"rocketchat_url": "https://rc.example.com/hooks/abc/def"},
	}
	for typ, cfg := range cfgs {
		id := nfNotifier(t, s, org, typ, typ, cfg)
		path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
		for who, c := range map[string]*heraldtest.Server{"notification_admin": admin, "auditor": auditor} {
			r := c.Do("GET", path, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s GET %s: %d %s", who, path, r.Status, r.Body)
			}
			shown := r.JSON()["notification_configuration"].(map[string]any)
			for k, v := range cfg {
				if k == "client_name" {
					continue
				}
				want := v
				if who == "auditor" {
					want = "$encrypted$"
				}
				if shown[k] != want {
					t.Errorf("%s sees %s %s as %v, want %v", who, typ, k, shown[k], want)
				}
			}
		}
	}
}
