package hipchat

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/herald-notify/herald/notify"
)

type sender struct {
	// TLS is always verified. AWX turned verification off for HipChat; a
	// server with a private CA is trusted through SSL_CERT_FILE instead.
	client    *http.Client
	userAgent string
}

func newSender(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

// Send notifies each room not yet reached (notify.Sequentially).
func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	return notify.Sequentially(c.List("rooms"), m.Done, func(room string) error {
		return s.post(ctx, c, room, m.Subject)
	})
}

type payload struct {
	Message       string `json:"message"`
	MessageFormat string `json:"message_format"`
	Color         string `json:"color,omitempty"`
	Notify        bool   `json:"notify"`
	From          string `json:"from,omitempty"`
}

func (s *sender) post(ctx context.Context, c notify.Config, room, subject string) error {
	prefix := "Error sending message to hipchat room " + room
	body, err := json.Marshal(payload{
		Message:       subject,
		MessageFormat: "text",
		Color:         strings.ToLower(c.String("color")),
		Notify:        c.Bool("notify"),
		From:          c.String("message_from"),
	})
	if err != nil {
		return notify.Permanentf("%s: %w", prefix, err)
	}
	endpoint := strings.TrimRight(c.String("api_url"), "/") + "/v2/room/" + url.PathEscape(room) + "/notification"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return notify.Permanentf("%s: %w", prefix, err)
	}
	req.Header.Set("Content-Type", "application/json")
	// AWX passed ?auth_token=; the v2 API takes the same token as a bearer
	// header, which keeps it out of proxy and server access logs.
	req.Header.Set("Authorization", "Bearer "+c.String("token"))
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.RequestError(prefix, err)
	}
	answer := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	// Anything but 204 failed: 401, 403, 404 (no such room) are permanent,
	// 429 and 5xx transient.
	return notify.StatusError(prefix, resp, answer)
}
