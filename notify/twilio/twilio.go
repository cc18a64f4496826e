// Package twilio sends the notification's subject as an SMS to each number
// through Twilio's Messages API. Every number is tried even when one fails,
// and the numbers reached are reported so a retry texts only the others.
package twilio

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// DefaultURL is the API host used when Env.TwilioAPIURL is empty.
const DefaultURL = "https://api.twilio.com"

// maxBody is Twilio's limit on a message body, in characters; a longer
// subject is cut rather than refused (error 21617).
const maxBody = 1600

// Spec describes the twilio type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "twilio",
		Label: "Twilio",
		Fields: []notify.Field{
			{Key: "account_sid", Kind: notify.String, Required: true, Label: "Account SID"},
			{Key: "account_token", Kind: notify.Password, Required: true, Label: "Account token"},
			{Key: "from_number", Kind: notify.String, Required: true, Label: "Source phone number"},
			{Key: "to_numbers", Kind: notify.List, Required: true, Label: "Destination SMS numbers"},
		},
		Recipients: "to_numbers",
		Check:      check,
		New:        New,
	}
}

func check(c notify.Config) []string {
	p := notify.CheckNotEmpty(c, "account_sid")
	p = append(p, notify.CheckNotEmpty(c, "account_token")...)
	p = append(p, notify.CheckE164("from_number", c.String("from_number"))...)
	for _, n := range c.List("to_numbers") {
		p = append(p, notify.CheckE164("to_numbers", n)...)
	}
	return p
}

// New returns the twilio sender.
func New(env notify.Env) notify.Sender {
	base := env.TwilioAPIURL
	if base == "" {
		base = DefaultURL
	}
	return &sender{client: env.TrustedHTTPClient(), base: strings.TrimRight(base, "/"), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	base      string
	userAgent string
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	return notify.Each(ctx, c.List("to_numbers"), m.Done, func(to string) error {
		return s.sendOne(ctx, c, to, m.Subject)
	})
}

func (s *sender) sendOne(ctx context.Context, c notify.Config, to, text string) error {
	sid := c.String("account_sid")
	form := url.Values{"To": {to}, "From": {c.String("from_number")}, "Body": {truncate(text, maxBody)}}
	u := s.base + "/2010-04-01/Accounts/" + url.PathEscape(sid) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return notify.Permanentf("twilio: %s: %w", to, err)
	}
	req.SetBasicAuth(sid, c.String("account_token"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	prefix := "twilio: " + to
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.RequestError(prefix, err)
	}
	body := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusCreated {
		return nil
	}
	return notify.WithAnswer(notify.StatusError(prefix, resp, describe(resp.StatusCode, body)), notify.HTTPAnswer(resp, body))
}

// describe turns Twilio's error object into "code message", leaves any other
// answer as it came, and names the status of an empty one.
func describe(status int, body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte(http.StatusText(status))
	}
	var a struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &a) != nil || a.Message == "" {
		return body
	}
	return []byte(strconv.Itoa(a.Code) + " " + a.Message)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
