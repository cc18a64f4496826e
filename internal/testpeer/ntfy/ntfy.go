// Package ntfy is a fake ntfy server for tests. It takes a message published
// as JSON to its root (docs.ntfy.sh/publish/#publish-as-json) and answers as
// the server does: 200 with the message event ({"id", "time", "event":
// "message", "topic", "title", "message", "priority", "tags", "click"}), or
// its JSON error {"code", "http", "error", "link"}: 40301 forbidden for a
// protected topic without a valid token, 40101 unauthorized for a wrong
// token, 40007 invalid priority parameter, 42901 too many requests (no
// Retry-After). A message over 4,096 bytes is turned into an attachment, as
// the server does, its text replaced by "You received a file:
// attachment.txt". It records every request and the messages published.
package ntfy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as ntfy would".
type Reply = httppeer.Reply

// Error is ntfy's JSON error answer.
func Error(status, code int, text, link string) Reply {
	b, _ := json.Marshal(map[string]any{"code": code, "http": status, "error": text, "link": link})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b) + "\n"}
}

// TooManyRequests is ntfy's visitor rate limit answer.
func TooManyRequests() Reply {
	return Error(http.StatusTooManyRequests, 42901, "limit reached: too many requests", "https://ntfy.sh/docs/publish/#limitations")
}

// Message is a message the server published.
type Message struct {
	Topic    string   `json:"topic"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Priority int      `json:"priority"`
	Tags     []string `json:"tags"`
	Click    string   `json:"click"`
	// Attachment is true when the text was too long and became a file.
	Attachment bool `json:"-"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, Script and
// Requests.
type Server struct {
	*httppeer.Peer
	protected map[string]string // topic → the token that may write it
	messages  []Message         // guarded by the Peer's lock
}

// New starts a fake server whose topics are open to anyone, except those
// given in protected, which only their token may write; it is closed when
// the test ends.
func New(t testing.TB, protected map[string]string) *Server {
	t.Helper()
	s := &Server{protected: protected}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// Messages returns the messages published so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return Error(http.StatusNotFound, 40401, "page not found", "")
	}
	if r.URL.Path != "/" {
		// Publishing to /<topic> takes the body as the text; the JSON form goes to the root.
		return Error(http.StatusBadRequest, 40001, "invalid request: this fake takes JSON at the root only", "https://ntfy.sh/docs/publish/#publish-as-json")
	}
	var m Message
	if json.Unmarshal(body, &m) != nil || m.Topic == "" {
		return Error(http.StatusBadRequest, 40017, "invalid request: request body must be message JSON", "https://ntfy.sh/docs/publish/#publish-as-json")
	}
	auth := r.Header.Get("Authorization")
	if want, ok := s.protected[m.Topic]; ok {
		switch {
		case auth == "":
			return Error(http.StatusForbidden, 40301, "forbidden", "https://ntfy.sh/docs/publish/#authentication")
		case auth != "Bearer "+want:
			return Error(http.StatusUnauthorized, 40101, "unauthorized", "https://ntfy.sh/docs/publish/#authentication")
		}
	}
	if m.Priority < 0 || m.Priority > 5 {
		return Error(http.StatusBadRequest, 40007, "invalid priority parameter", "https://ntfy.sh/docs/publish/#message-priority")
	}
	if len(m.Message) > 4096 {
		m.Message, m.Attachment = "You received a file: attachment.txt", true
	}
	if m.Message == "" {
		m.Message = "triggered"
	}
	s.messages = append(s.messages, m)
	out := map[string]any{"id": fmt.Sprintf("hwQ2YpKdmg%02d", len(s.messages)), "time": time.Now().Unix(), "expires": time.Now().Add(12 * time.Hour).Unix(),
		"event": "message", "topic": m.Topic, "title": m.Title, "message": m.Message, "priority": m.Priority, "tags": m.Tags, "click": m.Click}
	if m.Priority == 0 {
		delete(out, "priority")
	}
	if strings.TrimSpace(m.Title) == "" {
		delete(out, "title")
	}
	b, _ := json.Marshal(out)
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b) + "\n"}
}
