package grafana

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gfpeer "github.com/herald-notify/herald/internal/testpeer/grafana"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/notifytest"
)

const key = "glsa_0123456789abcdef"

// config validates raw (with %s standing for the fake's URL) the way the API does.
func config(t *testing.T, raw, url string) notify.Config {
	t.Helper()
	raw = strings.ReplaceAll(raw, "%s", url)
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

func newSender(t *testing.T, env notify.Env) notify.Sender {
	t.Helper()
	env.UserAgent = "Herald/test"
	return New(env)
}

var (
	started  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	finished = time.Date(2026, 3, 1, 13, 5, 30, 250e6, time.FixedZone("CET", 3600)) // 12:05:30.25 UTC
	job      = notify.Message{NotificationID: 5, NotifierID: 2, JobKind: "job", JobID: 42, Subject: "Job #42 'deploy' succeeded", Trigger: "success", Started: &started, Finished: &finished}
)

func TestSendWire(t *testing.T) {
	running := job
	running.Finished = nil
	test := notify.Message{NotificationID: 6, NotifierID: 2, Subject: "Herald Notification Test 2 https://herald", Trigger: "test"}
	// Epoch milliseconds of started and finished, worked out by hand.
	const start, end = "1772366400000", "1772366730250"
	tests := []struct {
		name     string
		cfg      string
		msg      notify.Message
		wantPath string
		want     string
	}{
		{"region on a panel with tags",
			`{"grafana_url": "%s", "grafana_key": "` + key + `", "dashboardId": 468, "panelId": 2, "annotation_tags": ["deploy", "herald"]}`, job, "/api/annotations",
			`{"time":` + start + `,"timeEnd":` + end + `,"isRegion":true,"dashboardId":468,"panelId":2,"tags":["deploy","herald"],"text":"Job #42 'deploy' succeeded"}`},
		{"organisation-wide, no tags",
			`{"grafana_url": "%s", "grafana_key": "` + key + `", "annotation_tags": []}`, job, "/api/annotations",
			`{"time":` + start + `,"timeEnd":` + end + `,"isRegion":true,"text":"Job #42 'deploy' succeeded"}`},
		{"ids of 0 are sent",
			`{"grafana_url": "%s", "grafana_key": "` + key + `", "dashboardId": 0, "panelId": 0}`, job, "/api/annotations",
			`{"time":` + start + `,"timeEnd":` + end + `,"isRegion":true,"dashboardId":0,"panelId":0,"text":"Job #42 'deploy' succeeded"}`},
		{"a running job ends where it starts",
			`{"grafana_url": "%s", "grafana_key": "` + key + `"}`, running, "/api/annotations",
			`{"time":` + start + `,"timeEnd":` + start + `,"isRegion":true,"text":"Job #42 'deploy' succeeded"}`},
		{"a test notification leaves the time to Grafana",
			`{"grafana_url": "%s/", "grafana_key": "` + key + `", "annotation_tags": ["t"]}`, test, "/api/annotations",
			`{"tags":["t"],"text":"Herald Notification Test 2 https://herald"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := gfpeer.New(t, key)
			res, err := newSender(t, notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(), config(t, tt.cfg, fake.URL), tt.msg)
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
			if r.Method != http.MethodPost || r.Path != tt.wantPath {
				t.Errorf("request = %s %s, want POST %s", r.Method, r.Path, tt.wantPath)
			}
			for k, v := range map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json", "User-Agent": "Herald/test"} {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if string(r.Body) != tt.want {
				t.Errorf("body:\n got %s\nwant %s", r.Body, tt.want)
			}
			if n := len(fake.Annotations()); n != 1 {
				t.Errorf("fake holds %d annotations, want 1", n)
			}
		})
	}
}

func TestSendUnderASubpath(t *testing.T) {
	fake := gfpeer.New(t, key)
	fake.Script(gfpeer.Reply{Status: http.StatusOK, Body: `{"message":"Annotation added","id":1}`})
	c := config(t, `{"grafana_url": "%s/grafana/", "grafana_key": "`+key+`"}`, fake.URL)
	if _, err := newSender(t, notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(), c, job); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := fake.Requests()[0].Path; got != "/grafana/api/annotations" {
		t.Errorf("path = %q, want /grafana/api/annotations", got)
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		script    []gfpeer.Reply
		wantClass notify.Class
		wantAfter time.Duration
		wantText  string
	}{
		{"wrong key", "glsa_wrong", nil, notify.ClassPermanent, 0, "grafana: 401 Unauthorized"},
		{"missing permission", key, []gfpeer.Reply{gfpeer.Error(http.StatusForbidden, "You'll need additional permissions to perform this action. Permissions needed: annotations:create")},
			notify.ClassPermanent, 0, "grafana: 403 You'll need additional permissions to perform this action. Permissions needed: annotations:create"},
		{"dashboard not found", key, []gfpeer.Reply{gfpeer.Error(http.StatusNotFound, "Dashboard not found")},
			notify.ClassPermanent, 0, "grafana: 404 Dashboard not found"},
		{"rate limited with Retry-After", key, []gfpeer.Reply{gfpeer.RateLimited("15")},
			notify.ClassTransient, 15 * time.Second, "grafana: 429 Too Many Requests"},
		{"server error", key, []gfpeer.Reply{gfpeer.Error(http.StatusInternalServerError, "Failed to save annotation")},
			notify.ClassTransient, 0, "grafana: 500 Failed to save annotation"},
		{"bad gateway without a body", key, []gfpeer.Reply{{Status: http.StatusBadGateway}},
			notify.ClassTransient, 0, "grafana: 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := gfpeer.New(t, key)
			fake.Script(tt.script...)
			c := config(t, `{"grafana_url": "%s", "grafana_key": "`+tt.key+`"}`, fake.URL)
			res, err := newSender(t, notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(), c, job)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if class, after := notify.Classify(err); class != tt.wantClass || after != tt.wantAfter {
				t.Errorf("Classify = %v, %v; want %v, %v", class, after, tt.wantClass, tt.wantAfter)
			}
			if err.Error() != tt.wantText {
				t.Errorf("error = %q, want %q", err, tt.wantText)
			}
			if res.Sent != 0 || len(fake.Annotations()) != 0 {
				t.Errorf("Sent = %d with %d annotations, want none", res.Sent, len(fake.Annotations()))
			}
		})
	}
}

func TestSendSelfSignedCertificate(t *testing.T) {
	fake := gfpeer.NewTLS(t, key)
	tests := []struct {
		name     string
		noVerify bool
		env      notify.Env
		wantErr  bool
	}{
		{"verified and not trusted", false, notify.Env{Allow: notifytest.Loopback()}, true},
		{"verification off", true, notify.Env{Allow: notifytest.Loopback()}, false},
		{"verified against a trusted root", false, notify.Env{Allow: notifytest.Loopback(), RootCAs: fake.CertPool()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config(t, fmt.Sprintf(`{"grafana_url": "%%s", "grafana_key": %q, "grafana_no_verify_ssl": %t}`, key, tt.noVerify), fake.URL)
			before := len(fake.Annotations())
			res, err := newSender(t, tt.env).Send(context.Background(), c, job)
			if !tt.wantErr {
				if err != nil || res.Sent != 1 || len(fake.Annotations()) != before+1 {
					t.Fatalf("Sent = %d, err = %v; want one annotation", res.Sent, err)
				}
				return
			}
			if err == nil {
				t.Fatal("Send succeeded, want a certificate error")
			}
			if class, _ := notify.Classify(err); class != notify.ClassPermanent || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("err = %v (%v), want a permanent certificate error", err, class)
			}
			if len(fake.Annotations()) != before {
				t.Error("an annotation was made over an unverified connection")
			}
		})
	}
}

func TestSendConnectionRefusedIsTransient(t *testing.T) {
	fake := gfpeer.New(t, key)
	url := fake.URL
	fake.Close()
	c := config(t, `{"grafana_url": "%s", "grafana_key": "`+key+`"}`, url)
	_, err := newSender(t, notify.Env{Allow: notifytest.Loopback()}).Send(context.Background(), c, job)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
		t.Fatalf("err = %v, want transient", err)
	}
}
