// Package gotify is the "gotify" notifier type: POST {url}/message with the
// application's token, the subject as the title, the job's key facts as the
// message and a click-through to the job (extras client::notification).
package gotify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the gotify type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "gotify",
		Label: "Gotify",
		Fields: []notify.Field{
			{Key: "url", Kind: notify.String, Required: true, Label: "Server URL", Secret: notify.SecretURLPassword},
			{Key: "app_token", Kind: notify.Password, Required: true, Label: "Application token"},
			{Key: "priority", Kind: notify.Int, Default: int64(5), Label: "Priority"},
		},
		Check: func(c notify.Config) []string {
			p := notify.CheckURL(c, "url")
			p = append(p, notify.CheckNotEmpty(c, "app_token")...)
			if n := c.Int("priority"); n < 0 || n > 10 {
				p = append(p, "Configuration field 'priority' must be between 0 and 10.")
			}
			return p
		},
		New: New,
	}
}

// New returns the gotify sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	userAgent string
}

// Payload is Gotify's message (model.MessageExternal).
type Payload struct {
	Title    string         `json:"title"`
	Message  string         `json:"message"`
	Priority int64          `json:"priority"`
	Extras   map[string]any `json:"extras,omitempty"`
}

// Message builds the message for a subject and the body's facts.
func Message(c notify.Config, subject string, f notify.Facts) Payload {
	p := Payload{Title: subject, Message: f.PlainText(), Priority: c.Int("priority"),
		Extras: map[string]any{"client::display": map[string]any{"contentType": "text/plain"}}}
	if strings.TrimSpace(p.Message) == "" {
		p.Message = subject // Gotify refuses a message without text
	}
	if f.URL != "" {
		p.Extras["client::notification"] = map[string]any{"click": map[string]any{"url": f.URL}}
	}
	return p
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	const prefix = "gotify"
	body, err := json.Marshal(Message(c, m.Subject, notify.ParseFacts(m.Body)))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.String("url"), "/")+"/message", bytes.NewReader(body))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	// The header, not ?token=, so the token stays out of URLs and logs.
	req.Header.Set("X-Gotify-Key", c.String("app_token"))
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.Result{}, notify.RequestError(prefix, err)
	}
	answer := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusOK {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	// 400 (a field refused), 401 (no or unknown token), 403 (a client
	// token, not an application's) need a person; 5xx is retried.
	return notify.Result{}, notify.StatusError(prefix, resp, describe(answer))
}

// describe shortens Gotify's error {"error", "errorCode", "errorDescription"}
// to "error: description", and leaves any other answer as it came.
func describe(body []byte) []byte {
	var a struct {
		Error       string `json:"error"`
		Description string `json:"errorDescription"`
	}
	if json.Unmarshal(body, &a) != nil || a.Error == "" {
		return body
	}
	return []byte(fmt.Sprintf("%s: %s", a.Error, a.Description))
}
