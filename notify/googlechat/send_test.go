package googlechat

import (
	"context"
	"strings"
	"testing"

	gpeer "github.com/herald-notify/herald/internal/testpeer/googlechat"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const jobBody = `{"id": 42, "name": "deploy", "url": "https://herald.example.com/#/jobs/playbook/42", "created_by": "alice",
 "started": null, "finished": null, "status": "failed", "traceback": "boom", "friendly_name": "Job", "inventory": "prod",
 "project": "site", "playbook": "site.yml", "limit": "", "extra_vars": "", "hosts": {}}`

func jobMessage(trigger string, job int64) notify.Message {
	return notify.Message{NotificationID: job, NotifierID: 3, JobKind: "job", JobID: job, Trigger: trigger,
		Subject: "Job #42 'deploy' failed: https://herald.example.com/#/jobs/playbook/42", Body: jobBody}
}

func send(t *testing.T, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	return New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"}).Send(context.Background(), c, m)
}

func TestSendWire(t *testing.T) {
	fake := gpeer.New(t)
	res, err := send(t, notify.Config{"url": fake.HookURL()}, jobMessage("error", 42))
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	want := "*Job #42 'deploy' failed: https://herald.example.com/#/jobs/playbook/42*\nStatus: failed\nProject: site\nPlaybook: site.yml\nInventory: prod\nLaunched by: alice\nTraceback: boom"
	if got := fake.Messages(); len(got) != 1 || got[0].Text != want || got[0].ThreadKey != "" {
		t.Errorf("Google Chat got %+v\nwant text %q and no thread", got, want)
	}
}

func TestSendThreadsPerJob(t *testing.T) {
	fake := gpeer.New(t)
	c := notify.Config{"url": fake.HookURL(), "thread_key": "job"}
	for _, m := range []notify.Message{jobMessage("started", 42), jobMessage("error", 42), jobMessage("error", 43)} {
		if _, err := send(t, c, m); err != nil {
			t.Fatal(err)
		}
	}
	got := fake.Messages()
	if len(got) != 3 || got[0].ThreadKey != "herald-job-42" || got[0].Thread != got[1].Thread || got[2].Thread == got[0].Thread {
		t.Errorf("Google Chat got %+v; want job 42's two messages in one thread, job 43's in another", got)
	}
}

func TestSendTestHasNoThread(t *testing.T) {
	fake := gpeer.New(t)
	m := notify.Message{NotificationID: 9, NotifierID: 3, Trigger: "test", Subject: "Herald Notification Test 3 https://h",
		Body: `{"body": "Test Notification 3 https://h"}`}
	if _, err := send(t, notify.Config{"url": fake.HookURL(), "thread_key": "job"}, m); err != nil {
		t.Fatal(err)
	}
	if got := fake.Messages(); len(got) != 1 || got[0].ThreadKey != "" || got[0].Text != "*Herald Notification Test 3 https://h*\nTest Notification 3 https://h" {
		t.Errorf("Google Chat got %+v", got)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		url       func(*gpeer.Server) string
		reply     gpeer.Reply
		class     notify.Class
		errorPart string
	}{
		{"space quota", nil, gpeer.Exhausted(), notify.ClassTransient, "429 RESOURCE_EXHAUSTED"},
		{"unavailable", nil, gpeer.Error(503, "UNAVAILABLE", "The service is currently unavailable."), notify.ClassTransient, "503 UNAVAILABLE"},
		{"revoked token", func(s *gpeer.Server) string { return strings.Replace(s.HookURL(), gpeer.Token, "old", 1) }, gpeer.Reply{}, notify.ClassPermanent, "403 PERMISSION_DENIED"},
		{"unknown space", func(s *gpeer.Server) string { return strings.Replace(s.HookURL(), gpeer.Space, "BBB", 1) }, gpeer.Reply{}, notify.ClassPermanent, "404 NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := gpeer.New(t)
			if tt.reply.Status != 0 {
				fake.Script(tt.reply)
			}
			u := fake.HookURL()
			if tt.url != nil {
				u = tt.url(fake)
			}
			res, err := send(t, notify.Config{"url": u}, jobMessage("error", 42))
			if class, _ := notify.Classify(err); err == nil || res.Sent != 0 || class != tt.class || !strings.Contains(err.Error(), tt.errorPart) {
				t.Errorf("Send = %+v, %v (%s); want %s containing %q", res, err, class, tt.class, tt.errorPart)
			}
		})
	}
}

func TestSendRefusedConnectionHidesToken(t *testing.T) {
	_, err := send(t, notify.Config{"url": "http://127.0.0.1:1/v1/spaces/A/messages?key=k&token=secret-tok"}, jobMessage("error", 42))
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient || strings.Contains(err.Error(), "secret-tok") {
		t.Errorf("error %v (%s): want transient, without the token", err, class)
	}
}
