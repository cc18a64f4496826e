package rocketchat

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/herald-notify/herald/notify"
)

const errPrefix = "Error sending notification rocket.chat"

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
	IconURL  string `json:"icon_url,omitempty"`
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	client := s.client
	if c.Bool("rocketchat_no_verify_ssl") {
		client = s.insecure
	}
	resp, answer, err := notify.PostJSON(ctx, client, c.String("rocketchat_url"), s.userAgent, errPrefix, payload{
		Text:     m.Subject,
		Username: strings.TrimSpace(c.String("rocketchat_username")),
		IconURL:  strings.TrimSpace(c.String("rocketchat_icon_url")),
	})
	if err != nil {
		return notify.Result{}, err
	}
	// Rocket.Chat answers {"success": true}. An explicit false (a script in
	// the integration refused the message) will not change on a retry. An
	// answer without the field (a proxy, an older server) counts as posted,
	// as a 2xx did for AWX.
	var out struct {
		Success *bool  `json:"success"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(answer, &out) == nil && out.Success != nil && !*out.Success {
		return notify.Result{}, notify.WithAnswer(notify.Permanentf("%s: %d %s", errPrefix, resp.StatusCode, out.Error), notify.HTTPAnswer(resp, answer))
	}
	return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
}
