package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
	"golang.org/x/crypto/bcrypt"
)

type ctxKey int

const userKey ctxKey = 0

func userFrom(ctx context.Context) *store.User {
	u, _ := ctx.Value(userKey).(*store.User)
	return u
}

// HashPassword hashes a password for storage.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// authCache remembers recently verified Basic credentials, keyed by a hash of
// them, so that bcrypt (tens of milliseconds by design) runs once a minute per
// client instead of on every request.
type authCache struct {
	mu      sync.Mutex
	entries map[[32]byte]cached
}

type cached struct {
	user    *store.User
	expires time.Time
}

const authCacheTTL = time.Minute

func newAuthCache() *authCache { return &authCache{entries: map[[32]byte]cached{}} }

func (c *authCache) get(k [32]byte) *store.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, k)
		return nil
	}
	return e.user
}

func (c *authCache) put(k [32]byte, u *store.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10000 {
		clear(c.entries)
	}
	c.entries[k] = cached{u, time.Now().Add(authCacheTTL)}
}

// authenticate requires Basic or Bearer credentials (API.md §1).
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		var u *store.User
		switch {
		case h == "":
			w.Header().Set("WWW-Authenticate", `Basic realm="api"`)
			detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
			return
		case strings.HasPrefix(h, "Bearer "):
			key := sha256.Sum256([]byte(h))
			if u = s.auth.get(key); u == nil {
				var err error
				u, err = s.store.UserByToken(r.Context(), strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
				if err != nil {
					if herald.ErrorCode(err) != herald.ENOTFOUND {
						s.writeError(w, r, err)
						return
					}
					detail(w, http.StatusUnauthorized, "Invalid token.")
					return
				}
				// Tokens are cached briefly too; a revoke clears the cache.
				s.auth.put(key, u)
			}
		default:
			username, password, ok := r.BasicAuth()
			if !ok {
				w.Header().Set("WWW-Authenticate", `Basic realm="api"`)
				detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
				return
			}
			key := sha256.Sum256([]byte(h))
			if u = s.auth.get(key); u == nil {
				found, err := s.store.UserByName(r.Context(), username)
				if err != nil && herald.ErrorCode(err) != herald.ENOTFOUND {
					s.writeError(w, r, err)
					return
				}
				if err != nil || bcrypt.CompareHashAndPassword([]byte(found.PasswordHash), []byte(password)) != nil {
					w.Header().Set("WWW-Authenticate", `Basic realm="api"`)
					detail(w, http.StatusUnauthorized, "Invalid username/password.")
					return
				}
				u = found
				s.auth.put(key, u)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

func newTokenText() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenJSON(t *store.Token) map[string]any {
	return map[string]any{"id": t.ID, "type": "token", "url": "/api/v1/tokens/" + strconv.FormatInt(t.ID, 10) + "/",
		"description": t.Description, "created": fmtTime(t.Created)}
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request) {
	fields, ok := s.decode(w, r, true)
	if !ok {
		return
	}
	fe := fieldErrors{}
	desc, _ := fe.str(fields, "description", false, 512)
	if err := fe.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	text := newTokenText()
	t, err := s.store.CreateToken(r.Context(), userFrom(r.Context()).ID, text, desc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := tokenJSON(t)
	out["token"] = text
	writeJSON(w, http.StatusCreated, out)
}

func (s *server) listTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.ListTokens(r.Context(), userFrom(r.Context()).ID)
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
	if err := s.store.DeleteToken(r.Context(), userFrom(r.Context()).ID, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.auth.mu.Lock()
	clear(s.auth.entries) // the revoked token may be cached
	s.auth.mu.Unlock()
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
