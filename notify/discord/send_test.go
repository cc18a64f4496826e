package discord

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	dpeer "github.com/herald-notify/herald/internal/testpeer/discord"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const jobBody = `{"id": 42, "name": "deploy", "url": "https://herald.example.com/#/jobs/playbook/42", "created_by": "alice",
 "started": null, "finished": null, "status": "failed", "traceback": "", "friendly_name": "Job", "inventory": "prod",
 "project": null, "playbook": "site.yml", "limit": "", "extra_vars": "", "hosts": {"web1": {"failed": true, "failures": 1}}}`

var jobMessage = notify.Message{NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42, Trigger: "error",
	Subject: "Job #42 'deploy' failed: https://herald.example.com/#/jobs/playbook/42 @everyone", Body: jobBody}

func send(t *testing.T, url string, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	if c == nil {
		c = notify.Config{"url": url}
	}
	return New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"}).Send(context.Background(), c, m)
}

func TestSendWire(t *testing.T) {
	fake := dpeer.New(t)
	res, err := send(t, "", notify.Config{"url": fake.HookURL(), "username": "Herald", "avatar_url": "https://h.example/a.png"}, jobMessage)
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	got := fake.Messages()
	want := dpeer.Message{Content: jobMessage.Subject, Username: "Herald", AvatarURL: "https://h.example/a.png",
		Embeds: []dpeer.Embed{{Title: "Job #42 'deploy'", URL: "https://herald.example.com/#/jobs/playbook/42", Color: 0xE01E5A,
			Fields: []dpeer.Field{{Name: "Status", Value: "failed", Inline: true}, {Name: "Playbook", Value: "site.yml", Inline: true}, {Name: "Inventory", Value: "prod", Inline: true},
				{Name: "Launched by", Value: "alice", Inline: true}, {Name: "Failed hosts", Value: "web1 (failures 1)", Inline: false}}}}}
	if len(got) != 1 || got[0].AllowedMentions == nil || len(got[0].AllowedMentions.Parse) != 0 {
		t.Fatalf("Discord got %+v; want one message that pings nobody", got)
	}
	got[0].AllowedMentions, got[0].ThreadID = nil, ""
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("Discord got\n %+v\nwant\n %+v", got[0], want)
	}
	if r := fake.Requests()[0]; r.Path != "/api/webhooks/"+dpeer.ID+"/"+dpeer.Token {
		t.Errorf("path %s", r.Path)
	}
}

func TestSendWaitsForConfirmation(t *testing.T) {
	fake := dpeer.New(t)
	// A thread_id in the configured URL stays, wait=true is added.
	if _, err := send(t, fake.HookURL()+"?thread_id=55", nil, jobMessage); err != nil {
		t.Fatal(err)
	}
	for _, r := range fake.Requests() {
		if r.Status != http.StatusOK {
			t.Errorf("status %d, want 200: with wait=true Discord confirms the message", r.Status)
		}
	}
	if got := fake.Messages(); len(got) != 1 || got[0].ThreadID != "55" {
		t.Errorf("Discord got %+v, want one message in thread 55", got)
	}
}

func TestSendCustomBody(t *testing.T) {
	fake := dpeer.New(t)
	m := jobMessage
	m.Body = "rolled back"
	if _, err := send(t, fake.HookURL(), nil, m); err != nil {
		t.Fatal(err)
	}
	if got := fake.Messages(); len(got) != 1 || got[0].Embeds[0].Description != "rolled back" {
		t.Errorf("Discord got %+v, want the custom body as the embed's description", got)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		url       func(*dpeer.Server) string
		reply     dpeer.Reply
		class     notify.Class
		after     time.Duration
		errorPart string
	}{
		{"rate limited waits retry_after", nil, dpeer.RateLimited(1.25), notify.ClassTransient, 1250 * time.Millisecond, "429 You are being rate limited."},
		{"server error", nil, dpeer.Reply{Status: 502, Body: "bad gateway"}, notify.ClassTransient, 0, "502"},
		{"unknown webhook", func(s *dpeer.Server) string { return s.URL + "/api/webhooks/1/" + dpeer.Token }, dpeer.Reply{}, notify.ClassPermanent, 0, "404 10015 Unknown Webhook"},
		{"wrong token", func(s *dpeer.Server) string { return s.URL + "/api/webhooks/" + dpeer.ID + "/nope" }, dpeer.Reply{}, notify.ClassPermanent, 0, "401 50027 Invalid Webhook Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := dpeer.New(t)
			if tt.reply.Status != 0 {
				fake.Script(tt.reply)
			}
			u := fake.HookURL()
			if tt.url != nil {
				u = tt.url(fake)
			}
			res, err := send(t, u, nil, jobMessage)
			class, after := notify.Classify(err)
			if err == nil || res.Sent != 0 || class != tt.class || after != tt.after || !strings.Contains(err.Error(), tt.errorPart) {
				t.Errorf("Send = %+v, %v (%s after %s); want %s after %s containing %q", res, err, class, after, tt.class, tt.after, tt.errorPart)
			}
		})
	}
}

func TestRetryAfterFromHeaderWhenBodySaysNothing(t *testing.T) {
	fake := dpeer.New(t)
	fake.Script(dpeer.Reply{Status: 429, Header: map[string]string{"X-RateLimit-Reset-After": "2.5"}, Body: "{}"})
	_, err := send(t, fake.HookURL(), nil, jobMessage)
	if _, after := notify.Classify(err); after != 2500*time.Millisecond {
		t.Errorf("retry after %s, want 2.5s from X-RateLimit-Reset-After", after)
	}
}

func TestSendRefusedConnectionHidesToken(t *testing.T) {
	_, err := send(t, "http://127.0.0.1:1/api/webhooks/1/secret-token", nil, jobMessage)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("error %v (%s): want transient, without the token", err, class)
	}
}
