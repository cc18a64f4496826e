package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
)

// User is an account that may call the API.
type User struct {
	ID           int64
	Username     string
	PasswordHash string
	Superuser    bool
}

// Token is a bearer token; its text is only known when it is made.
type Token struct {
	ID          int64
	UserID      int64
	Description string
	Created     time.Time
}

// HashToken is how a token's text is stored: SHA-256, since tokens are random
// and long, unlike passwords, and must be checked on every request.
func HashToken(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

// CreateUser stores a user whose password is already hashed.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	now := s.nowMicros()
	return s.tx(ctx, func(tx querier) error {
		return tx.QueryRowContext(ctx, s.q("INSERT INTO users (username, password_hash, is_superuser, created, modified) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING RETURNING id"),
			u.Username, u.PasswordHash, b2i(u.Superuser), now, now).Scan(&u.ID)
	})
}

// UserByName returns the user called username.
func (s *Store) UserByName(ctx context.Context, username string) (*User, error) {
	var u User
	var super int
	err := s.r.QueryRowContext(ctx, s.q("SELECT id, username, password_hash, is_superuser FROM users WHERE username = ?"), username).Scan(&u.ID, &u.Username, &u.PasswordHash, &super)
	u.Superuser = super == 1
	return &u, notFound(err)
}

// UserByToken returns the owner of a live token.
func (s *Store) UserByToken(ctx context.Context, text string) (*User, error) {
	var u User
	var super int
	err := s.r.QueryRowContext(ctx, s.q("SELECT u.id, u.username, u.password_hash, u.is_superuser FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?"),
		HashToken(text)).Scan(&u.ID, &u.Username, &u.PasswordHash, &super)
	u.Superuser = super == 1
	return &u, notFound(err)
}

// CreateToken stores a token for user; text is the token the caller hands out.
func (s *Store) CreateToken(ctx context.Context, userID int64, text, description string) (*Token, error) {
	t := &Token{UserID: userID, Description: description, Created: fromMicros(s.nowMicros())}
	err := s.tx(ctx, func(tx querier) error {
		return tx.QueryRowContext(ctx, s.q("INSERT INTO tokens (user_id, token_hash, description, created) VALUES (?, ?, ?, ?) RETURNING id"),
			userID, HashToken(text), description, micros(t.Created)).Scan(&t.ID)
	})
	return t, err
}

// ListTokens returns the user's tokens.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]*Token, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, user_id, description, created FROM tokens WHERE user_id = ? ORDER BY id"), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		var t Token
		var created int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Description, &created); err != nil {
			return nil, err
		}
		t.Created = fromMicros(created)
		out = append(out, &t)
	}
	return out, rows.Err()
}

// DeleteToken revokes one of the user's tokens.
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	return s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM tokens WHERE id = ? AND user_id = ?"), id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// Setting returns a stored setting and whether it exists.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, s.q("SELECT value FROM settings WHERE key = ?"), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetSettingOnce stores a setting unless it exists, and returns the stored value.
func (s *Store) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	if err := s.tx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"), key, value)
		return err
	}); err != nil {
		return "", err
	}
	v, _, err := s.Setting(ctx, key)
	return v, err
}
