package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/twilio"
)

var _ = register("twilio", testTwilio)

const twilioToken = "twilio-e2e-secret"

var numbers = []string{"+15550001111", "+15550002222", "+15550003333"}

// twilioCase gives a case its own fake and account (the SID, unique to the
// case, is the router's key).
func twilioCase(t *testing.T, w *world) (*scene, *twilio.Server, map[string]any) {
	t.Helper()
	sum := sha256.Sum256([]byte(t.Name()))
	sid := "AC" + hex.EncodeToString(sum[:16])
	fake := twilio.New(t, sid, twilioToken)
	w.twilio.add(t, sid, fake.URL)
	cfg := map[string]any{"account_sid": sid, "account_token": twilioToken, "from_number": "+15557770000", "to_numbers": numbers}
	return w.scene(t), fake, cfg
}

// texted lists the numbers the fake accepted an SMS for, in order.
func texted(fake *twilio.Server) []string {
	var out []string
	for _, m := range fake.Messages() {
		out = append(out, m.To)
	}
	return out
}

func testTwilio(t *testing.T, w *world) {
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := twilioCase(t, w)
		note, job, notifier := sc.run("twilio", cfg, "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 3})
		sc.checkEncrypted(notifier, "account_token")
		var want []twilio.Message
		for i, n := range numbers {
			want = append(want, twilio.Message{SID: fake.Messages()[i].SID, To: n, From: "+15557770000", Body: subject(job, t.Name(), "succeeded")})
		}
		if got := fake.Messages(); !reflect.DeepEqual(got, want) {
			t.Errorf("Twilio got %+v, want %+v", got, want)
		}
		for _, r := range fake.Requests() {
			user, pass, ok := basicAuth(r.Header)
			if !ok || user != cfg["account_sid"] || pass != twilioToken {
				t.Errorf("basic auth %q:%q, want the SID and the decrypted token", user, pass)
			}
		}
	})

	// A number Twilio refuses fails the notification, but not the others.
	t.Run("invalid number fails without blocking the others", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := twilioCase(t, w)
		fake.Script(numbers[1], twilio.InvalidNumber(numbers[1]))
		note, _, _ := sc.run("twilio", cfg, "notifiers_any", "successful")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 2, error: "21211"})
		if got, want := texted(fake), []string{numbers[0], numbers[2]}; !reflect.DeepEqual(got, want) {
			t.Errorf("Twilio texted %v, want %v", got, want)
		}
	})

	t.Run("retry texts only the unreached number", func(t *testing.T) {
		t.Parallel()
		sc, fake, cfg := twilioCase(t, w)
		fake.Script(numbers[1], twilio.ServerError(503))
		note, _, _ := sc.run("twilio", cfg, "notifiers_any", "failed")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 3})
		if got, want := texted(fake), []string{numbers[0], numbers[2], numbers[1]}; !reflect.DeepEqual(got, want) {
			t.Errorf("Twilio texted %v, want %v (each number once)", got, want)
		}
	})
}
