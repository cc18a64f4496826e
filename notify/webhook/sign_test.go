package webhook

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/herald-notify/herald/notify"
)

// The test vector of the Standard Webhooks specification.
func TestSignSpecVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestSignaturesDuringRotation(t *testing.T) {
	cur, prev := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secretOf(40, 'p')
	body := []byte(`{"test": 2432232314}`)
	got, err := signatures([]string{cur, prev}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := Sign(prev, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= " + second; got != want {
		t.Errorf("signatures = %q, want %q", got, want)
	}
	if only, _ := signatures([]string{cur, ""}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body); strings.Contains(only, " ") {
		t.Errorf("one secret, two signatures: %q", only)
	}
}

func TestGenerateSecret(t *testing.T) {
	a, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateSecret()
	key, err := secretKey(a)
	if err != nil || len(key) != 32 || a == b || !strings.HasPrefix(a, "whsec_") {
		t.Errorf("GenerateSecret = %q (key %d bytes, %v), then %q", a, len(key), err, b)
	}
}

// secretOf is a whsec_ secret of n bytes, all c.
func secretOf(n int, c byte) string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(c), n)))
}

func TestValidateSigningSecret(t *testing.T) {
	tests := []struct {
		name, secret, previous string
		problem                string // a part of the one problem; "" wants none
	}{
		{"none", "", "", ""},
		{"24 bytes", secretOf(24, 'a'), "", ""},
		{"64 bytes", secretOf(64, 'a'), "", ""},
		{"with previous", secretOf(32, 'a'), secretOf(32, 'b'), ""},
		{"23 bytes", secretOf(23, 'a'), "", "'signing_secret' must hold 24 to 64 bytes, not 23"},
		{"65 bytes", secretOf(65, 'a'), "", "'signing_secret' must hold 24 to 64 bytes, not 65"},
		{"no prefix", strings.TrimPrefix(secretOf(32, 'a'), "whsec_"), "", `'signing_secret' must start with "whsec_"`},
		{"not base64", "whsec_not*base64!", "", `'signing_secret' must be "whsec_" followed by base64`},
		{"bad previous", secretOf(32, 'a'), "whsec_short", "'signing_secret_previous'"},
		{"previous alone", "", secretOf(32, 'b'), "'signing_secret_previous' needs a 'signing_secret'"},
		{"generate not made", "generate", "", `'signing_secret' must start with "whsec_"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := notify.Validate(Spec(), map[string]any{"url": "https://example.com", "signing_secret": tt.secret, "signing_secret_previous": tt.previous})
			if tt.problem == "" {
				if problems != nil {
					t.Errorf("problems = %q, want none", problems)
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0], tt.problem) {
				t.Fatalf("problems = %q, want one with %q", problems, tt.problem)
			}
			if s := strings.TrimPrefix(tt.secret, "whsec_"); len(s) > 8 && strings.Contains(problems[0], s) {
				t.Errorf("the problem %q repeats the secret", problems[0])
			}
		})
	}
}

func TestGenerateSecretsReplacesGenerate(t *testing.T) {
	cfg := map[string]any{"url": "https://example.com", "signing_secret": "generate", "signing_secret_previous": "generate", "username": "generate"}
	made, err := notify.GenerateSecrets(Spec(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 1 || made["signing_secret"] == "" || cfg["signing_secret"] != made["signing_secret"] {
		t.Fatalf("made %v, cfg %v: want signing_secret made", made, cfg)
	}
	if cfg["signing_secret_previous"] != "generate" || cfg["username"] != "generate" {
		t.Errorf("fields without Generate changed: %v", cfg)
	}
	if _, problems := notify.Validate(Spec(), map[string]any{"url": "https://example.com", "signing_secret": made["signing_secret"]}); problems != nil {
		t.Errorf("the generated secret does not validate: %q", problems)
	}
}

// BenchmarkSign is the cost a signing secret adds to a request with a
// body of the size of a job's default body (about 1 KiB).
func BenchmarkSign(b *testing.B) {
	body := []byte(strings.Repeat(`{"id": 1, "name": "Ping", "status": "successful"}`, 20))
	secret := secretOf(32, 's')
	for b.Loop() {
		if _, err := Sign(secret, "herald-12345", 1614265330, body); err != nil {
			b.Fatal(err)
		}
	}
}
