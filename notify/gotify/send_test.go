package gotify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	gpeer "github.com/herald-notify/herald/internal/testpeer/gotify"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const jobBody = `{"id": 42, "name": "deploy", "url": "https://herald.example.com/#/jobs/playbook/42", "created_by": "alice",
 "started": null, "finished": null, "status": "successful", "traceback": "", "friendly_name": "Job", "inventory": "prod",
 "project": "site", "playbook": "site.yml", "limit": "web*", "extra_vars": "", "hosts": {}}`

var jobMessage = notify.Message{NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42, Trigger: "success",
	Subject: "Job #42 'deploy' succeeded: https://herald.example.com/#/jobs/playbook/42", Body: jobBody}

func send(t *testing.T, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	return New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"}).Send(context.Background(), c, m)
}

func TestSendWire(t *testing.T) {
	fake := gpeer.New(t)
	res, err := send(t, notify.Config{"url": fake.URL + "/", "app_token": gpeer.AppToken, "priority": int64(8)}, jobMessage)
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	r := fake.Requests()
	if len(r) != 1 || r[0].Path != "/message" || r[0].Header.Get("X-Gotify-Key") != gpeer.AppToken {
		t.Fatalf("requests %+v, want one POST /message with X-Gotify-Key", r)
	}
	want := `{"title":"Job #42 'deploy' succeeded: https://herald.example.com/#/jobs/playbook/42",` +
		`"message":"Status: successful\nProject: site\nPlaybook: site.yml\nInventory: prod\nLimit: web*\nLaunched by: alice",` +
		`"priority":8,"extras":{"client::display":{"contentType":"text/plain"},"client::notification":{"click":{"url":"https://herald.example.com/#/jobs/playbook/42"}}}}`
	var a, b any
	_ = json.Unmarshal(r[0].Body, &a)
	_ = json.Unmarshal([]byte(want), &b)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("body\n got %s\nwant %s", ja, jb)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		reply     gpeer.Reply
		class     notify.Class
		errorPart string
	}{
		{"unknown token", "nope", gpeer.Reply{}, notify.ClassPermanent, "401 Unauthorized: you need to provide a valid access token"},
		{"client token", gpeer.ClientToken, gpeer.Reply{}, notify.ClassPermanent, "403 Forbidden"},
		{"server error", gpeer.AppToken, gpeer.Error(500, "database is locked"), notify.ClassTransient, "500 Internal Server Error: database is locked"},
		{"proxy unavailable", gpeer.AppToken, gpeer.Reply{Status: 503, Body: "<html>"}, notify.ClassTransient, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := gpeer.New(t)
			if tt.reply.Status != 0 {
				fake.Script(tt.reply)
			}
			res, err := send(t, notify.Config{"url": fake.URL, "app_token": tt.token, "priority": int64(5)}, jobMessage)
			if class, _ := notify.Classify(err); err == nil || res.Sent != 0 || class != tt.class || !strings.Contains(err.Error(), tt.errorPart) {
				t.Errorf("Send = %+v, %v (%s); want %s containing %q", res, err, class, tt.class, tt.errorPart)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}
