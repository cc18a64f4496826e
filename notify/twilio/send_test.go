package twilio

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	twpeer "github.com/herald-notify/herald/internal/testpeer/twilio"
	"github.com/herald-notify/herald/notify"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "auth-token"
	from  = "+15556667777"
	alice = "+15551234567"
	bob   = "+442071838750"
	carol = "+61291234567"
)

var msg = notify.Message{NotificationID: 9, NotifierID: 2, JobKind: "job", JobID: 42, Subject: "Job #42 'deploy' failed", Trigger: "error"}

// config validates a twilio configuration for numbers the way the API does.
func config(t *testing.T, tok string, numbers ...string) notify.Config {
	t.Helper()
	to, _ := json.Marshal(numbers)
	raw := fmt.Sprintf(`{"account_sid": %q, "account_token": %q, "from_number": %q, "to_numbers": %s}`, sid, tok, from, to)
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
	return New(notify.Env{TwilioAPIURL: url, UserAgent: "Herald/test"})
}

// delivered lists the numbers the fake accepted a message for, in order.
func delivered(t *testing.T, fake *twpeer.Server) []string {
	t.Helper()
	var out []string
	for _, m := range fake.Messages() {
		out = append(out, m.To)
	}
	return out
}

func TestSendWire(t *testing.T) {
	fake := twpeer.New(t, sid, token)
	res, err := newSender(t, fake.URL).Send(context.Background(), config(t, token, alice, bob), msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Sent != 2 || !slices.Equal(res.Done, []string{alice, bob}) {
		t.Errorf("Result = %+v, want Sent 2, Done [%s %s]", res, alice, bob)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("fake got %d requests, want 2", len(reqs))
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(sid+":"+token))
	for i, to := range []string{alice, bob} {
		r := reqs[i]
		if r.Method != http.MethodPost || r.Path != "/2010-04-01/Accounts/"+sid+"/Messages.json" {
			t.Errorf("request %d = %s %s", i, r.Method, r.Path)
		}
		for k, v := range map[string]string{
			"Authorization": auth,
			"Content-Type":  "application/x-www-form-urlencoded",
			"User-Agent":    "Herald/test",
		} {
			if got := r.Header.Get(k); got != v {
				t.Errorf("request %d header %s = %q, want %q", i, k, got, v)
			}
		}
		want := "Body=Job+%2342+%27deploy%27+failed&From=%2B15556667777&To=" + strings.Replace(to, "+", "%2B", 1)
		if string(r.Body) != want {
			t.Errorf("request %d body = %s, want %s", i, r.Body, want)
		}
	}
}

func TestSendSkipsDoneAndRepeatedNumbers(t *testing.T) {
	tests := []struct {
		name    string
		numbers []string
		done    []string
		want    []string
	}{
		{"done numbers are skipped", []string{alice, bob, carol}, []string{alice, carol}, []string{bob}},
		{"a repeated number gets one message", []string{alice, bob, alice}, nil, []string{alice, bob}},
		{"everything done sends nothing", []string{alice}, []string{alice}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := twpeer.New(t, sid, token)
			m := msg
			m.Done = tt.done
			res, err := newSender(t, fake.URL).Send(context.Background(), config(t, token, tt.numbers...), m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Sent != len(tt.want) || !slices.Equal(res.Done, tt.want) {
				t.Errorf("Result = %+v, want Done %q", res, tt.want)
			}
			if got := delivered(t, fake); !slices.Equal(got, tt.want) {
				t.Errorf("fake delivered to %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		script    map[string]twpeer.Reply
		wantClass notify.Class
		wantAfter time.Duration
		wantDone  []string
		wantText  string
	}{
		{"one invalid number, the others delivered", token,
			map[string]twpeer.Reply{bob: twpeer.InvalidNumber(bob)},
			notify.ClassPermanent, 0, []string{alice, carol},
			"twilio: +442071838750: 400 21211 The 'To' number +442071838750 is not a valid phone number."},
		{"two permanent failures are both reported", token,
			map[string]twpeer.Reply{alice: twpeer.InvalidNumber(alice), carol: twpeer.Unsubscribed()},
			notify.ClassPermanent, 0, []string{bob},
			"twilio: +15551234567: 400 21211 The 'To' number +15551234567 is not a valid phone number.; " +
				"twilio: +61291234567: 400 21610 Attempt to send to unsubscribed recipient"},
		{"wrong credentials", "wrong", nil,
			notify.ClassPermanent, 0, nil,
			"twilio: +15551234567: 401 20003 Authenticate; twilio: +442071838750: 401 20003 Authenticate; twilio: +61291234567: 401 20003 Authenticate"},
		{"rate limited with Retry-After", token,
			map[string]twpeer.Reply{bob: twpeer.RateLimited("20")},
			notify.ClassTransient, 20 * time.Second, []string{alice, carol},
			"twilio: +442071838750: 429 20429 Too Many Requests"},
		{"a transient failure outweighs a permanent one", token,
			map[string]twpeer.Reply{alice: twpeer.InvalidNumber(alice), bob: twpeer.ServerError(http.StatusServiceUnavailable), carol: twpeer.RateLimited("7")},
			notify.ClassTransient, 7 * time.Second, nil,
			"twilio: +15551234567: 400 21211 The 'To' number +15551234567 is not a valid phone number.; " +
				"twilio: +442071838750: 503 20500 An internal server error has occurred; " +
				"twilio: +61291234567: 429 20429 Too Many Requests"},
		{"the longest Retry-After wins", token,
			map[string]twpeer.Reply{alice: twpeer.RateLimited("5"), bob: twpeer.RateLimited("30")},
			notify.ClassTransient, 30 * time.Second, []string{carol},
			"twilio: +15551234567: 429 20429 Too Many Requests; twilio: +442071838750: 429 20429 Too Many Requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := twpeer.New(t, sid, token)
			for to, r := range tt.script {
				fake.Script(to, r)
			}
			res, err := newSender(t, fake.URL).Send(context.Background(), config(t, tt.token, alice, bob, carol), msg)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if class, after := notify.Classify(err); class != tt.wantClass || after != tt.wantAfter {
				t.Errorf("Classify = %v, %v; want %v, %v", class, after, tt.wantClass, tt.wantAfter)
			}
			if err.Error() != tt.wantText {
				t.Errorf("error:\n got %q\nwant %q", err, tt.wantText)
			}
			if res.Sent != len(tt.wantDone) || !slices.Equal(res.Done, tt.wantDone) {
				t.Errorf("Result = %+v, want Done %q", res, tt.wantDone)
			}
			if got := delivered(t, fake); !slices.Equal(got, tt.wantDone) {
				t.Errorf("fake delivered to %q, want %q", got, tt.wantDone)
			}
			if n := len(fake.Requests()); n != 3 {
				t.Errorf("fake got %d requests, want one per number (3)", n)
			}
		})
	}
}

// A retry after a transient failure texts only the number not yet reached:
// nobody gets the notification twice because a neighbour failed.
func TestRetrySendsOnlyToNumbersNotReached(t *testing.T) {
	fake := twpeer.New(t, sid, token)
	fake.Script(bob, twpeer.ServerError(http.StatusServiceUnavailable))
	s := newSender(t, fake.URL)
	c := config(t, token, alice, bob, carol)

	first, err := s.Send(context.Background(), c, msg)
	if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
		t.Fatalf("first attempt: err = %v, want transient", err)
	}
	if !slices.Equal(first.Done, []string{alice, carol}) {
		t.Fatalf("first attempt Done = %q, want [%s %s]", first.Done, alice, carol)
	}

	m := msg
	m.Done = first.Done
	second, err := s.Send(context.Background(), c, m)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if second.Sent != 1 || !slices.Equal(second.Done, []string{bob}) {
		t.Errorf("retry Result = %+v, want Sent 1, Done [%s]", second, bob)
	}
	if got, want := delivered(t, fake), []string{alice, carol, bob}; !slices.Equal(got, want) {
		t.Errorf("fake delivered to %q, want each number once: %q", got, want)
	}
}

func TestSendUnreachable(t *testing.T) {
	fake := twpeer.New(t, sid, token)
	url := fake.URL
	fake.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		url  string
	}{
		{"connection refused", context.Background(), url},
		{"context canceled", canceled, "http://127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newSender(t, tt.url).Send(tt.ctx, config(t, token, alice, bob), msg)
			if class, _ := notify.Classify(err); err == nil || class != notify.ClassTransient {
				t.Fatalf("err = %v, want transient", err)
			}
			if res.Sent != 0 || len(res.Done) != 0 {
				t.Errorf("Result = %+v, want nothing reached", res)
			}
		})
	}
}

// Twilio refuses a body over 1600 characters (21617); a long subject is cut
// so the text still goes out.
func TestSendCutsLongSubject(t *testing.T) {
	fake := twpeer.New(t, sid, token)
	m := msg
	m.Subject = strings.Repeat("ü", 1700)
	if _, err := newSender(t, fake.URL).Send(context.Background(), config(t, token, alice), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].Body != strings.Repeat("ü", 1600) {
		t.Errorf("fake got %d messages; want one with the first 1600 characters", len(got))
	}
}
