// Package telegram is a fake of the Telegram Bot API's sendMessage for tests.
// It answers POST /bot<token>/sendMessage as core.telegram.org/bots/api
// documents: {"ok": true, "result": <Message>} on success, and {"ok": false,
// "error_code", "description"} otherwise, with the HTTP status equal to
// error_code: 401 "Unauthorized" for a wrong token, 400 "Bad Request: chat
// not found" for a chat the bot is not in, 429 "Too Many Requests: retry
// after N" with parameters.retry_after. It records every request and can be
// scripted per chat, so tests can make one chat fail while the others get
// through.
package telegram

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

// Reply is a scripted answer.
type Reply = httppeer.Reply

// Error is the Bot API's error answer.
func Error(code int, description string) Reply {
	b, _ := json.Marshal(map[string]any{"ok": false, "error_code": code, "description": description})
	return Reply{Status: code, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// ChatNotFound is the answer for a chat the bot cannot see.
func ChatNotFound() Reply { return Error(http.StatusBadRequest, "Bad Request: chat not found") }

// Blocked is the answer when the user blocked the bot.
func Blocked() Reply { return Error(http.StatusForbidden, "Forbidden: bot was blocked by the user") }

// RateLimited is flood control: 429 with parameters.retry_after in seconds.
func RateLimited(seconds int) Reply {
	b, _ := json.Marshal(map[string]any{"ok": false, "error_code": 429,
		"description": fmt.Sprintf("Too Many Requests: retry after %d", seconds), "parameters": map[string]any{"retry_after": seconds}})
	return Reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// Migrated is the answer for a group that became a supergroup.
func Migrated(newID int64) Reply {
	b, _ := json.Marshal(map[string]any{"ok": false, "error_code": 400,
		"description": "Bad Request: group chat was upgraded to a supergroup chat", "parameters": map[string]any{"migrate_to_chat_id": newID}})
	return Reply{Status: http.StatusBadRequest, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// Message is a message the fake accepted.
type Message struct {
	ChatID              string
	Text                string
	ParseMode           string
	DisableNotification bool
	MessageThreadID     int64
}

// Server is the fake. Its embedded Peer gives URL, Client and Close.
type Server struct {
	*httppeer.Peer
	token string
	chats map[string]int64 // chat id or @name → numeric id

	// Guarded by the Peer's lock.
	script   map[string][]Reply // by chat_id as sent
	messages []Message
}

// New starts a fake bot with token that is a member of chats (ids or
// @names); it is closed when the test ends.
func New(t testing.TB, token string, chats ...string) *Server {
	t.Helper()
	s := &Server{token: token, chats: map[string]int64{}, script: map[string][]Reply{}}
	for i, c := range chats {
		s.chats[c] = -1001000000000 - int64(i)
	}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// Script queues replies for the next messages to chat, in order.
func (s *Server) Script(chat string, replies ...Reply) {
	s.Do(func() { s.script[chat] = append(s.script[chat], replies...) })
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

type sendMessage struct {
	ChatID              json.RawMessage `json:"chat_id"`
	Text                string          `json:"text"`
	ParseMode           string          `json:"parse_mode"`
	DisableNotification bool            `json:"disable_notification"`
	MessageThreadID     int64           `json:"message_thread_id"`
}

// chatKey reads chat_id, which the Bot API takes as an integer or a string.
func chatKey(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

func (s *Server) answer(r *http.Request, body []byte) Reply {
	var p sendMessage
	_ = json.Unmarshal(body, &p)
	chat := chatKey(p.ChatID)
	if q := s.script[chat]; len(q) > 0 {
		var rep Reply
		rep, s.script[chat] = q[0], q[1:]
		return rep
	}
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	switch {
	case !strings.HasPrefix(r.URL.Path, "/bot") || !ok:
		return Error(http.StatusNotFound, "Not Found")
	case token != s.token:
		return Error(http.StatusUnauthorized, "Unauthorized")
	case !strings.EqualFold(method, "sendMessage"):
		return Error(http.StatusNotFound, "Not Found: method not found")
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		return Error(http.StatusBadRequest, "Bad Request: message text is empty")
	case chat == "":
		return Error(http.StatusBadRequest, "Bad Request: chat_id is empty")
	case strings.TrimSpace(p.Text) == "":
		return Error(http.StatusBadRequest, "Bad Request: message text is empty")
	case len([]rune(p.Text)) > 4096:
		return Error(http.StatusBadRequest, "Bad Request: message is too long")
	}
	id, known := s.chats[chat]
	if !known {
		return ChatNotFound()
	}
	if p.ParseMode == "HTML" && strings.Count(p.Text, "<b>") != strings.Count(p.Text, "</b>") {
		return Error(http.StatusBadRequest, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"")
	}
	s.messages = append(s.messages, Message{ChatID: chat, Text: p.Text, ParseMode: p.ParseMode,
		DisableNotification: p.DisableNotification, MessageThreadID: p.MessageThreadID})
	b, _ := json.Marshal(map[string]any{"ok": true, "result": map[string]any{
		"message_id": len(s.messages), "date": time.Now().Unix(), "text": p.Text,
		"chat": map[string]any{"id": id, "type": "supergroup"},
		"from": map[string]any{"id": 1, "is_bot": true, "first_name": "Herald"},
	}})
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}
