// Package gotify is a fake Gotify server for tests. It answers POST /message
// as gotify/server's API (api/message.go CreateMessage, model.Error) does:
// 200 with the stored message ({"id", "appid", "message", "title",
// "priority", "extras", "date"}); errors as {"error", "errorCode",
// "errorDescription"}: 401 without a known application token (X-Gotify-Key,
// ?token= or Authorization: Bearer), 403 for a client token, 400 when
// "message" is missing. It records every request and the messages stored.
package gotify

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// AppToken and ClientToken are the fake's tokens.
const (
	AppToken    = "AgWQ3b-4NcZjXyq"
	ClientToken = "CkXvTq2R9sD8mPa"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Gotify would".
type Reply = httppeer.Reply

// Error is Gotify's error answer.
func Error(status int, description string) Reply {
	b, _ := json.Marshal(map[string]any{"error": http.StatusText(status), "errorCode": status, "errorDescription": description})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// Message is a message Gotify stored.
type Message struct {
	Title    string         `json:"title"`
	Message  string         `json:"message"`
	Priority *int           `json:"priority"`
	Extras   map[string]any `json:"extras"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, Script and
// Requests.
type Server struct {
	*httppeer.Peer
	messages []Message // guarded by the Peer's lock
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// Messages returns the messages stored so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

func token(r *http.Request) string {
	if t := r.Header.Get("X-Gotify-Key"); t != "" {
		return t
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.URL.Path != "/message" || r.Method != http.MethodPost {
		return Error(http.StatusNotFound, "page not found")
	}
	switch token(r) {
	case AppToken:
	case ClientToken:
		return Error(http.StatusForbidden, "you are not allowed to access this api")
	default:
		return Error(http.StatusUnauthorized, "you need to provide a valid access token or user credentials to access this api")
	}
	var m Message
	if json.Unmarshal(body, &m) != nil {
		return Error(http.StatusBadRequest, "invalid character in request body")
	}
	if m.Message == "" {
		return Error(http.StatusBadRequest, "Field 'message' is required")
	}
	if strings.TrimSpace(m.Title) == "" {
		m.Title = "Herald" // the application's name
	}
	if m.Priority == nil {
		def := 0
		m.Priority = &def
	}
	s.messages = append(s.messages, m)
	b, _ := json.Marshal(map[string]any{"id": len(s.messages), "appid": 1, "message": m.Message, "title": m.Title,
		"priority": *m.Priority, "extras": m.Extras, "date": time.Now().UTC().Format(time.RFC3339Nano)})
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}
