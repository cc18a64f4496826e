// Package googlechat is a fake of a Google Chat incoming webhook for tests.
// It answers POST /v1/spaces/{space}/messages?key=...&token=... as
// developers.google.com/workspace/chat documents (quickstart/webhooks,
// spaces.messages.create, limits): 200 with the created Message ({"name",
// "text", "thread": {"name", "threadKey"}, "space"...}); a thread.threadKey
// puts the message in that thread only with messageReplyOption
// REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD or REPLY_MESSAGE_OR_FAIL, and starts a
// new thread otherwise; errors in Google's shape {"error": {"code",
// "message", "status"}}: 400 INVALID_ARGUMENT, 403 PERMISSION_DENIED for a
// wrong token, 404 NOT_FOUND for an unknown space, and 429
// RESOURCE_EXHAUSTED over the space's quota. It records every request and
// the messages with the thread each went to.
package googlechat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Space, Key and Token identify the fake's one webhook.
const (
	Space = "AAAAbcdEfgh"
	Key   = "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"
	Token = "tok_3HnRb"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Google Chat would".
type Reply = httppeer.Reply

// Error is Google's error answer.
func Error(code int, status, message string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message, "status": status}})
	return Reply{Status: code, Header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, Body: string(b)}
}

// Exhausted is the answer over the space's write quota.
func Exhausted() Reply {
	return Error(http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
		"Resource has been exhausted (e.g. check quota).")
}

// Message is a message the webhook accepted.
type Message struct {
	Text      string
	ThreadKey string // as sent
	Thread    string // the thread it landed in: spaces/S/threads/T
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, Script and
// Requests.
type Server struct {
	*httppeer.Peer
	// Guarded by the Peer's lock.
	messages []Message
	threads  map[string]string // threadKey → thread name
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{threads: map[string]string{}}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// HookURL is the webhook's URL, as Google Chat shows it.
func (s *Server) HookURL() string {
	return s.URL + "/v1/spaces/" + Space + "/messages?key=" + Key + "&token=" + Token
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

func (s *Server) answer(r *http.Request, body []byte) Reply {
	space, ok := strings.CutPrefix(r.URL.Path, "/v1/spaces/")
	space, rest, _ := strings.Cut(space, "/")
	q := r.URL.Query()
	switch {
	case !ok || rest != "messages":
		return Error(http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
	case q.Get("key") != Key:
		return Error(http.StatusBadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
	case space != Space:
		return Error(http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
	case q.Get("token") != Token:
		return Error(http.StatusForbidden, "PERMISSION_DENIED", "The caller does not have permission")
	case r.Method != http.MethodPost:
		return Error(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method not allowed.")
	}
	var m struct {
		Text   string `json:"text"`
		Thread *struct {
			ThreadKey string `json:"threadKey"`
		} `json:"thread"`
	}
	if json.Unmarshal(body, &m) != nil {
		return Error(http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.")
	}
	if strings.TrimSpace(m.Text) == "" {
		return Error(http.StatusBadRequest, "INVALID_ARGUMENT", "Message cannot be empty. Discarding empty message.")
	}
	if len(m.Text) > 32000 {
		return Error(http.StatusBadRequest, "INVALID_ARGUMENT", "Message text is too long.")
	}
	key := ""
	if m.Thread != nil {
		key = m.Thread.ThreadKey
	}
	// Without a reply option the thread key is ignored: a new thread.
	threadName := fmt.Sprintf("spaces/%s/threads/t%d", Space, len(s.messages)+1)
	switch opt := q.Get("messageReplyOption"); {
	case key != "" && (opt == "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" || opt == "REPLY_MESSAGE_OR_FAIL"):
		if existing, ok := s.threads[key]; ok {
			threadName = existing
		} else {
			s.threads[key] = threadName
		}
	}
	s.messages = append(s.messages, Message{Text: m.Text, ThreadKey: key, Thread: threadName})
	out := map[string]any{
		"name":   fmt.Sprintf("spaces/%s/messages/m%d", Space, len(s.messages)),
		"sender": map[string]any{"name": "users/114022495153014004089", "type": "BOT"},
		"text":   m.Text,
		"thread": map[string]any{"name": threadName, "threadKey": key},
		"space":  map[string]any{"name": "spaces/" + Space, "type": "ROOM"},
	}
	b, _ := json.Marshal(out)
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, Body: string(b)}
}
