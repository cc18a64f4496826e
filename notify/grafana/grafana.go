// Package grafana marks a job on Grafana dashboards: one region annotation
// from the job's start to its end, with the subject as its text.
package grafana

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the grafana type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "grafana",
		Label: "Grafana",
		Fields: []notify.Field{
			{Key: "grafana_url", Kind: notify.String, Required: true, Label: "Grafana URL", Secret: notify.SecretURLPassword},
			{Key: "grafana_key", Kind: notify.Password, Required: true, Label: "Grafana API key"},
			{Key: "dashboardId", Kind: notify.Int, Label: "ID of the dashboard (optional)"},
			{Key: "panelId", Kind: notify.Int, Label: "ID of the panel (optional)"},
			{Key: "annotation_tags", Kind: notify.List, Label: "Tags for the annotation (optional)"},
			{Key: "grafana_no_verify_ssl", Kind: notify.Bool, Default: false, Label: "Disable SSL verification"},
		},
		Recipients: "grafana_url",
		Check: func(c notify.Config) []string {
			return append(notify.CheckURL(c, "grafana_url"), notify.CheckNotEmpty(c, "grafana_key")...)
		},
		New: New,
	}
}

// New returns the grafana sender.
func New(env notify.Env) notify.Sender {
	return &sender{verify: env.HTTPClient(false), noVerify: env.HTTPClient(true), userAgent: env.UserAgent}
}

type sender struct {
	verify, noVerify *http.Client
	userAgent        string
}

// annotation is Grafana's create-annotation body. Pointers tell "absent"
// from 0: an id of 0 is a valid choice, an absent one makes the annotation
// organisation-wide.
type annotation struct {
	Time        *int64   `json:"time,omitempty"`
	TimeEnd     *int64   `json:"timeEnd,omitempty"`
	IsRegion    bool     `json:"isRegion,omitempty"`
	DashboardID *int64   `json:"dashboardId,omitempty"`
	PanelID     *int64   `json:"panelId,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Text        string   `json:"text"`
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	b, err := json.Marshal(newAnnotation(c, m))
	if err != nil {
		return notify.Result{}, notify.Permanentf("grafana: encode annotation: %w", err)
	}
	u := strings.TrimRight(c.String("grafana_url"), "/") + "/api/annotations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return notify.Result{}, notify.Permanentf("grafana: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.String("grafana_key"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	client := s.verify
	if c.Bool("grafana_no_verify_ssl") {
		client = s.noVerify
	}
	resp, err := client.Do(req)
	if err != nil {
		return notify.Result{}, notify.RequestError("grafana", err)
	}
	body := notify.ReadBody(resp)
	if resp.StatusCode/100 == 2 {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, body)}, nil
	}
	return notify.Result{}, notify.WithAnswer(notify.StatusError("grafana", resp, describe(resp.StatusCode, body)), notify.HTTPAnswer(resp, body))
}

// newAnnotation builds the annotation for m. Without a start time (a test
// notification) it leaves the times out and Grafana stamps "now"; a region
// needs times, so isRegion goes too.
func newAnnotation(c notify.Config, m notify.Message) annotation {
	a := annotation{Tags: c.List("annotation_tags"), Text: m.Subject}
	if m.Started != nil {
		start := m.Started.UnixMilli()
		end := start
		if m.Finished != nil {
			end = m.Finished.UnixMilli()
		}
		a.Time, a.TimeEnd, a.IsRegion = &start, &end, true
	}
	if _, ok := c["dashboardId"]; ok {
		id := c.Int("dashboardId")
		a.DashboardID = &id
	}
	if _, ok := c["panelId"]; ok {
		id := c.Int("panelId")
		a.PanelID = &id
	}
	return a
}

// describe keeps Grafana's {"message"} from an error answer, leaves any other
// answer as it came, and names the status of an empty one.
func describe(status int, body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte(http.StatusText(status))
	}
	var a struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &a) != nil || a.Message == "" {
		return body
	}
	return []byte(a.Message)
}
