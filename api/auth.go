package api

import (
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
)

// authenticate requires Basic or Bearer credentials (docs/api.md §1) and passes
// the caller on in the request's context. A 401 carries no Basic challenge,
// so that browsers neither show their dialog nor cache credentials that
// other sites could ride on; and a cross-site request with Basic
// credentials is refused, since a browser may add those by itself.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		var actor *app.Actor
		var err error
		switch {
		case h == "":
			detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
			return
		case strings.HasPrefix(h, "Bearer "):
			actor, err = s.svc.LoginToken(r.Context(), strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
		default:
			username, password, ok := r.BasicAuth()
			if !ok {
				detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
				return
			}
			if crossSite(r) {
				detail(w, http.StatusForbidden, "Cross-site requests with Basic credentials are refused; use a token.")
				return
			}
			actor, err = s.svc.LoginBasic(r.Context(), username, password, clientAddress(r))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(app.WithActor(r.Context(), actor)))
	})
}

// crossSite reports whether a browser says the request comes from another site.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin", "none":
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false // not sent from a page of another origin
	}
	u, err := url.Parse(origin)
	return err != nil || !strings.EqualFold(u.Host, r.Host)
}

// clientAddress is the peer's IP address (proxies' headers are not trusted).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfter sets Retry-After in whole seconds, rounded up.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
}

func tokenJSON(t *herald.Token) map[string]any {
	return map[string]any{"id": t.ID, "type": "token", "url": "/api/v1/tokens/" + strconv.FormatInt(t.ID, 10) + "/",
		"user": t.UserID, "description": t.Description, "scope": t.Scope, "expires": fmtTimePtr(t.Expires), "created": fmtTime(t.Created)}
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request) {
	fields, ok := s.decode(w, r, true)
	if !ok {
		return
	}
	fe := fieldErrors{}
	in := app.TokenInput{}
	in.Description, _ = fe.str(fields, "description", false, 512)
	in.Scope, _ = fe.str(fields, "scope", false, 16)
	if raw, given := fields["expires"]; given {
		in.ExpiresGiven = true
		if string(raw) != "null" {
			var v string
			t, err := time.Time{}, json.Unmarshal(raw, &v)
			if err == nil {
				t, err = time.Parse(time.RFC3339Nano, v)
			}
			if err != nil {
				fe.add("expires", "Datetime has wrong format. Use RFC 3339, e.g. 2027-01-01T00:00:00Z, or null for none.")
			}
			t = t.UTC()
			in.Expires = &t
		}
	}
	if err := fe.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, text, err := s.svc.CreateToken(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := tokenJSON(t)
	out["token"] = text
	writeJSON(w, http.StatusCreated, out)
}

// listTokens lists the caller's tokens (tokens/) or a user's (users/N/tokens/).
func (s *server) listTokens(w http.ResponseWriter, r *http.Request) {
	var user int64
	if r.PathValue("id") != "" {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		user = id
	}
	list, err := s.svc.ListTokens(r.Context(), user)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	results := make([]any, len(list))
	for i, t := range list {
		results[i] = tokenJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(results), "next": nil, "previous": nil, "results": results})
}

func (s *server) deleteToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.svc.DeleteToken(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pathID reads the {id} path value; a non-number is a 404, as for any unknown object.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFoundHandler(w, r)
		return 0, false
	}
	return id, true
}
