// Package ntfy is the "ntfy" notifier type: one message published to a topic
// of an ntfy server, the subject as its title, the job's key facts as its
// body and a click action to the job. It publishes as JSON to the server's
// root, which carries a UTF-8 title as it is (headers would need RFC 2047).
package ntfy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the ntfy type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "ntfy",
		Label: "ntfy",
		Fields: []notify.Field{
			{Key: "url", Kind: notify.String, Required: true, Label: "Server URL", Secret: notify.SecretURLPassword},
			{Key: "topic", Kind: notify.String, Required: true, Label: "Topic"},
			{Key: "token", Kind: notify.Password, Label: "Access token"},
			{Key: "priority", Kind: notify.Int, Default: int64(3), Label: "Priority (1–5)"},
			{Key: "tags", Kind: notify.List, Label: "Tags"},
		},
		Recipients: "topic",
		Check:      check,
		New:        New,
	}
}

// topicName is the ntfy server's own rule for topic names.
var topicName = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

func check(c notify.Config) []string {
	p := notify.CheckURL(c, "url")
	if !topicName.MatchString(c.String("topic")) {
		p = append(p, "Configuration field 'topic' must be 1–64 letters, digits, '-' or '_'.")
	}
	if n := c.Int("priority"); n < 1 || n > 5 {
		p = append(p, "Configuration field 'priority' must be between 1 (min) and 5 (max).")
	}
	for _, tag := range c.List("tags") {
		if strings.TrimSpace(tag) == "" || strings.Contains(tag, ",") {
			p = append(p, fmt.Sprintf("Configuration field 'tags': %q must be a non-empty tag without commas.", tag))
		}
	}
	return p
}

// maxMessage is ntfy's message size limit in bytes; past it the server turns
// the message into an attachment, which a glance cannot read.
const maxMessage = 4096

// Status tags, shown by ntfy's apps as an emoji before the title.
var statusTags = map[string]string{"good": "white_check_mark", "bad": "x", "neutral": "no_entry_sign", "info": "arrow_forward"}

// New returns the ntfy sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	userAgent string
}

// Publish is the JSON message of docs.ntfy.sh/publish/#publish-as-json.
type Publish struct {
	Topic    string   `json:"topic"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Priority int64    `json:"priority"`
	Tags     []string `json:"tags,omitempty"`
	Click    string   `json:"click,omitempty"`
}

// Message builds the publish request for a subject and the body's facts.
func Message(c notify.Config, subject string, f notify.Facts) Publish {
	p := Publish{Topic: c.String("topic"), Title: subject, Priority: c.Int("priority"), Click: f.URL}
	if f.Job {
		p.Tags = append(p.Tags, statusTags[f.Severity()])
	}
	p.Tags = append(p.Tags, c.List("tags")...)
	p.Message = f.PlainText()
	if strings.TrimSpace(p.Message) == "" {
		p.Message = subject // ntfy would publish "triggered" for an empty message
	}
	p.Message = cutBytes(p.Message, maxMessage)
	return p
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	prefix := "ntfy: topic " + c.String("topic")
	body, err := json.Marshal(Message(c, m.Subject, notify.ParseFacts(m.Body)))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.String("url"), "/")+"/", bytes.NewReader(body))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	if tok := c.String("token"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.Result{}, notify.RequestError(prefix, err)
	}
	answer := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusOK {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	return notify.Result{}, classify(prefix, resp, answer)
}

// classify maps ntfy's errors {"code", "http", "error", "link"}: the 429s
// (42901 too many requests, 42908 daily message quota...) and 5xx are
// retried; 400, 401/403 (40101, 40301: the token may not write the topic),
// 404 and 413 (41301 message too large) need a person to act.
func classify(prefix string, resp *http.Response, body []byte) error {
	var a struct {
		Code  int    `json:"code"`
		HTTP  int    `json:"http"`
		Error string `json:"error"`
	}
	desc := body
	if json.Unmarshal(body, &a) == nil && a.Error != "" {
		desc = []byte(fmt.Sprintf("%d %s", a.Code, a.Error))
	}
	// ntfy sends no Retry-After with its 429s: the backoff decides.
	return notify.StatusError(prefix, resp, desc)
}

// cutBytes cuts s to at most n bytes of UTF-8, marking the cut with "…".
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
