package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/herald-notify/herald/notify"
)

// maxText is Telegram's limit on a message, in characters after entities
// are parsed; the escaped HTML is cut a little shorter to stay clear of it.
const maxText = 4000

// New returns the telegram sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.TrustedHTTPClient(), base: strings.TrimRight(env.Endpoint(Endpoint), "/"), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	base      string
	userAgent string
}

type request struct {
	ChatID              string       `json:"chat_id"`
	MessageThreadID     int64        `json:"message_thread_id,omitempty"`
	Text                string       `json:"text"`
	ParseMode           string       `json:"parse_mode"`
	DisableNotification bool         `json:"disable_notification,omitempty"`
	LinkPreview         *linkPreview `json:"link_preview_options,omitempty"`
}

type linkPreview struct {
	IsDisabled bool `json:"is_disabled"`
}

// answer is the Bot API's envelope: ok, or error_code and description, with
// parameters.retry_after (seconds) on 429 and migrate_to_chat_id when a group
// became a supergroup.
type answer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	text := Text(m.Subject, notify.ParseFacts(m.Body))
	return notify.Each(ctx, c.List("chat_ids"), m.Done, func(chat string) error {
		return s.sendOne(ctx, c, chat, text)
	})
}

func (s *sender) sendOne(ctx context.Context, c notify.Config, chat, text string) error {
	prefix := "telegram: chat " + chat
	// The token is part of the path: SendJSON keeps the URL out of errors.
	resp, raw, err := notify.SendJSON(ctx, s.client, s.base+"/bot"+c.String("bot_token")+"/sendMessage", s.userAgent, prefix, request{
		ChatID: chat, MessageThreadID: c.Int("message_thread_id"), Text: text, ParseMode: "HTML",
		DisableNotification: c.Bool("disable_notification"), LinkPreview: &linkPreview{IsDisabled: true},
	})
	if err != nil {
		return err
	}
	var a answer
	if json.Unmarshal(raw, &a) != nil {
		if resp.StatusCode == http.StatusOK {
			// Telegram may have sent it; a retry could send it twice.
			return notify.Permanentf("%s: unexpected answer %d", prefix, resp.StatusCode)
		}
		return notify.StatusError(prefix, resp, raw)
	}
	if a.OK {
		return nil
	}
	return notify.WithAnswer(classify(prefix, resp.StatusCode, a), notify.HTTPAnswer(resp, raw))
}

// classify maps an ok:false answer. error_code mirrors the HTTP status: 429
// (flood control) waits parameters.retry_after, 5xx is retried, and the 4xx
// answers (400 chat not found, 401 bad token, 403 bot blocked or kicked) need
// a person to act.
func classify(prefix string, status int, a answer) error {
	code := a.ErrorCode
	if code == 0 {
		code = status
	}
	err := fmt.Errorf("%s: %d %s", prefix, code, a.Description)
	switch {
	case a.Parameters.MigrateToChatID != 0:
		return notify.Permanentf("%s: %d %s: the group is now the supergroup %d; put that id in chat_ids", prefix, code, a.Description, a.Parameters.MigrateToChatID)
	case code == http.StatusTooManyRequests:
		return notify.Transient(err, time.Duration(a.Parameters.RetryAfter)*time.Second)
	case code >= 500:
		return notify.Transient(err, 0)
	}
	return notify.Permanent(err)
}

// Text is the message: the subject in bold, then the job's facts, one per
// line, or the custom body; everything escaped for parse_mode HTML.
func Text(subject string, f notify.Facts) string {
	var b strings.Builder
	b.WriteString("<b>" + html.EscapeString(subject) + "</b>")
	if f.Job {
		for _, x := range f.List() {
			line := "\n<b>" + html.EscapeString(x.Title) + ":</b> " + html.EscapeString(x.Value)
			if b.Len()+len(line) > maxText {
				break
			}
			b.WriteString(line)
		}
	} else if t := strings.TrimSpace(f.Text); t != "" {
		b.WriteString("\n\n" + html.EscapeString(notify.Truncate(t, maxText-b.Len())))
	}
	if b.Len() > maxText {
		// The subject alone is too long: send it cut, as plain escaped text.
		return html.EscapeString(notify.Truncate(subject, maxText/2))
	}
	return b.String()
}
