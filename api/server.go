// Package api serves Herald's HTTP API (docs/api.md): authentication, the objects
// notifiers hang on, jobs and their status reports, notifiers, attachments,
// notifications, and the operational endpoints. routes.go lists every route.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/herald-notify/herald"
)

// Config is what the API needs from the rest of the service.
type Config struct {
	App      Service // the application layer
	Dialect  string  // "sqlite" or "postgres", shown by ping/
	Instance string  // this instance's id, shown by ping/
	Logger   *slog.Logger
	Metrics  http.Handler                    // GET /metrics
	Ready    func(ctx context.Context) error // GET /readyz
	Console  http.Handler                    // GET / (the web console); nil for none
}

type server struct {
	Config
	svc    Service
	log    *slog.Logger
	routed *[]route // every route handle() registered, in order: what openapi.json describes
}

// NewServer returns the API as one handler.
func NewServer(cfg Config) http.Handler {
	s := &server{Config: cfg, svc: cfg.App, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	mux := newRouter()
	s.routes(mux)
	s.routed = mux.table
	var h http.Handler = mux
	h = trailingSlash(h)
	h = productHeaders(h)
	h = s.recoverPanics(h)
	h = securityHeaders(h)
	return h
}

// trailingSlash serves /api/v1/x the same as /api/v1/x/ (no redirect, docs/api.md §1).
func trailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasSuffix(r.URL.Path, "/") {
			r.URL.Path += "/"
			r.URL.RawPath = ""
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a plain 500: the service goes on.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				detail(w, http.StatusInternalServerError, "A server error occurred.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// route is one registered path and its methods.
type route struct {
	path    string
	methods []string // sorted
	public  bool     // served without authentication
}

// router is a ServeMux that records what handle() registers on it. Routes
// registered on the root are public; those on an authenticated() router
// sit behind authenticate, which the document says per operation.
type router struct {
	*http.ServeMux
	public bool
	table  *[]route
}

func newRouter() *router {
	return &router{ServeMux: http.NewServeMux(), public: true, table: &[]route{}}
}

// authenticated is a new router whose routes need a user; it shares the record.
func (r *router) authenticated() *router {
	return &router{ServeMux: http.NewServeMux(), table: r.table}
}

// handle registers path with a handler per method; any other method gets
// the API's 405 answer. Patterns carry no method, so that general paths ("/")
// never conflict with specific ones.
func handle(mux *router, path string, methods map[string]http.HandlerFunc) {
	rt := route{path: path, public: mux.public}
	for m := range methods {
		rt.methods = append(rt.methods, m)
	}
	sort.Strings(rt.methods)
	*mux.table = append(*mux.table, rt)
	// A pattern ending in "/" would match every path below it, so that
	// /organizations/1/nosuch/ served (and DELETE removed) organization 1:
	// {$} anchors it, and anything else falls through to the 404.
	if strings.HasSuffix(path, "/") {
		path += "{$}"
	}
	mux.HandleFunc(path, byMethod(methods))
}

// byMethod dispatches on the request method (HEAD as GET), and answers 405
// with the methods allowed.
func byMethod(methods map[string]http.HandlerFunc) http.HandlerFunc {
	allowed := make([]string, 0, len(methods))
	for m := range methods {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	return func(w http.ResponseWriter, r *http.Request) {
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		if h := methods[m]; h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		detail(w, http.StatusMethodNotAllowed, "Method \"%s\" not allowed.", r.Method)
	}
}

func notFoundHandler(w http.ResponseWriter, r *http.Request) {
	detail(w, http.StatusNotFound, "Not found.")
}

// ping answers who this is; it needs no authentication.
func (s *server) ping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": herald.Version, "database": s.Dialect, "instance": s.Instance})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "detail": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}
