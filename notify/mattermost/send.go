package mattermost

import (
	"context"
	"net/http"
	"strings"

	"github.com/herald-notify/herald/notify"
)

const errPrefix = "Error sending notification mattermost"

type sender struct {
	client, insecure *http.Client
	userAgent        string
}

func newSender(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), insecure: env.HTTPClient(true), userAgent: env.UserAgent}
}

type payload struct {
	Text     string `json:"text"`
	Username string `json:"username,omitempty"`
	Channel  string `json:"channel,omitempty"`
	IconURL  string `json:"icon_url,omitempty"`
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	client := s.client
	if c.Bool("mattermost_no_verify_ssl") {
		client = s.insecure
	}
	// JSON, with its content type: without it Mattermost expects Slack's payload= form.
	resp, answer, err := notify.PostJSON(ctx, client, c.String("mattermost_url"), s.userAgent, errPrefix, payload{
		Text:     m.Subject,
		Username: strings.TrimSpace(c.String("mattermost_username")),
		Channel:  strings.TrimSpace(c.String("mattermost_channel")),
		IconURL:  strings.TrimSpace(c.String("mattermost_icon_url")),
	})
	if err != nil {
		return notify.Result{}, err
	}
	return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
}
