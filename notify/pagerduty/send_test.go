package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	pdpeer "github.com/herald-notify/herald/internal/testpeer/pagerduty"
	"github.com/herald-notify/herald/notify"
)

const routingKey = "e93facc04764012d7bfb002500d5d1a6"

// config validates raw the way the API does before a sender sees it.
func config(t *testing.T, raw string) notify.Config {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	c, problems := notify.Validate(Spec(), m)
	if len(problems) > 0 {
		t.Fatalf("config %s: %q", raw, problems)
	}
	return c
}

func newSender(t *testing.T, url string) notify.Sender {
	t.Helper()
	return New(notify.Env{PagerDutyURL: url, UserAgent: "Herald/test"})
}

var jobMessage = notify.Message{
	NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42,
	Subject: "Job #42 'deploy' failed", Body: `{"id": 42, "status": "failed"}`, Trigger: "error",
}

func TestSendWire(t *testing.T) {
	long := strings.Repeat("é", 1030)
	tests := []struct {
		name string
		msg  notify.Message
		want string
	}{
		{"error trigger with a JSON body", jobMessage,
			`{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"herald-job-42-3","payload":{"summary":"Job #42 'deploy' failed","source":"herald-prod","severity":"error","custom_details":{"id":42,"status":"failed"}}}`},
		{"success trigger with a text body",
			notify.Message{NotificationID: 8, NotifierID: 3, JobKind: "project_update", JobID: 5, Subject: "ok", Body: "all good", Trigger: "success"},
			`{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"herald-project_update-5-3","payload":{"summary":"ok","source":"herald-prod","severity":"info","custom_details":"all good"}}`},
		{"JSON that is not an object stays text",
			notify.Message{NotificationID: 9, NotifierID: 4, JobKind: "workflow_job", JobID: 6, Subject: "s", Body: `[1,2]`, Trigger: "started"},
			`{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"herald-workflow_job-6-4","payload":{"summary":"s","source":"herald-prod","severity":"info","custom_details":"[1,2]"}}`},
		{"test notification",
			notify.Message{NotificationID: 11, NotifierID: 3, Subject: "Herald Notification Test 3 https://herald", Body: `{"body": "Test Notification 3 https://herald"}`, Trigger: "test"},
			`{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"herald-test-11","payload":{"summary":"Herald Notification Test 3 https://herald","source":"herald-prod","severity":"info","custom_details":{"body":"Test Notification 3 https://herald"}}}`},
		{"summary cut at 1024 characters",
			notify.Message{NotificationID: 12, NotifierID: 3, JobKind: "job", JobID: 1, Subject: long, Body: "", Trigger: "success"},
			`{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"herald-job-1-3","payload":{"summary":"` + long[:2048] + `","source":"herald-prod","severity":"info","custom_details":""}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := pdpeer.New(t)
			c := config(t, `{"service_key": "`+routingKey+`", "client_name": "herald-prod"}`)
			res, err := newSender(t, fake.URL).Send(context.Background(), c, tt.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Sent != 1 {
				t.Errorf("Sent = %d, want 1", res.Sent)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 {
				t.Fatalf("fake got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/v2/enqueue" {
				t.Errorf("request = %s %s, want POST /v2/enqueue", r.Method, r.Path)
			}
			for k, v := range map[string]string{"Content-Type": "application/json", "User-Agent": "Herald/test"} {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if string(r.Body) != tt.want {
				t.Errorf("body:\n got %s\nwant %s", r.Body, tt.want)
			}
			if n := len(fake.Events()); n != 1 {
				t.Errorf("fake accepted %d events, want 1", n)
			}
		})
	}
}

func TestSendPermanent(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		script   []pdpeer.Reply
		wantText string
	}{
		{"routing key refused", "too-short", nil,
			"pagerduty: 400 Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)"},
		{"scripted invalid event", routingKey, []pdpeer.Reply{pdpeer.InvalidEvent("'payload.summary' is missing or blank", "'payload.source' is missing or blank")},
			"pagerduty: 400 Event object is invalid: 'payload.summary' is missing or blank; 'payload.source' is missing or blank"},
		{"forbidden", routingKey, []pdpeer.Reply{{Status: http.StatusForbidden, Body: "Forbidden"}},
			"pagerduty: 403 Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := pdpeer.New(t)
			fake.Script(tt.script...)
			c := config(t, `{"service_key": "`+tt.key+`", "client_name": "herald"}`)
			res, err := newSender(t, fake.URL).Send(context.Background(), c, jobMessage)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if class, _ := notify.Classify(err); class != notify.ClassPermanent {
				t.Errorf("class = %v, want permanent (%v)", class, err)
			}
			if err.Error() != tt.wantText {
				t.Errorf("error = %q, want %q", err, tt.wantText)
			}
			if res.Sent != 0 || len(fake.Events()) != 0 {
				t.Errorf("Sent = %d with %d events accepted, want none", res.Sent, len(fake.Events()))
			}
		})
	}
}

func TestSendTransient(t *testing.T) {
	tests := []struct {
		name      string
		reply     pdpeer.Reply
		wantAfter time.Duration
		wantText  string
	}{
		{"rate limited with Retry-After", pdpeer.RateLimited("30"), 30 * time.Second, "pagerduty: 429 Too Many Requests"},
		{"rate limited without Retry-After", pdpeer.RateLimited(""), 0, "pagerduty: 429 Too Many Requests"},
		{"server error", pdpeer.ServerError(http.StatusServiceUnavailable), 0, "pagerduty: 503 An internal error occurred"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := pdpeer.New(t)
			fake.Script(tt.reply)
			c := config(t, `{"service_key": "`+routingKey+`", "client_name": "herald"}`)
			s := newSender(t, fake.URL)
			_, err := s.Send(context.Background(), c, jobMessage)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			class, after := notify.Classify(err)
			if class != notify.ClassTransient || after != tt.wantAfter {
				t.Errorf("Classify = %v, %v; want transient, %v", class, after, tt.wantAfter)
			}
			if err.Error() != tt.wantText {
				t.Errorf("error = %q, want %q", err, tt.wantText)
			}
			// The retry reaches PagerDuty with the same event, so the alert is one.
			res, err := s.Send(context.Background(), c, jobMessage)
			if err != nil || res.Sent != 1 {
				t.Fatalf("retry: Sent = %d, err = %v; want 1, nil", res.Sent, err)
			}
			reqs := fake.Requests()
			if len(reqs) != 2 || string(reqs[0].Body) != string(reqs[1].Body) {
				t.Errorf("fake got %d requests; want 2 with the same body", len(reqs))
			}
			if ev := fake.Events(); len(ev) != 1 || ev[0].DedupKey != "herald-job-42-3" {
				t.Errorf("fake accepted %+v, want one event for herald-job-42-3", ev)
			}
		})
	}
}

func TestSendConnectionRefusedIsTransient(t *testing.T) {
	fake := pdpeer.New(t)
	url := fake.URL
	fake.Close()
	c := config(t, `{"service_key": "`+routingKey+`", "client_name": "herald"}`)
	_, err := newSender(t, url).Send(context.Background(), c, jobMessage)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
		t.Fatalf("err = %v, want a transient error", err)
	}
	var ne *notify.Error
	if !errors.As(err, &ne) {
		t.Errorf("err %T is not a *notify.Error", err)
	}
}
