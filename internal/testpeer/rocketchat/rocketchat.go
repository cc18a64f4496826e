// Package rocketchat is a fake of a Rocket.Chat incoming webhook integration
// for tests. It answers as Rocket.Chat does: 200 with {"success": true} on
// success, 404 with {"success": false, "error": "Invalid integration id or
// token provided."} for an unknown hook, and 400 with {"success": false,
// "error"} for a body it cannot use. It records every request, and can be
// scripted to answer the next requests with given replies.
package rocketchat

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Path is the path of the fake's one integration: /hooks/<integration id>/<token>.
const Path = "/hooks/D2oXe5wZEAKFYKds6/eQJ2dyMq6yPvAbNdx6uLjuiLJvQNSkSo"

// Request is one request the fake received, and what it answered.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Status int
}

// Reply is a scripted answer. The zero Reply means "answer as Rocket.Chat would".
type Reply struct {
	Status int
	Header map[string]string
	Body   string
}

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

// Server is the fake. Its embedded httptest.Server gives URL, Client and Close.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	script   []Reply
	requests []Request
	messages []Message
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// NewTLS is New over HTTPS with a self-signed certificate (see CertPool).
func NewTLS(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// HookURL is the integration's webhook URL.
func (s *Server) HookURL() string { return s.URL + Path }

// CertPool trusts the fake's self-signed certificate.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// Script queues replies for the next requests, in order.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := Reply{}
	if len(s.script) > 0 {
		rep, s.script = s.script[0], s.script[1:]
	}
	if rep.Status == 0 {
		rep = s.answer(r, body)
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Status: rep.Status})
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}

// answer does what Rocket.Chat does with an incoming webhook call. s.mu is held.
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
