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
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Request is one request the fake received, and what it answered.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Status int
}

// Reply is a scripted answer. The zero Reply means "answer as Slack would".
type Reply struct {
	Status int
	Header map[string]string
	Body   string
}

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

// Server is the fake. Its embedded httptest.Server gives URL, Client and Close.
type Server struct {
	*httptest.Server
	token    string
	channels map[string]string // name → ID

	mu       sync.Mutex
	script   []Reply
	requests []Request
	messages []Message
	ts       int
}

// New starts a fake over plain HTTP that accepts token and knows channels
// (names without '#'); it is closed when the test ends.
func New(t testing.TB, token string, channels ...string) *Server {
	t.Helper()
	s := newServer(token, channels)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func newServer(token string, channels []string) *Server {
	s := &Server{token: token, channels: make(map[string]string, len(channels))}
	for i, c := range channels {
		s.channels[c] = fmt.Sprintf("C%08d", i+1)
	}
	return s
}

// APIURL is the base URL of the Web API, as Env.SlackAPIURL wants it.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ChannelID returns the ID of a channel the fake knows.
func (s *Server) ChannelID(name string) string { return s.channels[name] }

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
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}

// answer does what Slack does with a chat.postMessage call. s.mu is held.
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
