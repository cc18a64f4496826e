package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/herald-notify/herald/notify"
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

type sender struct {
	client    *http.Client
	endpoint  string // {base}chat.postMessage
	userAgent string
}

func newSender(env notify.Env) notify.Sender {
	base := env.SlackAPIURL
	if base == "" {
		base = DefaultAPIURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &sender{client: env.TrustedHTTPClient(), endpoint: base + "chat.postMessage", userAgent: env.UserAgent}
}

// Send posts to each channel not yet reached (notify.Sequentially).
func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	return notify.Sequentially(c.List("channels"), m.Done, func(entry string) error {
		return s.post(ctx, c, entry, m.Subject)
	})
}

type attachment struct {
	Color string `json:"color"`
	Text  string `json:"text"`
}

type payload struct {
	Channel     string       `json:"channel"`
	Text        string       `json:"text,omitempty"`
	Attachments []attachment `json:"attachments,omitempty"`
	ThreadTS    string       `json:"thread_ts,omitempty"`
}

func (s *sender) post(ctx context.Context, c notify.Config, entry, subject string) error {
	prefix := "Slack Notification unable to send " + entry
	p := payload{}
	p.Channel, p.ThreadTS = destination(entry)
	if color := c.String("hex_color"); color != "" {
		p.Attachments = []attachment{{Color: color, Text: subject}}
	} else {
		p.Text = subject
	}
	body, err := json.Marshal(p)
	if err != nil {
		return notify.Permanentf("%s: %w", prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return notify.Permanentf("%s: %w", prefix, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+c.String("token"))
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.RequestError(prefix, err)
	}
	answer := notify.ReadBody(resp)
	if resp.StatusCode != http.StatusOK {
		// 429 (ratelimited, with Retry-After) and 5xx are transient, the rest permanent.
		return notify.StatusError(prefix, resp, answer)
	}
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		// Slack may have posted; a retry could post twice.
		return notify.Permanentf("%s: unexpected answer: %w", prefix, err)
	}
	if out.OK {
		return nil
	}
	err = fmt.Errorf("%s: %s", prefix, out.Error)
	switch out.Error {
	case "ratelimited", "rate_limited", "service_unavailable", "request_timeout":
		// Slack says nothing was posted and a later call may succeed.
		// internal_error and fatal_error are not retried: Slack warns that
		// part of the call may have succeeded, and a retry could post twice.
		return notify.WithAnswer(notify.Transient(err, notify.RetryAfter(resp.Header.Get("Retry-After"), time.Now())), notify.HTTPAnswer(resp, answer))
	}
	// channel_not_found, not_in_channel, invalid_auth, not_authed,
	// account_inactive, token_revoked, is_archived... need the user to act.
	return notify.WithAnswer(notify.Permanent(err), notify.HTTPAnswer(resp, answer))
}
