// Package rocketchat is a fake of a Rocket.Chat incoming webhook integration
// for tests. It answers as Rocket.Chat does: 200 with {"success": true} on
// success, 404 with {"success": false, "error": "Invalid integration id or
// token provided."} for an unknown hook, and 400 with {"success": false,
// "error"} for a body it cannot use. It records every request, and can be
// scripted to answer the next requests with given replies.
package rocketchat

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Path is the path of the fake's one integration: /hooks/<integration id>/<token>.
const Path = "/hooks/D2oXe5wZEAKFYKds6/eQJ2dyMq6yPvAbNdx6uLjuiLJvQNSkSo"

// Request is one request the fake received, and what it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Rocket.Chat would".
type Reply = httppeer.Reply

// Failure is Rocket.Chat's error answer.
func Failure(status int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"success": false, "error": message})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// Message is a message the integration accepted.
type Message struct {
	Text     string `json:"text"`
	Username string `json:"username"`
	IconURL  string `json:"icon_url"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, CertPool,
// Script and Requests.
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

// NewTLS is New over HTTPS with a self-signed certificate (see CertPool).
func NewTLS(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Peer = httppeer.NewTLS(t, s.answer)
	return s
}

// HookURL is the integration's webhook URL.
func (s *Server) HookURL() string { return s.URL + Path }

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

// answer does what Rocket.Chat does with an incoming webhook call, under
// the Peer's lock.
func (s *Server) answer(r *http.Request, body []byte) Reply {
	if !strings.HasPrefix(r.URL.Path, "/hooks/") || r.Method != http.MethodPost && r.Method != http.MethodGet {
		return Failure(http.StatusNotFound, "API endpoint not found")
	}
	if r.URL.Path != Path {
		return Failure(http.StatusNotFound, "Invalid integration id or token provided.")
	}
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		return Failure(http.StatusBadRequest, "Unexpected token in JSON")
	}
	if m.Text == "" {
		return Failure(http.StatusBadRequest, "error-invalid-message")
	}
	s.messages = append(s.messages, m)
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json"}, Body: `{"success":true}`}
}
