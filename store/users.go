package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/herald-notify/herald"
)

const userColumns = "id, username, first_name, last_name, email, is_superuser, is_system_auditor, last_login, password_hash, created, modified"

var userList = &listSpec{
	from: "users",
	cols: map[string]column{
		"id": {"id", colInt}, "username": {"username", colText}, "first_name": {"first_name", colText},
		"last_name": {"last_name", colText}, "email": {"email", colText}, "is_superuser": {"is_superuser", colBool},
		"is_system_auditor": {"is_system_auditor", colBool}, "created": {"created", colTime}, "modified": {"modified", colTime},
		"last_login": {"last_login", colTime},
	},
	search:  []string{"username", "first_name", "last_name", "email"},
	orderBy: "username ASC",
}

func scanUser(sc interface{ Scan(...any) error }) (*herald.User, error) {
	var u herald.User
	var super, auditor int
	var last sql.NullInt64
	var created, modified int64
	if err := sc.Scan(&u.ID, &u.Username, &u.FirstName, &u.LastName, &u.Email, &super, &auditor, &last, &u.PasswordHash, &created, &modified); err != nil {
		return nil, err
	}
	u.Superuser, u.SystemAuditor = super == 1, auditor == 1
	u.LastLogin = nullTime(last)
	u.Created, u.Modified = fromMicros(created), fromMicros(modified)
	return &u, nil
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

// CreateUser stores a user whose password is already hashed; sql.ErrNoRows
// says the username is taken.
func (s *Store) CreateUser(ctx context.Context, u *herald.User) error {
	now := s.nowMicros()
	err := s.tx(ctx, func(tx querier) error {
		return tx.QueryRowContext(ctx, s.q(`INSERT INTO users (username, first_name, last_name, email, is_superuser, is_system_auditor, password_hash, created, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING RETURNING id`),
			u.Username, u.FirstName, u.LastName, u.Email, b2i(u.Superuser), b2i(u.SystemAuditor), u.PasswordHash, now, now).Scan(&u.ID)
	})
	u.Created, u.Modified = fromMicros(now), fromMicros(now)
	return err
}

// ListUsers returns a page of users.
func (s *Store) ListUsers(ctx context.Context, q herald.Query) ([]*herald.User, int, error) {
	return listRows(ctx, s, userList, q, "SELECT "+userColumns+" FROM users", scanUser)
}

// GetUser returns the user with id.
func (s *Store) GetUser(ctx context.Context, id int64) (*herald.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE id = ?"), id))
	return u, notFound(err)
}

// UserByName returns the user called username.
func (s *Store) UserByName(ctx context.Context, username string) (*herald.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE username = ?"), username))
	return u, notFound(err)
}

// UpdateUser writes a user's fields. A new password hash ends every token
// of the user in the same transaction.
func (s *Store) UpdateUser(ctx context.Context, u *herald.User, passwordChanged bool) error {
	u.Modified = fromMicros(s.nowMicros())
	return s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET username = ?, first_name = ?, last_name = ?, email = ?, is_superuser = ?, is_system_auditor = ?,
			password_hash = ?, modified = ? WHERE id = ?`),
			u.Username, u.FirstName, u.LastName, u.Email, b2i(u.Superuser), b2i(u.SystemAuditor), u.PasswordHash, micros(u.Modified), u.ID)
		if isUnique(err) {
			return herald.FieldError("username", "A user with that username already exists.")
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		if passwordChanged {
			_, err = tx.ExecContext(ctx, s.q("DELETE FROM tokens WHERE user_id = ?"), u.ID)
		}
		return err
	})
}

// SetPassword replaces the password hash of the user called username and ends its tokens.
func (s *Store) SetPassword(ctx context.Context, username, hash string) error {
	u, err := s.UserByName(ctx, username)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return s.UpdateUser(ctx, u, true)
}

// TouchLogin records a successful login.
func (s *Store) TouchLogin(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, s.q("UPDATE users SET last_login = ? WHERE id = ?"), s.nowMicros(), id)
		return err
	})
}

// DeleteUser removes a user; its tokens and grants go with it.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM users WHERE id = ?"), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

const tokenColumns = "id, user_id, description, scope, expires, created"

func scanToken(sc interface{ Scan(...any) error }) (*herald.Token, error) {
	var t herald.Token
	var expires sql.NullInt64
	var created int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Description, &t.Scope, &expires, &created); err != nil {
		return nil, err
	}
	t.Expires, t.Created = nullTime(expires), fromMicros(created)
	return &t, nil
}

// UserByToken returns the owner of a live token and the token. It reads the
// database every time, so that a revoked or expired token is refused by
// every instance at once.
func (s *Store) UserByToken(ctx context.Context, text string) (*herald.User, *herald.Token, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT t.id, t.user_id, t.description, t.scope, t.expires, t.created, "+prefixed("u.", userColumns)+
		" FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND (t.expires IS NULL OR t.expires > ?)"), HashToken(text), s.nowMicros())
	var t herald.Token
	var expires sql.NullInt64
	var created int64
	var u herald.User
	var super, auditor int
	var last sql.NullInt64
	var uc, um int64
	err := row.Scan(&t.ID, &t.UserID, &t.Description, &t.Scope, &expires, &created,
		&u.ID, &u.Username, &u.FirstName, &u.LastName, &u.Email, &super, &auditor, &last, &u.PasswordHash, &uc, &um)
	if err != nil {
		return nil, nil, notFound(err)
	}
	t.Expires, t.Created = nullTime(expires), fromMicros(created)
	u.Superuser, u.SystemAuditor, u.LastLogin = super == 1, auditor == 1, nullTime(last)
	u.Created, u.Modified = fromMicros(uc), fromMicros(um)
	return &u, &t, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// CreateToken stores a token; text is the token the caller hands out.
func (s *Store) CreateToken(ctx context.Context, t *herald.Token, text string) error {
	t.Created = fromMicros(s.nowMicros())
	return s.tx(ctx, func(tx querier) error {
		return tx.QueryRowContext(ctx, s.q("INSERT INTO tokens (user_id, token_hash, description, scope, expires, created) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
			t.UserID, HashToken(text), t.Description, t.Scope, nullMicros(t.Expires), micros(t.Created)).Scan(&t.ID)
	})
}

// ListTokens returns the user's live tokens.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]*herald.Token, error) {
	var out []*herald.Token
	err := scanRows(ctx, s.r, s.q("SELECT "+tokenColumns+" FROM tokens WHERE user_id = ? AND (expires IS NULL OR expires > ?) ORDER BY id"),
		[]any{userID, s.nowMicros()}, func(rows *sql.Rows) error {
			t, err := scanToken(rows)
			out = append(out, t)
			return err
		})
	return out, err
}

// GetToken returns the token with id.
func (s *Store) GetToken(ctx context.Context, id int64) (*herald.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q("SELECT "+tokenColumns+" FROM tokens WHERE id = ?"), id))
	return t, notFound(err)
}

// DeleteToken revokes a token.
func (s *Store) DeleteToken(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM tokens WHERE id = ?"), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// LoginFailures returns how many logins failed in a row for the pair, and when the last did.
func (s *Store) LoginFailures(ctx context.Context, username, address string) (int, time.Time, error) {
	var n int
	var last int64
	err := s.r.QueryRowContext(ctx, s.q("SELECT failures, last_failed FROM login_failures WHERE username = ? AND address = ?"), username, address).Scan(&n, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	return n, fromMicros(last), err
}

// RecordLogin counts a failed login for the pair, or clears its count after a success.
func (s *Store) RecordLogin(ctx context.Context, username, address string, ok bool) error {
	return s.tx(ctx, func(tx querier) error {
		if ok {
			_, err := tx.ExecContext(ctx, s.q("DELETE FROM login_failures WHERE username = ? AND address = ?"), username, address)
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO login_failures (username, address, failures, last_failed) VALUES (?, ?, 1, ?)
			ON CONFLICT (username, address) DO UPDATE SET failures = login_failures.failures + 1, last_failed = excluded.last_failed`),
			username, address, s.nowMicros())
		return err
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
