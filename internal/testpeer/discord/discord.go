// Package discord is a fake of a Discord channel webhook for tests. It
// answers POST /api/webhooks/{id}/{token} as discord.com/developers/docs
// (resources/webhook "Execute Webhook", topics/rate-limits) documents: with
// ?wait=true, 200 and the message object once it is saved; without it, 204
// and nothing to say whether it was; 404 {"message": "Unknown Webhook",
// "code": 10015}, 401 {"message": "Invalid Webhook Token", "code": 50027},
// 400 {"message": "Cannot send an empty message", "code": 50006}; and when
// rate limited, 429 with {"message", "retry_after" (seconds, a float),
// "global"} and the X-RateLimit-* and Retry-After headers. It records every
// request and what it accepted.
package discord

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Webhook id and token of the fake's one webhook.
const (
	ID    = "1234567890123456789"
	Token = "wh-token_ABCdef"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Discord would".
type Reply = httppeer.Reply

// Error is Discord's JSON error answer.
func Error(status, code int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"message": message, "code": code})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// RateLimited is a 429 for one webhook bucket, asking to wait seconds.
func RateLimited(seconds float64) Reply {
	b, _ := json.Marshal(map[string]any{"message": "You are being rate limited.", "retry_after": seconds, "global": false})
	return Reply{Status: http.StatusTooManyRequests, Body: string(b), Header: map[string]string{
		"Content-Type":            "application/json",
		"Retry-After":             strconv.Itoa(int(math.Ceil(seconds))),
		"X-RateLimit-Limit":       "5",
		"X-RateLimit-Remaining":   "0",
		"X-RateLimit-Reset-After": strconv.FormatFloat(seconds, 'f', 3, 64),
		"X-RateLimit-Bucket":      "a06de0de4a8ab5b4b2a2ee9fd1cbe4c5",
		"X-RateLimit-Scope":       "shared",
	}}
}

// Message is a message the webhook accepted.
type Message struct {
	Content   string  `json:"content"`
	Username  string  `json:"username"`
	AvatarURL string  `json:"avatar_url"`
	Embeds    []Embed `json:"embeds"`
	// ThreadID is the thread_id the post was sent to (from the query).
	ThreadID string `json:"-"`
	// AllowedMentions is what the poster let Discord ping.
	AllowedMentions *struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

// Embed is a rich embed.
type Embed struct {
	Title       string  `json:"title"`
	URL         string  `json:"url"`
	Description string  `json:"description"`
	Color       int     `json:"color"`
	Fields      []Field `json:"fields"`
}

// Field is one of an embed's fields.
type Field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
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

// HookURL is the webhook's URL.
func (s *Server) HookURL() string { return s.URL + "/api/webhooks/" + ID + "/" + Token }

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

func (s *Server) answer(r *http.Request, body []byte) Reply {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/webhooks/"), "/")
	switch {
	case !strings.HasPrefix(r.URL.Path, "/api/webhooks/") || len(parts) != 2:
		return Error(http.StatusNotFound, 0, "404: Not Found")
	case parts[0] != ID:
		return Error(http.StatusNotFound, 10015, "Unknown Webhook")
	case parts[1] != Token:
		return Error(http.StatusUnauthorized, 50027, "Invalid Webhook Token")
	case r.Method != http.MethodPost:
		return Error(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
	var m Message
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &m) != nil {
		return Error(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
	}
	if strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 {
		return Error(http.StatusBadRequest, 50006, "Cannot send an empty message")
	}
	if len([]rune(m.Content)) > 2000 || len(m.Embeds) > 10 {
		return Error(http.StatusBadRequest, 50035, "Invalid Form Body")
	}
	for _, e := range m.Embeds {
		if len(e.Fields) > 25 || len([]rune(e.Title)) > 256 {
			return Error(http.StatusBadRequest, 50035, "Invalid Form Body")
		}
	}
	m.ThreadID = r.URL.Query().Get("thread_id")
	s.messages = append(s.messages, m)
	if r.URL.Query().Get("wait") != "true" {
		return Reply{Status: http.StatusNoContent}
	}
	b, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("11%017d", len(s.messages)), "type": 0, "channel_id": "998877665544332211",
		"webhook_id": ID, "content": m.Content, "embeds": m.Embeds, "author": map[string]any{"id": ID, "username": m.Username, "bot": true}})
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}
