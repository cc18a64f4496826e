package opsgenie

import (
	"context"
	"reflect"
	"strings"
	"testing"

	ogpeer "github.com/herald-notify/herald/internal/testpeer/opsgenie"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const apiKey = "eb243592-faa2-4ba2-a551-1afdf565c889"

const jobBody = `{"id": 42, "name": "deploy", "url": "https://herald.example.com/#/jobs/playbook/42", "created_by": "alice",
 "started": null, "finished": null, "status": "failed", "traceback": "", "friendly_name": "Job", "inventory": "prod",
 "project": "site", "playbook": "site.yml", "limit": "", "extra_vars": "", "hosts": {}}`

func message(trigger string) notify.Message {
	return notify.Message{NotificationID: 7, NotifierID: 3, JobKind: "job", JobID: 42, Trigger: trigger,
		Subject: "Job #42 'deploy' failed: https://herald.example.com/#/jobs/playbook/42", Body: jobBody}
}

func config(url string) notify.Config {
	c, p := notify.Validate(Spec(), map[string]any{"api_key": apiKey, "api_url": url, "priority": "P2", "tags": []any{"ansible"},
		"responders": []any{map[string]any{"type": "team", "name": "NOC"}}})
	if len(p) > 0 {
		panic(p)
	}
	return c
}

func send(t *testing.T, c notify.Config, m notify.Message) (notify.Result, error) {
	t.Helper()
	return New(notify.Env{Allow: notifytest.Loopback(), UserAgent: "Herald/test"}).Send(context.Background(), c, m)
}

func TestErrorCreatesAlert(t *testing.T) {
	fake := ogpeer.New(t, apiKey)
	res, err := send(t, config(fake.URL), message("error"))
	if err != nil || res.Sent != 1 {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	want := []ogpeer.Alert{{Message: "Job #42 'deploy' failed: https://herald.example.com/#/jobs/playbook/42", Alias: "herald-job-42-3",
		Description: jobBody, Priority: "P2", Responders: []map[string]string{{"type": "team", "name": "NOC"}}, Tags: []string{"ansible"},
		Details: map[string]string{"Status": "failed", "Project": "site", "Playbook": "site.yml", "Inventory": "prod", "Launched by": "alice",
			"Job URL": "https://herald.example.com/#/jobs/playbook/42"},
		Entity: "Job #42 'deploy'", Source: "Herald", Open: true, Count: 1}}
	if got := fake.Alerts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Opsgenie has\n %+v\nwant\n %+v", got, want)
	}
	if r := fake.Requests(); r[0].Header.Get("Authorization") != "GenieKey "+apiKey || r[0].Path != "/v2/alerts" {
		t.Errorf("request %s with %q", r[0].Path, r[0].Header.Get("Authorization"))
	}
}

func TestSuccessClosesByAlias(t *testing.T) {
	fake := ogpeer.New(t, apiKey)
	c := config(fake.URL)
	c["notify_started"] = true
	for _, trig := range []string{"started", "success"} {
		if _, err := send(t, c, message(trig)); err != nil {
			t.Fatal(err)
		}
	}
	closes := fake.Closes()
	if len(closes) != 1 || closes[0] != (ogpeer.Close{Identifier: "herald-job-42-3", Type: "alias", Found: true, Note: message("success").Subject}) {
		t.Errorf("closes %+v, want the started alert closed by its alias", closes)
	}
	if a := fake.Alerts(); len(a) != 1 || a[0].Open {
		t.Errorf("alerts %+v, want one, closed", a)
	}
}

func TestStartedDoesNothingByDefault(t *testing.T) {
	fake := ogpeer.New(t, apiKey)
	res, err := send(t, config(fake.URL), message("started"))
	if err != nil || res.Sent != 0 || len(fake.Requests()) != 0 {
		t.Errorf("Send = %+v, %v with %d requests; want nothing sent", res, err, len(fake.Requests()))
	}
}

func TestLongSubjectIsCut(t *testing.T) {
	fake := ogpeer.New(t, apiKey)
	m := message("error")
	m.Subject = strings.Repeat("é", 200)
	if _, err := send(t, config(fake.URL), m); err != nil {
		t.Fatal(err)
	}
	if a := fake.Alerts(); len(a) != 1 || len([]rune(a[0].Message)) != 130 {
		t.Errorf("alerts %+v, want one message of 130 characters", a)
	}
}

func TestTestAlertHasItsOwnAlias(t *testing.T) {
	fake := ogpeer.New(t, apiKey)
	m := notify.Message{NotificationID: 99, NotifierID: 3, Trigger: "test", Subject: "Herald Notification Test 3 https://h", Body: `{"body": "Test Notification 3 https://h"}`}
	if _, err := send(t, config(fake.URL), m); err != nil {
		t.Fatal(err)
	}
	if a := fake.Alerts(); len(a) != 1 || a[0].Alias != "herald-test-99" {
		t.Errorf("alerts %+v, want one with alias herald-test-99", a)
	}
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		reply     ogpeer.Reply
		class     notify.Class
		errorPart string
	}{
		{"wrong key", "other", ogpeer.Reply{}, notify.ClassPermanent, "401 Could not authenticate"},
		{"refused field", apiKey, ogpeer.Error(422, "Request body is not processable. Please check the errors.", map[string]string{"responders": "team NOC not found"}),
			notify.ClassPermanent, "422 Request body is not processable. Please check the errors. responders: team NOC not found (request 7e92211d"},
		{"rate limited", apiKey, ogpeer.TooManyRequests(), notify.ClassTransient, "429 You are making too many requests!"},
		{"server error", apiKey, ogpeer.Error(503, "Service Unavailable", nil), notify.ClassTransient, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := ogpeer.New(t, apiKey)
			if tt.reply.Status != 0 {
				fake.Script(tt.reply)
			}
			c := config(fake.URL)
			c["api_key"] = tt.key
			res, err := send(t, c, message("error"))
			if class, _ := notify.Classify(err); err == nil || res.Sent != 0 || class != tt.class || !strings.Contains(err.Error(), tt.errorPart) {
				t.Errorf("Send = %+v, %v (%s); want %s containing %q", res, err, class, tt.class, tt.errorPart)
			}
			if strings.Contains(err.Error(), apiKey) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}
