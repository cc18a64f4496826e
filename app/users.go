package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/herald-notify/herald"
)

// UserInput is a create or change of a user as a front end decoded it: nil
// for what the request left out.
type UserInput struct {
	Username, FirstName, LastName, Email, Password *string
	Superuser, SystemAuditor                       *bool
	// Organization: the organization an organization admin makes the new
	// user a member of (needed when it administers several).
	Organization *int64
}

// Me returns the caller.
func (a *App) Me(ctx context.Context) (*herald.User, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	return ac.actor.User, nil
}

// userScope keeps the users the caller may see (nil: all): itself, and the
// members of the organizations it belongs to.
func (a *App) userScope(ctx context.Context, ac *access) (*herald.Scope, error) {
	if ac.readsAll() {
		return nil, nil
	}
	ids, err := a.store.UsersWithRolesOn(ctx, "organization", ac.orgs("read"))
	if err != nil {
		return nil, err
	}
	return &herald.Scope{Terms: []herald.ScopeTerm{{Column: "id", IDs: append(ids, ac.actor.User.ID)}}}, nil
}

// ListUsers returns the page of users the caller may see.
func (a *App) ListUsers(ctx context.Context, q herald.Query) ([]*herald.User, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	if q.Scope, err = a.userScope(ctx, ac); err != nil {
		return nil, 0, err
	}
	return a.store.ListUsers(ctx, q)
}

// GetUser returns a user the caller may see.
func (a *App) GetUser(ctx context.Context, id int64) (*herald.User, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	return a.visibleUser(ctx, ac, id)
}

func (a *App) visibleUser(ctx context.Context, ac *access, id int64) (*herald.User, error) {
	u, err := a.store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, err := a.userScope(ctx, ac)
	if err != nil {
		return nil, err
	}
	if sc != nil && !slices.Contains(sc.Terms[0].IDs, id) {
		return nil, notFound
	}
	return u, nil
}

// CreateUser creates a user. Superusers may; so may organization admins,
// whose new user becomes a member of their organization.
func (a *App) CreateUser(ctx context.Context, in UserInput) (*herald.User, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	var org int64
	if !ac.super() {
		admin := ac.orgs("admin")
		switch {
		case in.Organization != nil && slices.Contains(admin, *in.Organization):
			org = *in.Organization
		case in.Organization == nil && len(admin) == 1:
			org = admin[0]
		case in.Organization == nil && len(admin) > 1:
			return nil, herald.FieldError("organization", "Name the organization the new user joins; you administer several.")
		default:
			return nil, forbidden
		}
	}
	u := &herald.User{}
	fe := map[string][]string{}
	if in.Username == nil || *in.Username == "" {
		fe["username"] = []string{"This field is required."}
	}
	if in.Password == nil {
		fe["password"] = []string{"This field is required."}
	}
	if err := a.applyUser(ac, u, in, fe); err != nil {
		return nil, err
	}
	if err := a.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, herald.FieldError("username", "A user with that username already exists.")
		}
		return nil, err
	}
	if org != 0 {
		if err := a.grant(ctx, "organization", org, "member", "users", u.ID, true); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// applyUser applies in to u and reports every problem at once, with those in fe.
func (a *App) applyUser(ac *access, u *herald.User, in UserInput, fe map[string][]string) error {
	self := ac.actor.User.ID == u.ID
	if in.Username != nil {
		if u.ID != 0 && *in.Username != u.Username && !ac.super() {
			return forbidden
		}
		if *in.Username == "" || len(*in.Username) > 150 || herald.ControlCharProblem(*in.Username) != "" {
			fe["username"] = append(fe["username"], "Enter a valid username of at most 150 characters.")
		}
		u.Username = *in.Username
	}
	for _, f := range []struct {
		v   *string
		dst *string
	}{{in.FirstName, &u.FirstName}, {in.LastName, &u.LastName}, {in.Email, &u.Email}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	for _, f := range []struct {
		v   *bool
		dst *bool
	}{{in.Superuser, &u.Superuser}, {in.SystemAuditor, &u.SystemAuditor}} {
		if f.v != nil && *f.v != *f.dst {
			if !ac.super() {
				return forbidden // only a superuser sets them
			}
			*f.dst = *f.v
		}
	}
	if in.Password != nil {
		if u.ID != 0 && !self && !ac.super() {
			return forbidden
		}
		if err := checkPassword(*in.Password); err != nil {
			fe["password"] = append(fe["password"], err.(*herald.Error).Fields["password"]...)
		} else {
			hash, err := HashPassword(*in.Password)
			if err != nil {
				return err
			}
			u.PasswordHash = hash
		}
	}
	if len(fe) > 0 {
		return herald.FieldErrors(fe)
	}
	return nil
}

// UpdateUser changes a user: users change themselves, superusers anyone. A
// new password ends the user's tokens.
func (a *App) UpdateUser(ctx context.Context, id int64, in UserInput) (*herald.User, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	u, err := a.visibleUser(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	if !ac.super() && ac.actor.User.ID != id {
		return nil, forbidden
	}
	if err := a.applyUser(ac, u, in, map[string][]string{}); err != nil {
		return nil, err
	}
	if err := a.store.UpdateUser(ctx, u, in.Password != nil); err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteUser deletes a user and its tokens; superusers may, but not themselves.
func (a *App) DeleteUser(ctx context.Context, id int64) error {
	ac, err := a.writer(ctx)
	if err != nil {
		return err
	}
	if _, err := a.visibleUser(ctx, ac, id); err != nil {
		return err
	}
	switch {
	case !ac.super():
		return forbidden
	case ac.actor.User.ID == id:
		return herald.Errorf(herald.ECONFLICT, "You cannot delete yourself.")
	}
	return a.store.DeleteUser(ctx, id)
}

// TokenInput is a new token's request: Expires is used when ExpiresGiven
// (nil then means never), else the token lives defaultTokenLife.
type TokenInput struct {
	Description  string
	Scope        string
	Expires      *time.Time
	ExpiresGiven bool
}

// defaultTokenLife is how long a token lives unless told otherwise.
const defaultTokenLife = 365 * 24 * time.Hour

// CreateToken makes a token for the caller and returns it with its text,
// shown only now. A token may not make a token wider or longer-lived than itself.
func (a *App) CreateToken(ctx context.Context, in TokenInput) (*herald.Token, string, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, "", err
	}
	t := &herald.Token{UserID: ac.actor.User.ID, Description: in.Description, Scope: in.Scope}
	switch t.Scope {
	case "":
		t.Scope = herald.ScopeWrite
	case herald.ScopeRead, herald.ScopeWrite:
	default:
		return nil, "", herald.FieldError("scope", "\"%s\" is not a valid choice. Choose read or write.", in.Scope)
	}
	now := a.now().UTC().Truncate(time.Microsecond)
	switch {
	case !in.ExpiresGiven:
		e := now.Add(defaultTokenLife)
		t.Expires = &e
	case in.Expires != nil && !in.Expires.After(now):
		return nil, "", herald.FieldError("expires", "Expiry must be in the future.")
	default:
		t.Expires = in.Expires
	}
	if parent := ac.actor.Token; parent != nil && parent.Expires != nil {
		if !in.ExpiresGiven && t.Expires.After(*parent.Expires) {
			t.Expires = parent.Expires // a default never outlives its maker
		}
		if t.Expires == nil || t.Expires.After(*parent.Expires) {
			return nil, "", herald.FieldError("expires", "A token cannot outlive the token that makes it (%s).", parent.Expires.UTC().Format(time.RFC3339))
		}
	}
	b := make([]byte, 32)
	rand.Read(b)
	text := base64.RawURLEncoding.EncodeToString(b)
	if err := a.store.CreateToken(ctx, t, text); err != nil {
		return nil, "", err
	}
	return t, text, nil
}

// ListTokens returns the live tokens of a user (0: the caller); superusers
// see anyone's.
func (a *App) ListTokens(ctx context.Context, userID int64) ([]*herald.Token, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	if userID == 0 {
		userID = ac.actor.User.ID
	}
	if userID != ac.actor.User.ID && !ac.readsAll() {
		if _, err := a.visibleUser(ctx, ac, userID); err != nil {
			return nil, err
		}
		return nil, forbidden
	}
	return a.store.ListTokens(ctx, userID)
}

// DeleteToken revokes a token: the caller's own, or anyone's for a superuser.
func (a *App) DeleteToken(ctx context.Context, id int64) error {
	ac, err := a.writer(ctx)
	if err != nil {
		return err
	}
	t, err := a.store.GetToken(ctx, id)
	if err != nil {
		return err
	}
	if t.UserID != ac.actor.User.ID && !ac.super() {
		return notFound
	}
	return a.store.DeleteToken(ctx, id)
}
