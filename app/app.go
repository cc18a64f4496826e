// Package app is Herald's application layer: the one place its rules live.
// Every front end (the HTTP API of /api/v1/, the AWX-compatible /api/v2/,
// the command line, the console's API) only translates to it.
//
// A call takes the acting user from its context (WithActor), checks what
// that user may do (access.go holds every permission rule), validates, and
// calls the store through the small interfaces of store.go. Job transitions
// (the domain's Job.Apply), which notifications a status change plans and
// how they render, and the sealing of secrets happen here too.
package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/notify"
)

// Sealer encrypts notifier secrets at rest and opens them for answers.
type Sealer = notify.Sealer

// Config is what the application layer needs.
type Config struct {
	Store   Store
	Types   map[string]*notify.Spec // the notifier types, by name
	Secrets Sealer
	BaseURL string // public URL used in messages
	Logger  *slog.Logger
	Now     func() time.Time // nil: time.Now
}

// App carries out the requests of every front end.
type App struct {
	store   Store
	types   map[string]*notify.Spec
	secrets Sealer
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	logins  *loginCache
}

// New returns the application layer over its store.
func New(cfg Config) *App {
	a := &App{store: cfg.Store, types: cfg.Types, secrets: cfg.Secrets, baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		log: cfg.Logger, now: cfg.Now, logins: newLoginCache()}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a
}

// Types returns the notifier types, by name.
func (a *App) Types() map[string]*notify.Spec { return a.types }

// BaseURL is the public URL used in messages.
func (a *App) BaseURL() string { return a.baseURL }

type actorKey struct{}

// WithActor returns ctx acting as actor.
func WithActor(ctx context.Context, actor *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor of ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// Actor is who makes a request: a user, and the token it came with (nil for
// a password). What the user may do is worked out once per request.
type Actor struct {
	User  *herald.User
	Token *herald.Token

	held map[resource]map[string]bool // roles held, implications included; nil until read
}

// notFound is the answer for what the caller may not see, as for what does not exist.
var notFound = herald.Errorf(herald.ENOTFOUND, "Not found.")

// forbidden is the answer for what the caller sees but may not do.
var forbidden = herald.Errorf(herald.EFORBIDDEN, "You do not have permission to perform this action.")
