// Package heraldtest starts a whole Herald (store on a real SQLite file in a
// temporary directory, or PostgreSQL, the API on a real listener, and the
// delivery engine) for tests, and gives them a small JSON client.
package heraldtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/service"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
	"github.com/herald-notify/herald/notify/registry"
)

// AdminPassword is the admin's password in every test server.
const AdminPassword = "test-admin-password"

// Options change a test server. The zero value is a server on a new SQLite
// file with retries shortened to milliseconds.
type Options struct {
	DatabaseURL string // "" for a new SQLite file
	SecretKey   string // "" for a fixed test key
	Env         notify.Env
	Delivery    deliver.Config
	HTTP        service.HTTPLimits
	Log         io.Writer // where the service logs (debug level); nil: nowhere
}

// Server is a running Herald.
type Server struct {
	URL     string
	Service *service.Service
	t       testing.TB
	client  *http.Client
	auth    string // the Authorization header; "" for admin's Basic
}

// Start starts a Herald and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.DatabaseURL == "" {
		opts.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "herald.db")
	}
	if opts.SecretKey == "" {
		opts.SecretKey = "test-secret-key-that-is-at-least-32-bytes-long"
	}
	// Tests never leave this machine: hosted services default to a closed local port.
	for _, u := range []*string{&opts.Env.SlackAPIURL, &opts.Env.PagerDutyURL, &opts.Env.TwilioAPIURL} {
		if *u == "" {
			*u = "http://127.0.0.1:1/"
		}
	}
	// Test receivers listen on 127.0.0.1, which the destination guard
	// refuses unless admitted: admit loopback, as an operator would with
	// --allow-destinations=127.0.0.1,::1. A test of the guard passes its
	// own list (an empty one refuses loopback).
	if opts.Env.Allow == nil {
		opts.Env.Allow = notifytest.Loopback()
	}
	endpoints := map[string]string{}
	for _, spec := range registry.Types() {
		if e := spec.Endpoint; e != nil {
			endpoints[e.Var] = "http://127.0.0.1:1"
		}
	}
	for k, v := range opts.Env.Endpoints {
		endpoints[k] = v
	}
	opts.Env.Endpoints = endpoints
	d := opts.Delivery
	if d.Policy.MaxAttempts == 0 {
		d.Policy = deliver.Policy{MaxAttempts: 3, Base: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxRetryAfter: 2 * time.Second}
	}
	if d.AttemptTimeout == 0 {
		d.AttemptTimeout = 5 * time.Second
	}
	if d.Poll == 0 {
		d.Poll = 50 * time.Millisecond
	}
	if d.ShutdownTimeout == 0 {
		d.ShutdownTimeout = 5 * time.Second
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var log *slog.Logger
	if opts.Log != nil {
		log = slog.New(slog.NewTextHandler(opts.Log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	svc, err := service.Open(ctx, service.Config{
		DatabaseURL: opts.DatabaseURL, SecretKey: opts.SecretKey, AdminPassword: AdminPassword,
		BaseURL: "https://herald.example.com", Env: opts.Env, Delivery: d, HTTP: opts.HTTP, Logger: log,
	})
	if err != nil {
		cancel()
		t.Fatalf("start herald: %v", err)
	}
	done := make(chan struct{})
	go func() { svc.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		svc.Close()
	})
	return &Server{URL: "http://" + ln.Addr().String(), Service: svc, t: t, client: &http.Client{Timeout: 30 * time.Second}}
}

// For returns the same server with requests failing t instead of the test
// that started it (for subtests sharing one server).
func (s *Server) For(t testing.TB) *Server {
	c := *s
	c.t = t
	return &c
}

// As returns the same server with requests made as username (Basic).
func (s *Server) As(username, password string) *Server {
	c := *s
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(username, password)
	c.auth = req.Header.Get("Authorization")
	return &c
}

// WithToken returns the same server with requests made with a bearer token.
func (s *Server) WithToken(token string) *Server {
	c := *s
	c.auth = "Bearer " + token
	return &c
}

// Response is an answer: its status, headers and body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r *Response) JSON() map[string]any {
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return m
}

// Do sends a request as admin (or as the user of As or WithToken). body is JSON-encoded unless it is a string or []byte (sent as is).
func (s *Server) Do(method, path string, body any, header ...string) *Response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.SetBasicAuth("admin", AdminPassword)
	if s.auth != "" {
		req.Header.Set("Authorization", s.auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Must sends a request and fails the test unless the status is want; it returns the decoded body.
func (s *Server) Must(want int, method, path string, body any) map[string]any {
	s.t.Helper()
	r := s.Do(method, path, body)
	if r.Status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r.JSON()
}

// ID returns the "id" of a decoded object.
func ID(obj map[string]any) int64 {
	f, _ := obj["id"].(float64)
	return int64(f)
}

// Eventually polls cond until it is true or the deadline passes.
func Eventually(t testing.TB, within time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// WaitNotification waits until notification id is no longer pending and returns it.
func (s *Server) WaitNotification(id int64, within time.Duration) map[string]any {
	s.t.Helper()
	var n map[string]any
	ok := Eventually(s.t, within, func() bool {
		n = s.Must(http.StatusOK, "GET", "/api/v1/notifications/"+itoa(id)+"/", nil)
		return n["status"] != "pending"
	})
	if !ok {
		s.t.Fatalf("notification %d still pending after %s: %v", id, within, n)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// PostgresURL returns a new PostgreSQL database for the test, dropped at its
// end, or skips the test when no server answers (CI always has one).
func PostgresURL(t testing.TB) string {
	t.Helper()
	url, ok := postgresDatabase(t)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL is not reachable at 127.0.0.1:5432 (HERALD_TEST_POSTGRES); CI must start it")
		}
		t.Skip("PostgreSQL not reachable at 127.0.0.1:5432: start it or set HERALD_TEST_POSTGRES")
	}
	return url
}
