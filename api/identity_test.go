package api_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// Users, tokens and logins (docs/api.md §9), through real HTTP.
func TestIdentity(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	user := func(name string) (int64, *heraldtest.Server) {
		id := heraldtest.ID(must(t, s, http.StatusCreated, "POST", "/api/v1/users/", map[string]any{"username": name, "password": "password-" + name, "email": name + "@example.com"}))
		return id, s.As(name, "password-"+name)
	}
	token := func(as *heraldtest.Server, body map[string]any) (int64, *heraldtest.Server, map[string]any) {
		m := must(t, as, http.StatusCreated, "POST", "/api/v1/tokens/", body)
		return heraldtest.ID(m), s.WithToken(m["token"].(string)), m
	}

	t.Run("Me", func(t *testing.T) {
		_, as := user("me-user")
		got := must(t, as, http.StatusOK, "GET", "/api/v1/me/", nil)
		res := got["results"].([]any)[0].(map[string]any)
		if got["count"] != float64(1) || res["username"] != "me-user" || res["is_superuser"] != false || res["password"] != "$encrypted$" || res["last_login"] == nil {
			t.Errorf("me/ = %v", got)
		}
	})
	t.Run("UserValidation", func(t *testing.T) {
		must(t, s, http.StatusBadRequest, "POST", "/api/v1/users/", map[string]any{"username": "short", "password": "1234567"})
		must(t, s, http.StatusBadRequest, "POST", "/api/v1/users/", map[string]any{"password": "long-enough"})
		user("taken")
		must(t, s, http.StatusBadRequest, "POST", "/api/v1/users/", map[string]any{"username": "taken", "password": "long-enough"})
		id, as := user("not-super")
		must(t, as, http.StatusForbidden, "PATCH", fmt.Sprintf("/api/v1/users/%d/", id), map[string]any{"is_superuser": true})
		must(t, as, http.StatusForbidden, "POST", "/api/v1/users/", map[string]any{"username": "by-nobody", "password": "long-enough"})
		must(t, s, http.StatusConflict, "DELETE", "/api/v1/users/1/", nil)
	})
	t.Run("PasswordChangeEndsTokens", func(t *testing.T) {
		id, as := user("changer")
		_, tok, _ := token(as, map[string]any{})
		must(t, tok, http.StatusOK, "GET", "/api/v1/me/", nil)
		other, _ := user("bystander")
		must(t, as, http.StatusNotFound, "PATCH", fmt.Sprintf("/api/v1/users/%d/", other), map[string]any{"password": "not-yours-1"})
		must(t, as, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/users/%d/", id), map[string]any{"password": "a-new-password"})
		if r := tok.Do("GET", "/api/v1/me/", nil); r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "Invalid token.") {
			t.Errorf("token after the password change: %d %s", r.Status, r.Body)
		}
		must(t, as, http.StatusUnauthorized, "GET", "/api/v1/me/", nil)
		must(t, s.As("changer", "a-new-password"), http.StatusOK, "GET", "/api/v1/me/", nil)
		// A superuser changes anyone's.
		must(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/users/%d/", id), map[string]any{"password": "set-by-admin"})
		must(t, s.As("changer", "set-by-admin"), http.StatusOK, "GET", "/api/v1/me/", nil)
	})
	t.Run("DeleteUserEndsTokens", func(t *testing.T) {
		id, as := user("leaver")
		_, tok, _ := token(as, map[string]any{})
		must(t, s, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/users/%d/", id), nil)
		must(t, tok, http.StatusUnauthorized, "GET", "/api/v1/me/", nil)
		must(t, as, http.StatusUnauthorized, "GET", "/api/v1/me/", nil)
	})
	t.Run("ReadToken", func(t *testing.T) {
		_, as := user("reader")
		_, tok, m := token(as, map[string]any{"scope": "read", "description": "dashboards"})
		if m["scope"] != "read" || m["description"] != "dashboards" {
			t.Errorf("token answer: %v", m)
		}
		must(t, tok, http.StatusOK, "GET", "/api/v1/organizations/", nil)
		for _, w := range []struct{ method, path string }{{"POST", "/api/v1/tokens/"}, {"PATCH", "/api/v1/users/1/"}, {"POST", "/api/v1/organizations/"}} {
			must(t, tok, http.StatusForbidden, w.method, w.path, map[string]any{"name": "x"})
		}
		must(t, as, http.StatusBadRequest, "POST", "/api/v1/tokens/", map[string]any{"scope": "admin"})
	})
	t.Run("Expiry", func(t *testing.T) {
		_, as := user("expirer")
		_, _, m := token(as, map[string]any{})
		exp, err := time.Parse(time.RFC3339Nano, m["expires"].(string))
		if err != nil || time.Until(exp) < 364*24*time.Hour || time.Until(exp) > 366*24*time.Hour {
			t.Errorf("default expiry %v, want in a year", m["expires"])
		}
		_, never, m := token(as, map[string]any{"expires": nil})
		if m["expires"] != nil {
			t.Errorf("expires null: %v", m["expires"])
		}
		must(t, as, http.StatusBadRequest, "POST", "/api/v1/tokens/", map[string]any{"expires": "2001-01-01T00:00:00Z"})
		must(t, as, http.StatusBadRequest, "POST", "/api/v1/tokens/", map[string]any{"expires": "tomorrow"})
		soon := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
		_, short, _ := token(as, map[string]any{"expires": soon})
		// A token cannot make a token that outlives it; by default its child ends with it.
		must(t, short, http.StatusBadRequest, "POST", "/api/v1/tokens/", map[string]any{"expires": nil})
		must(t, short, http.StatusBadRequest, "POST", "/api/v1/tokens/", map[string]any{"expires": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		_, _, child := token(short, map[string]any{})
		if child["expires"] != soon && !strings.HasPrefix(soon, strings.TrimSuffix(child["expires"].(string), "Z")[:19]) {
			t.Errorf("child of a short token expires %v, want %s", child["expires"], soon)
		}
		must(t, never, http.StatusOK, "GET", "/api/v1/me/", nil)
		if !heraldtest.Eventually(t, 10*time.Second, func() bool { return short.Do("GET", "/api/v1/me/", nil).Status == http.StatusUnauthorized }) {
			t.Error("an expired token still works")
		}
	})
	t.Run("TokensOfOthers", func(t *testing.T) {
		id, as := user("owner")
		tid, _, _ := token(as, map[string]any{"description": "mine"})
		list := must(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d/tokens/", id), nil)
		if list["count"] != float64(1) {
			t.Errorf("users/N/tokens/ as superuser: %v", list)
		}
		_, nosy := user("nosy")
		if r := nosy.Do("GET", fmt.Sprintf("/api/v1/users/%d/tokens/", id), nil); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("another user's tokens: %d", r.Status)
		}
		must(t, nosy, http.StatusNotFound, "DELETE", fmt.Sprintf("/api/v1/tokens/%d/", tid), nil)
		must(t, s, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/tokens/%d/", tid), nil)
	})
	t.Run("NoBasicChallenge", func(t *testing.T) {
		for _, auth := range []string{"", basic("admin", "wrong")} {
			r := s.Do("GET", "/api/v1/organizations/", nil, "Authorization", auth)
			if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != "" {
				t.Errorf("401 with %q: %d, WWW-Authenticate %q", auth, r.Status, r.Header.Get("WWW-Authenticate"))
			}
		}
	})
	t.Run("CrossSite", func(t *testing.T) {
		body := map[string]any{"name": "from-evil"}
		must(t, s, http.StatusForbidden, "POST", "/api/v1/organizations/", body, "Origin", "https://evil.example")
		must(t, s, http.StatusForbidden, "POST", "/api/v1/organizations/", body, "Sec-Fetch-Site", "cross-site")
		r := s.Do("POST", "/api/v1/organizations/", "{}", "Content-Type", "")
		if r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("POST without Content-Type: %d %s", r.Status, r.Body)
		}
		r = s.Do("POST", "/api/v1/organizations/", `{"name": "x"}`, "Content-Type", "text/plain")
		if r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("POST as text/plain: %d %s", r.Status, r.Body)
		}
		// A token is not ambient: a page must have been given it.
		_, tok, _ := token(s, map[string]any{})
		must(t, tok, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "with-token"}, "Origin", "https://console.example")
	})
	t.Run("Throttling", func(t *testing.T) {
		user("guessed")
		user("neighbour")
		for i := range 10 {
			if r := s.As("guessed", fmt.Sprintf("guess-%d", i)).Do("GET", "/api/v1/me/", nil); r.Status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i, r.Status)
			}
		}
		r := s.As("guessed", "password-guessed").Do("GET", "/api/v1/me/", nil)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Errorf("11th login: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
		must(t, s.As("neighbour", "password-neighbour"), http.StatusOK, "GET", "/api/v1/me/", nil)
		// The same user from another address is not held.
		if status := getFrom(t, "127.0.0.2", s.URL+"/api/v1/me/", "guessed", "password-guessed"); status != http.StatusOK {
			t.Errorf("from 127.0.0.2: %d", status)
		}
	})
}

// getFrom sends a GET with Basic credentials from a given local address.
func getFrom(t *testing.T, local, url, user, password string) int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
	req, _ := http.NewRequest("GET", url, nil)
	req.SetBasicAuth(user, password)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// A failed login is logged with the username and address, never the
// password, and an unknown username costs a password comparison too, so
// that timing does not tell which usernames exist.
func TestFailedLogins(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	s := heraldtest.Start(t, heraldtest.Options{Log: &log})
	must(t, s, http.StatusCreated, "POST", "/api/v1/users/", map[string]any{"username": "known", "password": "password-known"})
	const guess = "guess-Xq7-not-it"
	must(t, s.As("known", guess), http.StatusUnauthorized, "GET", "/api/v1/me/", nil)
	if l := log.String(); !strings.Contains(l, "login failed") || !strings.Contains(l, "username=known") || !strings.Contains(l, "address=127.0.0.1") || strings.Contains(l, guess) {
		t.Errorf("log after a failed login:\n%s", l)
	}
	median := func(user string) time.Duration {
		var ds []time.Duration
		for i := range 5 {
			start := time.Now()
			must(t, s.As(user, fmt.Sprintf("wrong-%d-password", i)), http.StatusUnauthorized, "GET", "/api/v1/me/", nil)
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[2]
	}
	known, unknown := median("known"), median("no-such-user")
	// bcrypt takes tens of milliseconds; a lookup alone, about one.
	if unknown < known/4 {
		t.Errorf("a wrong password takes %s for a known user, %s for an unknown one: timing tells them apart", known, unknown)
	}
}
