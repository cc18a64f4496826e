package ntfy

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	npeer "github.com/herald-notify/herald/internal/testpeer/ntfy"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const jobBody = `{"id": 42, "name": "déploiement", "url": "https://herald.example.com/#/jobs/playbook/42", "created_by": "alice",
 "started": null, "finished": null, "status": "failed", "traceback": "", "friendly_name": "Job", "inventory": "prod",
 "project": "site", "playbook": "site.yml", "limit": "", "extra_vars": "", "hosts": {"web1": {"failed": true, "dark": 1}}}`

var jobMessage = notify.Message{NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42, Trigger: "error",
	Subject: "Job #42 'déploiement' failed: https://herald.example.com/#/jobs/playbook/42", Body: jobBody}

func send(t *testing.T, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	return New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"}).Send(context.Background(), c, m)
}

func config(url string) notify.Config {
	return notify.Config{"url": url, "topic": "ops", "priority": int64(4), "tags": []string{"ansible"}}
}

func TestSendWire(t *testing.T) {
	fake := npeer.New(t, nil)
	res, err := send(t, config(fake.URL), jobMessage)
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	want := []npeer.Message{{Topic: "ops", Title: jobMessage.Subject, Priority: 4, Tags: []string{"x", "ansible"},
		Click:   "https://herald.example.com/#/jobs/playbook/42",
		Message: "Status: failed\nProject: site\nPlaybook: site.yml\nInventory: prod\nLaunched by: alice\nFailed hosts: web1 (unreachable 1)"}}
	if got := fake.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("ntfy got %+v\nwant %+v", got, want)
	}
}

func TestSendToken(t *testing.T) {
	fake := npeer.New(t, map[string]string{"ops": "tk_secret"})
	c := config(fake.URL + "/")
	c["token"] = "tk_secret"
	if _, err := send(t, c, jobMessage); err != nil {
		t.Fatal(err)
	}
	if r := fake.Requests(); len(r) != 1 || r[0].Header.Get("Authorization") != "Bearer tk_secret" || r[0].Path != "/" {
		t.Errorf("requests %+v, want one to / with the token", r)
	}
}

func TestSendLongBodyStaysAMessage(t *testing.T) {
	fake := npeer.New(t, nil)
	m := jobMessage
	m.Body = strings.Repeat("é", 3000) // 6000 bytes
	if _, err := send(t, config(fake.URL), m); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].Attachment || len(got[0].Message) > 4096 || !utf8.ValidString(got[0].Message) || !strings.HasSuffix(got[0].Message, "…") {
		t.Errorf("ntfy got a %d-byte message, want at most 4096 bytes of valid UTF-8 ending in …", len(got[0].Message))
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		protected map[string]string
		token     string
		reply     npeer.Reply
		class     notify.Class
		errorPart string
	}{
		{"rate limited", nil, "", npeer.TooManyRequests(), notify.ClassTransient, "429 42901 limit reached: too many requests"},
		{"server error", nil, "", npeer.Reply{Status: 502, Body: "bad gateway"}, notify.ClassTransient, "502"},
		{"protected topic without a token", map[string]string{"ops": "tk_a"}, "", npeer.Reply{}, notify.ClassPermanent, "403 40301 forbidden"},
		{"wrong token", map[string]string{"ops": "tk_a"}, "tk_b", npeer.Reply{}, notify.ClassPermanent, "401 40101 unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := npeer.New(t, tt.protected)
			if tt.reply.Status != 0 {
				fake.Script(tt.reply)
			}
			c := config(fake.URL)
			if tt.token != "" {
				c["token"] = tt.token
			}
			res, err := send(t, c, jobMessage)
			if class, _ := notify.Classify(err); err == nil || res.Sent != 0 || class != tt.class || !strings.Contains(err.Error(), tt.errorPart) {
				t.Errorf("Send = %+v, %v (%s); want %s containing %q", res, err, class, tt.class, tt.errorPart)
			}
		})
	}
}
