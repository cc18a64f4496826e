// Package discord is the "discord" notifier type: one post to a channel
// webhook with the subject as content and an embed of the job's facts,
// coloured by status. It posts with ?wait=true so that Discord confirms the
// message was saved instead of dropping a bad one silently.
package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the discord type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "discord",
		Label: "Discord",
		Fields: []notify.Field{
			{Key: "url", Kind: notify.Password, Required: true, Label: "Webhook URL"},
			{Key: "username", Kind: notify.String, Label: "Username"},
			{Key: "avatar_url", Kind: notify.String, Label: "Avatar URL", Secret: notify.SecretURLPassword},
		},
		Check: func(c notify.Config) []string {
			p := notify.CheckURL(c, "url")
			p = append(p, notify.CheckURL(c, "avatar_url")...)
			if len([]rune(c.String("username"))) > 80 {
				p = append(p, "Configuration field 'username' must be at most 80 characters.")
			}
			return p
		},
		New: New,
	}
}

// Discord's limits on a message and its embed, in characters.
const (
	maxContent    = 2000
	maxTitle      = 256
	maxFieldName  = 256
	maxFieldValue = 1024
	maxFields     = 25
	maxDesc       = 4096
)

// Colours of the embed's side bar, by status.
var colours = map[string]int{"good": 0x2EB886, "bad": 0xE01E5A, "neutral": 0x9E9E9E, "info": 0x3B82F6}

// New returns the discord sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	userAgent string
}

type payload struct {
	Content         string          `json:"content"`
	Username        string          `json:"username,omitempty"`
	AvatarURL       string          `json:"avatar_url,omitempty"`
	Embeds          []embed         `json:"embeds,omitempty"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
}

// allowedMentions with no parse list keeps "@everyone" in a job's name inert.
type allowedMentions struct {
	Parse []string `json:"parse"`
}

type embed struct {
	Title       string  `json:"title"`
	URL         string  `json:"url,omitempty"`
	Description string  `json:"description,omitempty"`
	Color       int     `json:"color"`
	Fields      []field `json:"fields,omitempty"`
}

type field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// Payload builds the post for a subject and the body's facts.
func Payload(c notify.Config, subject string, f notify.Facts) any {
	p := payload{Content: notify.Truncate(subject, maxContent), Username: c.String("username"),
		AvatarURL: c.String("avatar_url"), AllowedMentions: allowedMentions{Parse: []string{}}}
	e := embed{Color: colours[f.Severity()]}
	if f.Job {
		e.Title, e.URL = notify.Truncate(f.Title(), maxTitle), f.URL
		for _, x := range f.List() {
			if len(e.Fields) == maxFields {
				break
			}
			long := x.Title == "Failed hosts" || x.Title == "Failed task" || x.Title == "Traceback"
			e.Fields = append(e.Fields, field{Name: notify.Truncate(x.Title, maxFieldName), Value: notify.Truncate(x.Value, maxFieldValue), Inline: !long})
		}
	} else if strings.TrimSpace(f.Text) != "" {
		e.Title, e.Description = "Herald", notify.Truncate(f.Text, maxDesc)
	} else {
		return p
	}
	p.Embeds = []embed{e}
	return p
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	const prefix = "discord"
	u, err := url.Parse(c.String("url"))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: bad webhook URL", prefix)
	}
	q := u.Query()
	q.Set("wait", "true") // 200 with the saved message, or an error; not a silent 204
	u.RawQuery = q.Encode()
	resp, answer, err := notify.SendJSON(ctx, s.client, u.String(), s.userAgent, prefix, Payload(c, m.Subject, notify.ParseFacts(m.Body)))
	if err != nil {
		return notify.Result{}, err
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	return notify.Result{}, classify(prefix, resp, answer)
}

// apiError is Discord's error answer: {"code", "message"} (with "errors"
// for a bad form), or on 429 {"message", "retry_after" (seconds, a float),
// "global"}.
type apiError struct {
	Code       int     `json:"code"`
	Message    string  `json:"message"`
	RetryAfter float64 `json:"retry_after"`
	Global     bool    `json:"global"`
}

// classify maps a failed post: 429 waits the retry_after Discord asked for
// (the JSON's float, else X-RateLimit-Reset-After, else Retry-After), 5xx is
// retried, and 4xx (10015 Unknown Webhook, 50027 Invalid Webhook Token,
// 50035 Invalid Form Body...) is permanent.
func classify(prefix string, resp *http.Response, body []byte) error {
	var a apiError
	desc := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &a) == nil && a.Message != "" {
		desc = a.Message
		if a.Code != 0 {
			desc = strconv.Itoa(a.Code) + " " + a.Message
		}
	}
	if len(desc) > 200 {
		desc = desc[:200] + "…"
	}
	err := fmt.Errorf("%s: %d %s", prefix, resp.StatusCode, desc)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return notify.Transient(err, retryAfter(resp, a))
	case resp.StatusCode >= 500:
		return notify.Transient(err, notify.RetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return notify.Permanent(err)
}

func retryAfter(resp *http.Response, a apiError) time.Duration {
	secs := a.RetryAfter
	if secs <= 0 {
		secs, _ = strconv.ParseFloat(resp.Header.Get("X-RateLimit-Reset-After"), 64)
	}
	if secs > 0 && !math.IsInf(secs, 0) && secs < 1e6 {
		return time.Duration(math.Ceil(secs*1000)) * time.Millisecond
	}
	return notify.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
}
