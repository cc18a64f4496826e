// Package pagerduty triggers PagerDuty alerts through the Events API v2: one
// "trigger" event per notification, with a dedup_key stable per job and
// notifier so every event of one job lands on one alert.
package pagerduty

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// DefaultURL is the Events API host used when Env.PagerDutyURL is empty.
const DefaultURL = "https://events.pagerduty.com"

// maxSummary is PagerDuty's limit on payload.summary, in characters.
const maxSummary = 1024

// Spec describes the pagerduty type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "pagerduty",
		Label: "PagerDuty",
		Fields: []notify.Field{
			{Key: "service_key", Kind: notify.String, Required: true, Label: "Integration key", Secret: notify.SecretValue},
			{Key: "client_name", Kind: notify.String, Required: true, Label: "Client identifier"},
			{Key: "subdomain", Kind: notify.String, Label: "Subdomain"},
			{Key: "token", Kind: notify.Password, Label: "API token"},
		},
		Recipients: "service_key",
		Check: func(c notify.Config) []string {
			return append(notify.CheckNotEmpty(c, "service_key"), notify.CheckNotEmpty(c, "client_name")...)
		},
		New: New,
	}
}

// New returns the pagerduty sender.
func New(env notify.Env) notify.Sender {
	base := env.PagerDutyURL
	if base == "" {
		base = DefaultURL
	}
	return &sender{
		client:    env.TrustedHTTPClient(),
		url:       strings.TrimRight(base, "/") + "/v2/enqueue",
		userAgent: env.UserAgent,
	}
}

type sender struct {
	client    *http.Client
	url       string
	userAgent string
}

type event struct {
	RoutingKey  string  `json:"routing_key"`
	EventAction string  `json:"event_action"`
	DedupKey    string  `json:"dedup_key"`
	Payload     payload `json:"payload"`
}

type payload struct {
	Summary       string `json:"summary"`
	Source        string `json:"source"`
	Severity      string `json:"severity"`
	CustomDetails any    `json:"custom_details"`
}

// errorAnswer is what PagerDuty says when it refuses an event.
type errorAnswer struct {
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Errors  []string `json:"errors"`
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	b, err := json.Marshal(newEvent(c, m))
	if err != nil {
		return notify.Result{}, notify.Permanentf("pagerduty: encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(b))
	if err != nil {
		return notify.Result{}, notify.Permanentf("pagerduty: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.Result{}, notify.RequestError("pagerduty", err)
	}
	body := notify.ReadBody(resp)
	if resp.StatusCode == http.StatusAccepted {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, body)}, nil
	}
	return notify.Result{}, notify.WithAnswer(notify.StatusError("pagerduty", resp, describe(resp.StatusCode, body)), notify.HTTPAnswer(resp, body))
}

// newEvent builds the trigger event for m.
func newEvent(c notify.Config, m notify.Message) event {
	severity := "info"
	if m.Trigger == "error" {
		severity = "error"
	}
	return event{
		RoutingKey:  c.String("service_key"),
		EventAction: "trigger",
		DedupKey:    dedupKey(m),
		Payload: payload{
			Summary:       truncate(m.Subject, maxSummary),
			Source:        c.String("client_name"),
			Severity:      severity,
			CustomDetails: details(m.Body),
		},
	}
}

// dedupKey is the same for every event of one job and notifier, so PagerDuty
// folds a job's started, success and error events into one alert.
func dedupKey(m notify.Message) string {
	if m.Trigger == "test" || m.JobKind == "" {
		return fmt.Sprintf("herald-test-%d", m.NotificationID)
	}
	return fmt.Sprintf("herald-%s-%d-%d", m.JobKind, m.JobID, m.NotifierID)
}

// details keeps a JSON object body as an object, so PagerDuty shows its
// fields, and any other body as the text it is.
func details(body string) any {
	t := strings.TrimSpace(body)
	if strings.HasPrefix(t, "{") && json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	return body
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// describe turns PagerDuty's error answer into "message: error; error",
// leaves any other answer as it came, and names the status of an empty one.
func describe(status int, body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte(http.StatusText(status))
	}
	var a errorAnswer
	if json.Unmarshal(body, &a) != nil || a.Message == "" {
		return body
	}
	if len(a.Errors) == 0 {
		return []byte(a.Message)
	}
	return []byte(a.Message + ": " + strings.Join(a.Errors, "; "))
}
