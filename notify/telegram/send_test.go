package telegram

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	tgpeer "github.com/herald-notify/herald/internal/testpeer/telegram"
	"github.com/herald-notify/herald/notify"
)

const token = "123456:AAE-test"

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

func send(t *testing.T, fake *tgpeer.Server, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	s := New(notify.Env{Endpoints: map[string]string{Endpoint.Var: fake.URL}, UserAgent: "Herald/test"})
	return s.Send(context.Background(), c, m)
}

const jobBody = `{"id": 42, "name": "deploy <prod>", "url": "https://herald.example.com/#/jobs/playbook/42",
 "created_by": "alice", "started": "2026-11-24T10:00:00.000000Z", "finished": "2026-11-24T10:01:05.000000Z",
 "status": "failed", "traceback": "", "friendly_name": "Job", "inventory": "prod", "project": "site",
 "playbook": "site.yml", "limit": "web*", "extra_vars": "{}",
 "hosts": {"web2": {"failed": true, "dark": 1, "failures": 0}, "web1": {"failed": true, "failures": 2}, "db": {"failed": false, "ok": 3}}}`

var jobMessage = notify.Message{NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42, Trigger: "error",
	Subject: "Job #42 'deploy <prod>' failed: https://herald.example.com/#/jobs/playbook/42", Body: jobBody}

func TestSendWire(t *testing.T) {
	fake := tgpeer.New(t, token, "-1001", "@ops_channel")
	c := config(t, `{"bot_token": "`+token+`", "chat_ids": ["-1001", "@ops_channel"], "disable_notification": true, "message_thread_id": 9}`)
	res, err := send(t, fake, c, jobMessage)
	if err != nil || res.Sent != 2 || !reflect.DeepEqual(res.Done, []string{"-1001", "@ops_channel"}) {
		t.Fatalf("Send = %+v, %v; want both chats", res, err)
	}
	want := "<b>Job #42 &#39;deploy &lt;prod&gt;&#39; failed: https://herald.example.com/#/jobs/playbook/42</b>" +
		"\n<b>Status:</b> failed\n<b>Project:</b> site\n<b>Playbook:</b> site.yml\n<b>Inventory:</b> prod\n<b>Limit:</b> web*" +
		"\n<b>Launched by:</b> alice\n<b>Started:</b> 2026-11-24T10:00:00.000000Z\n<b>Finished:</b> 2026-11-24T10:01:05.000000Z" +
		"\n<b>Elapsed:</b> 1m5s\n<b>Failed hosts:</b> web1 (failures 2), web2 (unreachable 1)"
	got := fake.Messages()
	if len(got) != 2 || got[0].Text != want || got[1].ChatID != "@ops_channel" {
		t.Fatalf("Telegram got %+v\nwant text %q", got, want)
	}
	if !got[0].DisableNotification || got[0].MessageThreadID != 9 || got[0].ParseMode != "HTML" {
		t.Errorf("message %+v: want silent, thread 9, HTML", got[0])
	}
	if r := fake.Requests()[0]; r.Path != "/bot"+token+"/sendMessage" {
		t.Errorf("path %s", r.Path)
	}
}

func TestSendCustomBody(t *testing.T) {
	fake := tgpeer.New(t, token, "42")
	c := config(t, `{"bot_token": "`+token+`", "chat_ids": ["42"]}`)
	m := jobMessage
	m.Body = "Deploy of <prod> broke & rolled back"
	if _, err := send(t, fake, c, m); err != nil {
		t.Fatal(err)
	}
	want := "<b>Job #42 &#39;deploy &lt;prod&gt;&#39; failed: https://herald.example.com/#/jobs/playbook/42</b>\n\nDeploy of &lt;prod&gt; broke &amp; rolled back"
	if got := fake.Messages(); len(got) != 1 || got[0].Text != want {
		t.Errorf("Telegram got %+v, want %q", got, want)
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		reply     tgpeer.Reply // for chat 42; the zero Reply lets the fake answer
		token     string
		class     notify.Class
		after     time.Duration
		errorPart string
		sent      int
	}{
		{"flood control waits retry_after", tgpeer.RateLimited(17), token, notify.ClassTransient, 17 * time.Second, "429 Too Many Requests: retry after 17", 1},
		{"server error is retried", tgpeer.Reply{Status: 502, Body: "Bad Gateway"}, token, notify.ClassTransient, 0, "502", 1},
		{"Telegram's own 5xx", tgpeer.Error(500, "Internal Server Error"), token, notify.ClassTransient, 0, "500 Internal Server Error", 1},
		{"blocked is permanent", tgpeer.Blocked(), token, notify.ClassPermanent, 0, "403 Forbidden: bot was blocked by the user", 1},
		{"migrated group names the new id", tgpeer.Migrated(-100777), token, notify.ClassPermanent, 0, "supergroup -100777", 1},
		{"wrong token fails every chat", tgpeer.Reply{}, "999:wrong", notify.ClassPermanent, 0, "401 Unauthorized", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tgpeer.New(t, token, "42", "43")
			if tt.reply.Status != 0 {
				fake.Script("42", tt.reply)
			}
			c := config(t, `{"bot_token": "`+tt.token+`", "chat_ids": ["42", "43"]}`)
			res, err := send(t, fake, c, jobMessage)
			class, after := notify.Classify(err)
			if err == nil || class != tt.class || after != tt.after || !strings.Contains(err.Error(), tt.errorPart) {
				t.Fatalf("error %v (%s, after %s); want %s after %s containing %q", err, class, after, tt.class, tt.after, tt.errorPart)
			}
			if res.Sent != tt.sent {
				t.Errorf("sent %d, want %d: one chat failing must not hold back the other", res.Sent, tt.sent)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestSendUnknownChatIsPermanent(t *testing.T) {
	fake := tgpeer.New(t, token, "42")
	c := config(t, `{"bot_token": "`+token+`", "chat_ids": ["41"]}`)
	_, err := send(t, fake, c, jobMessage)
	if class, _ := notify.Classify(err); class != notify.ClassPermanent || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("error %v (%s), want permanent chat not found", err, class)
	}
}

func TestSendSkipsChatsReached(t *testing.T) {
	fake := tgpeer.New(t, token, "42", "43")
	c := config(t, `{"bot_token": "`+token+`", "chat_ids": ["42", "43", "42"]}`)
	m := jobMessage
	m.Done = []string{"42"}
	res, err := send(t, fake, c, m)
	if err != nil || res.Sent != 1 || !reflect.DeepEqual(res.Done, []string{"43"}) {
		t.Fatalf("Send = %+v, %v; want only 43", res, err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestSendRefusedConnectionHidesToken(t *testing.T) {
	s := New(notify.Env{Endpoints: map[string]string{Endpoint.Var: "http://127.0.0.1:1"}})
	_, err := s.Send(context.Background(), config(t, `{"bot_token": "`+token+`", "chat_ids": ["42"]}`), jobMessage)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient || strings.Contains(err.Error(), token) {
		t.Errorf("error %v (%s): want transient, without the token", err, class)
	}
}

func TestSendGarbageOKAnswerIsNotRetried(t *testing.T) {
	fake := tgpeer.New(t, token, "42")
	fake.Script("42", tgpeer.Reply{Status: http.StatusOK, Body: "<html>proxy</html>"})
	_, err := send(t, fake, config(t, `{"bot_token": "`+token+`", "chat_ids": ["42"]}`), jobMessage)
	if class, _ := notify.Classify(err); class != notify.ClassPermanent {
		t.Errorf("error %v (%s), want permanent: the message may have been sent", err, class)
	}
}
