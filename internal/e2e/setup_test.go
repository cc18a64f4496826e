// Package e2e drives a whole Herald through its API against fakes of every
// receiver: create a notifier, attach it, run a job to its end, and check
// what the receiver got and what the notification says afterwards.
//
// The cases share one Herald (TestNotifiers; TestTLS has a second, started
// after the TLS servers it must trust): starting one hashes the admin
// password with bcrypt, which under -race takes about a second, so a Herald
// per case would make the package take minutes. Cases stay
// independent all the same: each has its own job template, notifier and fake.
package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/internal/testpeer/smtp"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
	"github.com/herald-notify/herald/notify/telegram"
)

// baseURL is the public URL heraldtest gives every server; messages link to it.
const baseURL = "https://herald.example.com"

// wait bounds every wait for a notification: far above what the short test
// retry policy needs, so only a hang reaches it.
const wait = 20 * time.Second

// suites are the cases of each notifier type, registered by the type's file.
var suites = map[string]func(t *testing.T, w *world){}

func register(typ string, suite func(t *testing.T, w *world)) bool {
	suites[typ] = suite
	return true
}

// world is the one Herald every case talks to, and the peers it was started with.
type world struct {
	url     string
	client  *http.Client
	org     int64
	project int64

	// The hosted services' URLs are fixed in the Herald's Env, so each is a
	// router to the case's own fake, chosen by what the request carries.
	slack, pagerduty, twilio, telegram *router
	// The SMTP server's certificate must be trusted when Herald starts, so
	// there is one, for the e-mail cases to take turns with.
	smtp *smtp.Server
}

// TestNotifiers starts one Herald and runs every registered type's cases in parallel.
func TestNotifiers(t *testing.T) {
	w := &world{client: &http.Client{Timeout: 30 * time.Second}}
	w.slack = newRouter(t, slackKey)
	w.pagerduty = newRouter(t, pagerdutyKey)
	w.twilio = newRouter(t, twilioKey)
	w.telegram = newRouter(t, telegramKey)
	// Env has one pool of trusted roots. The SMTP server's certificate is
	// only in the pool it comes with (its own, unused by the server), so the
	// pool is that one plus the certificate every httptest TLS server (the
	// TLS fakes, the webhook receivers) shares.
	w.smtp = smtp.Start(t, smtp.Options{Mode: smtp.StartTLS, Users: map[string]string{smtpUser: smtpPassword}})
	roots := w.smtp.CertPool
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler())
	roots.AddCert(tlsServer.Certificate())
	tlsServer.Close()
	s := heraldtest.Start(t, heraldtest.Options{Env: notify.Env{
		SlackAPIURL:  w.slack.URL + "/api/",
		PagerDutyURL: w.pagerduty.URL,
		TwilioAPIURL: w.twilio.URL,
		Endpoints:    map[string]string{telegram.Endpoint.Var: w.telegram.URL},
		UserAgent:    "Herald/e2e",
		RootCAs:      roots,
	}})
	w.url = s.URL
	w.org = heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	w.project = heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Playbooks", "organization": w.org}))

	types := make([]string, 0, len(suites))
	for typ := range suites {
		types = append(types, typ)
	}
	sort.Strings(types)
	// Every type Herald offers has its cases here.
	var offered []string
	for typ := range registry.Types() {
		offered = append(offered, typ)
	}
	sort.Strings(offered)
	if !reflect.DeepEqual(types, offered) {
		t.Errorf("end-to-end cases exist for %v, but Herald offers %v", types, offered)
	}
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			suites[typ](t, w)
		})
	}
}

// scene is one case: its own job template, named after the test, to hang notifiers on.
type scene struct {
	*world
	t        *testing.T
	template int64
}

// scene makes a case's job template, named after the test.
func (w *world) scene(t *testing.T) *scene {
	t.Helper()
	sc := &scene{world: w, t: t}
	sc.template = id(sc.must(http.StatusCreated, "POST", "/api/v1/job_templates/",
		map[string]any{"name": t.Name(), "project": w.project, "playbook": "ping.yml"}))
	return sc
}

// do sends a JSON request as admin.
func (sc *scene) do(method, path string, body any) (int, http.Header, map[string]any) {
	sc.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			sc.t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, sc.url+path, rd)
	if err != nil {
		sc.t.Fatal(err)
	}
	req.SetBasicAuth("admin", heraldtest.AdminPassword)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := sc.client.Do(req)
	if err != nil {
		sc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

// must sends a request and fails the case unless the status is want.
func (sc *scene) must(want int, method, path string, body any) map[string]any {
	sc.t.Helper()
	status, _, out := sc.do(method, path, body)
	if status != want {
		sc.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

// notifier creates a notifier of typ and returns it as the API shows it.
func (sc *scene) notifier(typ string, config map[string]any) map[string]any {
	sc.t.Helper()
	return sc.must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": sc.t.Name(), "organization": sc.org, "notification_type": typ, "notification_configuration": config,
	})
}

// attach puts notifier n on one of the job template's lists
// ("notifiers_success", "notifiers_error", "notifiers_any").
func (sc *scene) attach(n int64, list string) {
	sc.t.Helper()
	sc.must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/%s/", sc.template, list), map[string]any{"id": n})
}

// launch starts a job from the case's template and returns its id.
func (sc *scene) launch() int64 {
	sc.t.Helper()
	return id(sc.must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", sc.template), map[string]any{}))
}

// finish reports the job running, then finished with status; started and
// finished are sent when not zero.
func (sc *scene) finish(job int64, status string, started, finished time.Time) {
	sc.t.Helper()
	path := fmt.Sprintf("/api/v1/jobs/%d/", job)
	running := map[string]any{"status": "running"}
	if !started.IsZero() {
		running["started"] = started.Format(time.RFC3339Nano)
	}
	sc.must(http.StatusOK, "PATCH", path, running)
	done := map[string]any{"status": status}
	if !finished.IsZero() {
		done["finished"] = finished.Format(time.RFC3339Nano)
	}
	sc.must(http.StatusOK, "PATCH", path, done)
}

// jobNotification returns the job's one notification once it is no longer pending.
func (sc *scene) jobNotification(job int64) map[string]any {
	sc.t.Helper()
	list := sc.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/notifications/", job), nil)
	results, _ := list["results"].([]any)
	if len(results) != 1 {
		sc.t.Fatalf("job %d has %d notifications, want 1: %v", job, len(results), list)
	}
	return sc.waitNotification(id(results[0].(map[string]any)))
}

// waitNotification waits until notification n is no longer pending and returns it.
func (sc *scene) waitNotification(n int64) map[string]any {
	sc.t.Helper()
	var note map[string]any
	if !heraldtest.Eventually(sc.t, wait, func() bool {
		note = sc.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/%d/", n), nil)
		return note["status"] != "pending"
	}) {
		sc.t.Fatalf("notification %d still pending after %s: %v", n, wait, note)
	}
	return note
}

// run is the whole story: create a notifier, attach it to list, launch a
// job, finish it with status, and wait for the notification. It returns the
// notification, the job id and the notifier.
func (sc *scene) run(typ string, config map[string]any, list, status string) (note map[string]any, job int64, notifier map[string]any) {
	sc.t.Helper()
	notifier = sc.notifier(typ, config)
	sc.attach(id(notifier), list)
	job = sc.launch()
	sc.finish(job, status, time.Time{}, time.Time{})
	return sc.jobNotification(job), job, notifier
}

// test sends notifier n's test message and waits for its notification.
func (sc *scene) test(n int64) map[string]any {
	sc.t.Helper()
	status, header, out := sc.do("POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", n), nil)
	if status != http.StatusAccepted {
		sc.t.Fatalf("test notifier %d: status %d: %v", n, status, out)
	}
	note := int64(num(out["notification"]))
	if want := fmt.Sprintf("/api/v1/notifications/%d/", note); header.Get("Location") != want {
		sc.t.Fatalf("test notifier %d: Location %q, want %q", n, header.Get("Location"), want)
	}
	return sc.waitNotification(note)
}

// checkEncrypted fails unless every key in keys of the notifier's
// configuration is shown as "$encrypted$", on creation and when read back.
func (sc *scene) checkEncrypted(notifier map[string]any, keys ...string) {
	sc.t.Helper()
	again := sc.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifiers/%d/", id(notifier)), nil)
	for _, n := range []map[string]any{notifier, again} {
		cfg, _ := n["notification_configuration"].(map[string]any)
		for _, k := range keys {
			if cfg[k] != "$encrypted$" {
				sc.t.Errorf("notifier shows %s = %v, want \"$encrypted$\"", k, cfg[k])
			}
		}
	}
}

// subject is the default subject of job #job of a template named name.
func subject(job int64, name, word string) string {
	return fmt.Sprintf("Job #%d '%s' %s: %s/#/jobs/playbook/%d", job, name, word, baseURL, job)
}

// testSubject is the subject of notifier n's test message.
func testSubject(n int64) string {
	return fmt.Sprintf("Herald Notification Test %d %s", n, baseURL)
}

// outcome is what a finished notification should say.
type outcome struct {
	status   string // "successful" or "failed"
	attempts int
	sent     int
	error    string // a part of the error; "" wants none
}

// check compares a notification with want.
func check(t *testing.T, note map[string]any, want outcome) {
	t.Helper()
	errText, _ := note["error"].(string)
	if note["status"] != want.status || num(note["attempts"]) != want.attempts || num(note["notifications_sent"]) != want.sent {
		t.Errorf("notification: status %v, attempts %v, notifications_sent %v (error %q); want %s, %d, %d",
			note["status"], note["attempts"], note["notifications_sent"], errText, want.status, want.attempts, want.sent)
	}
	switch {
	case want.error == "" && errText != "":
		t.Errorf("notification error %q, want none", errText)
	case want.error != "" && !strings.Contains(errText, want.error):
		t.Errorf("notification error %q, want it to contain %q", errText, want.error)
	}
}

// id reads the "id" of a decoded object.
func id(obj map[string]any) int64 { return int64(num(obj["id"])) }

// num reads a JSON number as an int.
func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// decode parses a JSON object; it fails the test on anything else.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, b)
	}
	return m
}

// basicAuth reads the HTTP Basic credentials of a recorded request's header.
func basicAuth(h http.Header) (user, pass string, ok bool) {
	r := &http.Request{Header: h}
	return r.BasicAuth()
}

// itoa writes a job or notifier id.
func itoa(n int64) string { return fmt.Sprint(n) }

// jobNotifications waits for the job's want notifications to be no longer
// pending and returns them, oldest first.
func (sc *scene) jobNotifications(job int64, want int) []map[string]any {
	sc.t.Helper()
	var results []any
	if !heraldtest.Eventually(sc.t, wait, func() bool {
		list := sc.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/notifications/?order_by=id", job), nil)
		results, _ = list["results"].([]any)
		return len(results) >= want
	}) || len(results) != want {
		sc.t.Fatalf("job %d has %d notifications, want %d", job, len(results), want)
	}
	var out []map[string]any
	for _, r := range results {
		out = append(out, sc.waitNotification(id(r.(map[string]any))))
	}
	return out
}
