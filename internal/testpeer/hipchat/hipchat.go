// Package hipchat is a fake of HipChat's REST API v2 room notification
// method for tests (HipChat Cloud was shut down in 2019, so a fake is the
// only peer). It answers as the v2 API documented: 204 No Content on
// success, and {"error": {"code", "message", "type"}} with 400, 401, 404 or
// 429. It records every request, and can be scripted to answer the next
// requests with given replies.
package hipchat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and what it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as HipChat would".
type Reply = httppeer.Reply

// Error is HipChat's error answer for status.
func Error(status int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": status, "message": message, "type": http.StatusText(status)}})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// RateLimited is HipChat's answer to a caller over its rate limit.
func RateLimited(retryAfter string) Reply {
	r := Error(http.StatusTooManyRequests, "You have exceeded the rate limit. See https://www.hipchat.com/docs/apiv2/rate_limiting")
	r.Header["Retry-After"] = retryAfter
	return r
}

// Notification is a room notification HipChat accepted.
type Notification struct {
	Room          string
	Message       string `json:"message"`
	MessageFormat string `json:"message_format"`
	Color         string `json:"color"`
	Notify        bool   `json:"notify"`
	From          string `json:"from"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, CertPool,
// Script and Requests.
type Server struct {
	*httppeer.Peer
	token string
	rooms map[string]bool

	notifications []Notification // guarded by the Peer's lock
}

// New starts a fake over plain HTTP that accepts token and knows rooms (by
// name); it is closed when the test ends.
func New(t testing.TB, token string, rooms ...string) *Server {
	t.Helper()
	s := newServer(token, rooms)
	s.Peer = httppeer.New(t, s.answer, s.options()...)
	return s
}

// NewTLS is New over HTTPS with a self-signed certificate (see CertPool).
func NewTLS(t testing.TB, token string, rooms ...string) *Server {
	t.Helper()
	s := newServer(token, rooms)
	s.Peer = httppeer.NewTLS(t, s.answer, s.options()...)
	return s
}

func newServer(token string, rooms []string) *Server {
	s := &Server{token: token, rooms: make(map[string]bool, len(rooms))}
	for _, r := range rooms {
		s.rooms[r] = true
	}
	return s
}

const notifyRoute = "POST /v2/room/{room}/notification"

// options route requests as HipChat did, and record paths as sent so tests
// see how room names were escaped.
func (s *Server) options() []httppeer.Option {
	return []httppeer.Option{httppeer.EscapedPath(), httppeer.Wrap(func(peer http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", peer)
		mux.Handle(notifyRoute, peer)
		return mux
	})}
}

// Notifications returns the notifications accepted so far.
func (s *Server) Notifications() []Notification { return httppeer.Snapshot(s.Peer, &s.notifications) }

func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.Pattern != notifyRoute {
		return Error(http.StatusNotFound, "Resource not found")
	}
	return s.notify(r, r.PathValue("room"), body)
}

var colors = map[string]bool{"yellow": true, "green": true, "red": true, "purple": true, "gray": true, "random": true}

// notify does what HipChat does with a room notification, under the
// Peer's lock.
func (s *Server) notify(r *http.Request, room string, body []byte) Reply {
	// HipChat took the token as a bearer header or as ?auth_token=.
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		token = r.URL.Query().Get("auth_token")
	}
	switch {
	case token == "":
		return Error(http.StatusUnauthorized, "Authenticated requests only. See https://www.hipchat.com/docs/apiv2/auth for more information.")
	case token != s.token:
		return Error(http.StatusUnauthorized, "Invalid OAuth session")
	}
	if !s.rooms[room] {
		return Error(http.StatusNotFound, "Room not found")
	}
	n := Notification{MessageFormat: "html", Color: "yellow"}
	if err := json.Unmarshal(body, &n); err != nil {
		return Error(http.StatusBadRequest, "The request body cannot be parsed as valid JSON")
	}
	switch {
	case n.Message == "" || len([]rune(n.Message)) > 10000:
		return Error(http.StatusBadRequest, "Invalid length for message: must be between 1 and 10000")
	case !colors[n.Color]:
		return Error(http.StatusBadRequest, fmt.Sprintf("Invalid color %q", n.Color))
	case n.MessageFormat != "html" && n.MessageFormat != "text":
		return Error(http.StatusBadRequest, fmt.Sprintf("Invalid message_format %q", n.MessageFormat))
	}
	n.Room = room
	s.notifications = append(s.notifications, n)
	return Reply{Status: http.StatusNoContent}
}
