// Package googlechat is the "googlechat" notifier type: one message to a
// Google Chat space's incoming webhook, the subject on the first line and the
// job's facts under it. With thread_key "job" every notification of one job
// lands in one thread; any other thread_key puts them all in that thread.
package googlechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the googlechat type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "googlechat",
		Label: "Google Chat",
		Fields: []notify.Field{
			{Key: "url", Kind: notify.Password, Required: true, Label: "Space webhook URL"},
			{Key: "thread_key", Kind: notify.String, Label: `Thread key ("job": one thread per job)`},
		},
		Check: func(c notify.Config) []string {
			p := notify.CheckURL(c, "url")
			if len(c.String("thread_key")) > 4000 {
				p = append(p, "Configuration field 'thread_key' must be at most 4000 characters.")
			}
			return p
		},
		New: New,
	}
}

// maxText is Google Chat's limit on a message's text, in bytes (32,000),
// with room left for the subject line.
const maxText = 30000

// New returns the googlechat sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	userAgent string
}

type message struct {
	Text   string  `json:"text"`
	Thread *thread `json:"thread,omitempty"`
}

type thread struct {
	ThreadKey string `json:"threadKey"`
}

// Text is the message: the subject in bold, then "Title: value" lines or the
// custom body.
func Text(subject string, f notify.Facts) string {
	text := "*" + strings.ReplaceAll(subject, "*", "∗") + "*"
	if rest := strings.TrimSpace(f.PlainText()); rest != "" {
		text += "\n" + rest
	}
	return notify.Truncate(text, maxText)
}

// ThreadKey is the thread a notification goes to: per job for "job" (none
// for a test), the configured key otherwise, none when unset.
func ThreadKey(c notify.Config, m notify.Message) string {
	switch k := c.String("thread_key"); k {
	case "job":
		if m.JobKind == "" {
			return ""
		}
		return fmt.Sprintf("herald-%s-%d", m.JobKind, m.JobID)
	default:
		return k
	}
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	const prefix = "googlechat"
	u, err := url.Parse(c.String("url"))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: bad webhook URL", prefix)
	}
	msg := message{Text: Text(m.Subject, notify.ParseFacts(m.Body))}
	if key := ThreadKey(c, m); key != "" {
		msg.Thread = &thread{ThreadKey: key}
		// Without it the key is ignored and every message starts a thread;
		// with it, a thread that cannot be found starts a new one rather
		// than failing the notification.
		q := u.Query()
		q.Set("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
		u.RawQuery = q.Encode()
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: bad webhook URL", prefix)
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		// The webhook's key and token are in the URL: keep them out of the error.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return notify.Result{}, notify.RequestError(prefix, err)
	}
	answer := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusOK {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	// 429 RESOURCE_EXHAUSTED (the space's write quota) and 5xx are
	// retried; 400 INVALID_ARGUMENT, 401/403 PERMISSION_DENIED (a revoked
	// webhook) and 404 NOT_FOUND are not.
	return notify.Result{}, notify.StatusError(prefix, resp, describe(answer))
}

// describe shortens Google's error answer {"error": {"code", "message",
// "status"}} to "STATUS: message", and leaves any other answer as it came.
func describe(body []byte) []byte {
	var a struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &a) != nil || a.Error.Message == "" {
		return body
	}
	return []byte(a.Error.Status + ": " + a.Error.Message)
}
