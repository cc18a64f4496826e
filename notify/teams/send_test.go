package teams

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tpeer "github.com/herald-notify/herald/internal/testpeer/teams"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const jobBody = `{"id": 42, "name": "deploy", "url": "https://herald.example.com/#/jobs/playbook/42", "created_by": "alice",
 "started": null, "finished": null, "status": "successful", "traceback": "", "friendly_name": "Job", "inventory": "prod",
 "project": "site", "playbook": "site.yml", "limit": "", "extra_vars": "", "hosts": {}}`

var jobMessage = notify.Message{NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42, Trigger: "success",
	Subject: "Job #42 'deploy' succeeded: https://herald.example.com/#/jobs/playbook/42", Body: jobBody}

func send(t *testing.T, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	return New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"}).Send(context.Background(), c, m)
}

func TestSendWire(t *testing.T) {
	fake := tpeer.New(t)
	res, err := send(t, notify.Config{"url": fake.HookURL(), "mention": []string{"ops@example.com"}}, jobMessage)
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	posts := fake.Posts()
	if len(posts) != 1 || posts[0].Type != "message" || len(posts[0].Attachments) != 1 ||
		posts[0].Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || posts[0].Attachments[0].ContentURL != nil {
		t.Fatalf("Teams got %+v, want one message envelope with one Adaptive Card", posts)
	}
	want := `{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","actions":[{"title":"View job","type":"Action.OpenUrl","url":"https://herald.example.com/#/jobs/playbook/42"}],` +
		`"body":[{"color":"Good","size":"Medium","text":"Job #42 'deploy' succeeded: https://herald.example.com/#/jobs/playbook/42","type":"TextBlock","weight":"Bolder","wrap":true},` +
		`{"facts":[{"title":"Status","value":"successful"},{"title":"Project","value":"site"},{"title":"Playbook","value":"site.yml"},{"title":"Inventory","value":"prod"},{"title":"Launched by","value":"alice"}],"type":"FactSet"},` +
		`{"text":"\u003cat\u003eops@example.com\u003c/at\u003e","type":"TextBlock","wrap":true}],` +
		`"msteams":{"entities":[{"mentioned":{"id":"ops@example.com","name":"ops@example.com"},"text":"\u003cat\u003eops@example.com\u003c/at\u003e","type":"mention"}],"width":"Full"},"type":"AdaptiveCard","version":"1.4"}`
	got, _ := json.Marshal(fake.Cards()[0])
	if string(got) != want {
		t.Errorf("card\n got %s\nwant %s", got, want)
	}
}

func TestSendCustomCard(t *testing.T) {
	fake := tpeer.New(t)
	m := jobMessage
	m.Body = `{"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": "custom"}]}`
	if _, err := send(t, notify.Config{"url": fake.HookURL()}, m); err != nil {
		t.Fatal(err)
	}
	if cards := fake.Cards(); len(cards) != 1 || cards[0]["body"].([]any)[0].(map[string]any)["text"] != "custom" {
		t.Errorf("Teams got %v, want the custom card as it is", cards)
	}
}

func TestSendCustomText(t *testing.T) {
	fake := tpeer.New(t)
	m := jobMessage
	m.Body = "rolled back"
	if _, err := send(t, notify.Config{"url": fake.HookURL()}, m); err != nil {
		t.Fatal(err)
	}
	body := fake.Cards()[0]["body"].([]any)
	if len(body) != 2 || body[1].(map[string]any)["text"] != "rolled back" {
		t.Errorf("card body %v, want the title then the custom text", body)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		url       func(*tpeer.Server) string
		reply     tpeer.Reply
		class     notify.Class
		after     time.Duration
		errorPart string
	}{
		{"throttled waits Retry-After", nil, tpeer.Throttled("7"), notify.ClassTransient, 7 * time.Second, "429 WorkflowRequestsThrottled"},
		{"server error", nil, tpeer.Reply{Status: 503, Body: "unavailable"}, notify.ClassTransient, 0, "503"},
		{"wrong signature", func(s *tpeer.Server) string { return strings.Replace(s.HookURL(), tpeer.Sig, "forged", 1) }, tpeer.Reply{}, notify.ClassPermanent, 0, "401 DirectApiInvalidAuthorizationSignature"},
		{"deleted flow", func(s *tpeer.Server) string { return strings.Replace(s.HookURL(), tpeer.Workflow, "gone", 1) }, tpeer.Reply{}, notify.ClassPermanent, 0, "404 WorkflowNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tpeer.New(t)
			if tt.reply.Status != 0 {
				fake.Script(tt.reply)
			}
			u := fake.HookURL()
			if tt.url != nil {
				u = tt.url(fake)
			}
			res, err := send(t, notify.Config{"url": u}, jobMessage)
			class, after := notify.Classify(err)
			if err == nil || res.Sent != 0 || class != tt.class || after != tt.after || !strings.Contains(err.Error(), tt.errorPart) {
				t.Errorf("Send = %+v, %v (%s after %s); want %s after %s containing %q", res, err, class, after, tt.class, tt.after, tt.errorPart)
			}
		})
	}
}

func TestSendRefusedConnectionHidesSignature(t *testing.T) {
	_, err := send(t, notify.Config{"url": "http://127.0.0.1:1/workflows/x/triggers/manual/paths/invoke?sig=secret-sig"}, jobMessage)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient || strings.Contains(err.Error(), "secret-sig") {
		t.Errorf("error %v (%s): want transient, without the signature", err, class)
	}
}
