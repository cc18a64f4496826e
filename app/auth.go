package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/herald-notify/herald"
	"golang.org/x/crypto/bcrypt"
)

// Login throttling (docs/api.md §9): after maxFailures failed logins in a row for
// one username from one address, that pair waits lockout.
const (
	maxFailures = 10
	lockout     = 5 * time.Minute
)

// HashPassword hashes a password for storage.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// dummyHash is compared against when the username is unknown, so that a
// wrong username takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string { h, _ := HashPassword("herald-no-such-user"); return h })

// loginCache remembers which password each recently verified credential
// matched, so that bcrypt (tens of milliseconds by design) runs once per
// client and password instead of on every request. An entry counts only
// while the stored hash is still the one it matched: the user row is read on
// every request, so that a changed password or a deleted user ends the
// login on every instance at once.
type loginCache struct {
	mu      sync.Mutex
	entries map[[32]byte]string // credential hash → password hash it matched
}

func newLoginCache() *loginCache { return &loginCache{entries: map[[32]byte]string{}} }

func (c *loginCache) matched(k [32]byte, hash string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[k] == hash
}

func (c *loginCache) put(k [32]byte, hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10000 {
		clear(c.entries)
	}
	c.entries[k] = hash
}

// LoginBasic checks a username and password from address. Wrong ones are
// 401; a pair that failed too often in a row is 429 until its lockout ends.
func (a *App) LoginBasic(ctx context.Context, username, password, address string) (*Actor, error) {
	key := sha256.Sum256([]byte(username + "\x00" + password))
	u, err := a.store.UserByName(ctx, username)
	if err != nil && herald.ErrorCode(err) != herald.ENOTFOUND {
		return nil, err
	}
	if err == nil && a.logins.matched(key, u.PasswordHash) {
		return &Actor{User: u}, nil
	}
	failures, last, err := a.store.LoginFailures(ctx, username, address)
	if err != nil {
		return nil, err
	}
	if wait := last.Add(lockout).Sub(a.now()); failures >= maxFailures && wait > 0 {
		return nil, &herald.Error{Code: herald.ETOOMANY, Message: "Too many failed logins; try again later.", RetryAfter: wait}
	}
	hash := dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u == nil {
		a.log.Warn("login failed", "username", username, "address", address, "failures_in_a_row", failures+1)
		if err := a.store.RecordLogin(ctx, username, address, false); err != nil {
			return nil, err
		}
		return nil, herald.Errorf(herald.EUNAUTHORIZED, "Invalid username/password.")
	}
	if failures > 0 {
		if err := a.store.RecordLogin(ctx, username, address, true); err != nil {
			return nil, err
		}
	}
	if err := a.store.TouchLogin(ctx, u.ID); err != nil {
		return nil, err
	}
	now := a.now().UTC()
	u.LastLogin = &now
	a.logins.put(key, u.PasswordHash)
	return &Actor{User: u}, nil
}

// LoginToken checks a bearer token. The database is read every time, so
// that a revoked or expired token is refused by every instance at once.
func (a *App) LoginToken(ctx context.Context, text string) (*Actor, error) {
	u, t, err := a.store.UserByToken(ctx, text)
	if herald.ErrorCode(err) == herald.ENOTFOUND {
		return nil, herald.Errorf(herald.EUNAUTHORIZED, "Invalid token.")
	}
	if err != nil {
		return nil, err
	}
	return &Actor{User: u, Token: t}, nil
}

// EnsureAdmin creates the superuser "admin" on first start, with password
// or, when it is "", a generated one, which it returns to be shown once.
func (a *App) EnsureAdmin(ctx context.Context, password string) (created bool, generated string, err error) {
	n, err := a.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		b := make([]byte, 18)
		rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
		generated = password
	}
	hash, err := HashPassword(password)
	if err != nil {
		return false, "", err
	}
	if err := a.store.CreateUser(ctx, &herald.User{Username: "admin", PasswordHash: hash, Superuser: true}); err != nil {
		if errors.Is(err, sql.ErrNoRows) { // another instance made it first
			return false, "", nil
		}
		return false, "", err
	}
	return true, generated, nil
}

// ResetPassword sets a user's password and ends its tokens. It is the
// operator's own command (`herald admin reset-password`), with no caller.
func (a *App) ResetPassword(ctx context.Context, username, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return a.store.SetPassword(ctx, username, hash)
}

// minPassword is the shortest password accepted.
const minPassword = 8

func checkPassword(pw string) error {
	if len([]rune(pw)) < minPassword {
		return herald.FieldError("password", "Ensure this field has at least %d characters.", minPassword)
	}
	return nil
}
