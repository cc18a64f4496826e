// Package mattermost is a fake of a Mattermost incoming webhook for tests. It
// answers as Mattermost does: 200 with the text "ok" on success, and 400 with
// an AppError JSON ({"id", "message", "detailed_error", "request_id",
// "status_code"}) for an unknown hook, a body it cannot parse, or no text.
// It records every request, and can be scripted to answer the next requests
// with given replies.
package mattermost

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Key is the key of the fake's one incoming webhook.
const Key = "xxx-generatedkey-xxx"

// Request is one request the fake received, and what it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Mattermost would".
type Reply = httppeer.Reply

// AppError is Mattermost's error answer.
func AppError(status int, id, message string) Reply {
	b, _ := json.Marshal(map[string]any{"id": id, "message": message, "detailed_error": "",
		"request_id": "hoan6o9ws7rp5xj7wu9rmysrte", "status_code": status})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// Post is a post the webhook accepted.
type Post struct {
	Text     string `json:"text"`
	Channel  string `json:"channel"`
	Username string `json:"username"`
	IconURL  string `json:"icon_url"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, CertPool,
// Script and Requests.
type Server struct {
	*httppeer.Peer
	posts []Post // guarded by the Peer's lock
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

// HookURL is the incoming webhook's URL.
func (s *Server) HookURL() string { return s.URL + "/hooks/" + Key }

// Posts returns the posts accepted so far.
func (s *Server) Posts() []Post { return httppeer.Snapshot(s.Peer, &s.posts) }

// answer does what Mattermost does with an incoming webhook call, under the
// Peer's lock.
func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/hooks/") {
		return AppError(http.StatusNotFound, "api.context.404.app_error", "Sorry, we could not find the page.")
	}
	if strings.TrimPrefix(r.URL.Path, "/hooks/") != Key {
		return AppError(http.StatusBadRequest, "web.incoming_webhook.invalid.app_error", "Invalid webhook.")
	}
	// Without a JSON content type Mattermost expects Slack's form encoding, payload=<json>.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("payload") == "" {
			return AppError(http.StatusBadRequest, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.")
		}
		body = []byte(form.Get("payload"))
	}
	var p Post
	if err := json.Unmarshal(body, &p); err != nil {
		return AppError(http.StatusBadRequest, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data.")
	}
	if p.Text == "" {
		return AppError(http.StatusBadRequest, "web.incoming_webhook.text.app_error", "No text specified.")
	}
	s.posts = append(s.posts, p)
	return Reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "text/plain"}, Body: "ok"}
}
