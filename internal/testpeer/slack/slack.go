// Package slack is a fake of Slack's Web API method chat.postMessage for
// tests. It answers as Slack documents: HTTP 200 with {"ok": false, "error":
// "..."} for logical errors (not_authed, invalid_auth, channel_not_found,
// no_text), HTTP 429 with Retry-After for rate limits, and {"ok": true,
// "channel", "ts"} on success. It records every request, and can be scripted
// to answer the next requests with given replies.
package slack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and what it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Slack would".
type Reply = httppeer.Reply

// RateLimited is Slack's answer to a caller over its rate limit.
func RateLimited(retryAfter int) Reply {
	return Reply{
		Status: http.StatusTooManyRequests,
		Header: map[string]string{"Retry-After": strconv.Itoa(retryAfter)},
		Body:   `{"ok":false,"error":"ratelimited"}`,
	}
}

// Fail is Slack's answer for a logical error such as is_archived: HTTP 200
// with ok false.
func Fail(code string) Reply {
	return Reply{Status: http.StatusOK, Body: fmt.Sprintf(`{"ok":false,"error":%q}`, code)}
}

// Message is a message Slack accepted.
type Message struct {
	Channel     string // the channel's ID
	Name        string // the channel's name
	Text        string
	ThreadTS    string
	Attachments []Attachment
}

// Attachment is a legacy message attachment.
type Attachment struct {
	Color string `json:"color"`
	Text  string `json:"text"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, Script and
// Requests.
type Server struct {
	*httppeer.Peer
	token    string
	channels map[string]string // name → ID

	// Guarded by the Peer's lock, which answer runs under.
	messages []Message
	ts       int
}

// New starts a fake over plain HTTP that accepts token and knows channels
// (names without '#'); it is closed when the test ends.
func New(t testing.TB, token string, channels ...string) *Server {
	t.Helper()
	s := &Server{token: token, channels: make(map[string]string, len(channels))}
	for i, c := range channels {
		s.channels[c] = fmt.Sprintf("C%08d", i+1)
	}
	// Slack says JSON even for a scripted reply.
	s.Peer = httppeer.New(t, s.answer, httppeer.Header("Content-Type", "application/json; charset=utf-8"))
	return s
}

// APIURL is the base URL of the Web API, as Env.SlackAPIURL wants it.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ChannelID returns the ID of a channel the fake knows.
func (s *Server) ChannelID(name string) string { return s.channels[name] }

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

// answer does what Slack does with a chat.postMessage call, under the
// Peer's lock.
func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.URL.Path != "/api/chat.postMessage" {
		return Fail("unknown_method")
	}
	if r.Method != http.MethodPost {
		return Fail("invalid_request")
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !ok || token == "":
		return Fail("not_authed")
	case token != s.token:
		return Fail("invalid_auth")
	}
	var in struct {
		Channel     string       `json:"channel"`
		Text        string       `json:"text"`
		ThreadTS    string       `json:"thread_ts"`
		Attachments []Attachment `json:"attachments"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return Fail("invalid_form_data")
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Fail("invalid_json")
	}
	name := strings.TrimPrefix(in.Channel, "#")
	id, ok := s.channels[name]
	if !ok {
		for n, i := range s.channels {
			if i == in.Channel {
				name, id, ok = n, i, true
			}
		}
	}
	if !ok {
		return Fail("channel_not_found")
	}
	if in.Text == "" && len(in.Attachments) == 0 {
		return Fail("no_text")
	}
	s.ts++
	ts := fmt.Sprintf("1700000000.%06d", s.ts)
	s.messages = append(s.messages, Message{Channel: id, Name: name, Text: in.Text, ThreadTS: in.ThreadTS, Attachments: in.Attachments})
	out, _ := json.Marshal(map[string]any{"ok": true, "channel": id, "ts": ts,
		"message": map[string]any{"type": "message", "text": in.Text, "ts": ts}})
	return Reply{Status: http.StatusOK, Body: string(out)}
}
