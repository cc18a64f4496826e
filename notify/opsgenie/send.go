package opsgenie

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// The Alert API's limits, in characters.
const (
	maxMessage     = 130
	maxDescription = 15000
	maxDetailValue = 8000
)

// New returns the opsgenie sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	userAgent string
}

// Alias is the alert's alias: one per job and notifier, so every event of a
// job reaches the same alert (Opsgenie keeps one open alert per alias), and
// per notification for a test.
func Alias(m notify.Message) string {
	if m.Trigger == "test" || m.JobKind == "" {
		return fmt.Sprintf("herald-test-%d", m.NotificationID)
	}
	return fmt.Sprintf("herald-%s-%d-%d", m.JobKind, m.JobID, m.NotifierID)
}

// Alert is a create-alert request.
type Alert struct {
	Message     string              `json:"message"`
	Alias       string              `json:"alias"`
	Description string              `json:"description,omitempty"`
	Responders  []map[string]string `json:"responders,omitempty"`
	Tags        []string            `json:"tags,omitempty"`
	Details     map[string]string   `json:"details,omitempty"`
	Entity      string              `json:"entity,omitempty"`
	Source      string              `json:"source"`
	Priority    string              `json:"priority"`
}

// NewAlert builds the alert for m.
func NewAlert(c notify.Config, m notify.Message) Alert {
	f := notify.ParseFacts(m.Body)
	a := Alert{Message: notify.Truncate(m.Subject, maxMessage), Alias: Alias(m), Description: notify.Truncate(m.Body, maxDescription),
		Responders: c.Objects("responders"), Tags: c.List("tags"), Source: "Herald", Priority: c.String("priority")}
	if f.Job {
		a.Entity = f.Title()
		a.Details = map[string]string{}
		for _, x := range f.List() {
			if _, dup := a.Details[x.Title]; !dup {
				a.Details[x.Title] = notify.Truncate(x.Value, maxDetailValue)
			}
		}
		if f.URL != "" {
			a.Details["Job URL"] = f.URL
		}
	}
	return a
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	base := strings.TrimRight(c.String("api_url"), "/")
	switch m.Trigger {
	case "error", "test":
		return s.post(ctx, c, "opsgenie: create alert", base+"/v2/alerts", NewAlert(c, m))
	case "started":
		if !c.Bool("notify_started") {
			return notify.Result{}, nil // nothing to page anyone about
		}
		return s.post(ctx, c, "opsgenie: create alert", base+"/v2/alerts", NewAlert(c, m))
	case "success":
		u := base + "/v2/alerts/" + url.PathEscape(Alias(m)) + "/close?identifierType=alias"
		return s.post(ctx, c, "opsgenie: close alert", u, map[string]string{"source": "Herald", "note": m.Subject})
	}
	// Any other event (a job that changed something) is not an alert's business.
	return notify.Result{}, nil
}

// post sends one Alert API request. The API answers 202 Accepted to a valid
// request and processes it later; a close of an alias with no open alert
// is accepted too, and fails only in the request's status, which nobody
// needs to be paged about.
func (s *sender) post(ctx context.Context, c notify.Config, prefix, u string, payload any) (notify.Result, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", prefix, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set("Authorization", "GenieKey "+c.String("api_key"))
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.Result{}, notify.RequestError(prefix, err)
	}
	answer := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	// 429 (the integration's rate limit) and 5xx are retried; 400 (bad
	// JSON), 401 (a wrong or disabled key), 402, 403, 404 and 422 (a field
	// refused, listed in "errors") need a person.
	return notify.Result{}, notify.StatusError(prefix, resp, describe(answer))
}

// describe turns Opsgenie's error {"message", "errors": {field: problem},
// "took", "requestId"} into "message: field problem; ..." with the request
// id Opsgenie's support asks for, and leaves any other answer as it came.
func describe(body []byte) []byte {
	var a struct {
		Message   string            `json:"message"`
		Errors    map[string]string `json:"errors"`
		RequestID string            `json:"requestId"`
	}
	if json.Unmarshal(body, &a) != nil || a.Message == "" {
		return body
	}
	out := a.Message
	var fields []string
	for k, v := range a.Errors {
		fields = append(fields, k+": "+v)
	}
	if len(fields) > 0 {
		sort.Strings(fields)
		out += " " + strings.Join(fields, "; ")
	}
	if a.RequestID != "" {
		out += " (request " + a.RequestID + ")"
	}
	return []byte(out)
}
