package pagerduty

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"minimal", `{"service_key": "e93facc04764012d7bfb002500d5d1a6", "client_name": "herald"}`, nil},
		{"every key", `{"service_key": "e93facc04764012d7bfb002500d5d1a6", "client_name": "herald", "subdomain": "acme", "token": "secret"}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: service_key, client_name."}},
		{"null counts as missing", `{"service_key": null, "client_name": "herald"}`, []string{"Missing required fields for Notification Configuration: service_key."}},
		{"wrong types", `{"service_key": 42, "client_name": "herald", "subdomain": true, "token": ["x"]}`, []string{
			"Configuration field 'service_key' incorrect type, expected string.",
			"Configuration field 'subdomain' incorrect type, expected string.",
			"Configuration field 'token' incorrect type, expected password.",
		}},
		{"blank values", `{"service_key": " ", "client_name": ""}`, []string{
			"Configuration field 'service_key' must not be empty.",
			"Configuration field 'client_name' must not be empty.",
		}},
		{"typo", `{"service_key": "k", "client_nme": "herald"}`, []string{
			"Missing required fields for Notification Configuration: client_name.",
			"Unknown configuration field 'client_nme'.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
				t.Fatal(err)
			}
			_, got := notify.Validate(Spec(), raw)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !slices.Equal(got, []string{"token"}) {
		t.Errorf("secrets = %q, want [token]", got)
	}
}
