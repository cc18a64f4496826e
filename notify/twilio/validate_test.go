package twilio

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
		{"one number", `{"account_sid": "AC123", "account_token": "tok", "from_number": "+15556667777", "to_numbers": ["+15551234567"]}`, nil},
		{"several numbers", `{"account_sid": "AC123", "account_token": "tok", "from_number": "+15556667777", "to_numbers": ["+15551234567", "+442071838750"]}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: account_sid, account_token, from_number, to_numbers."}},
		{"empty list", `{"account_sid": "AC123", "account_token": "tok", "from_number": "+15556667777", "to_numbers": []}`,
			[]string{"Configuration field 'to_numbers' must not be an empty list."}},
		{"numbers not E.164", `{"account_sid": "AC123", "account_token": "tok", "from_number": "5556667777", "to_numbers": ["+15551234567", "555-1234", "+0123456789"]}`, []string{
			`Configuration field 'from_number': "5556667777" is not an E.164 phone number (like +15556667777).`,
			`Configuration field 'to_numbers': "555-1234" is not an E.164 phone number (like +15556667777).`,
			`Configuration field 'to_numbers': "+0123456789" is not an E.164 phone number (like +15556667777).`,
		}},
		{"wrong types", `{"account_sid": "AC123", "account_token": 5, "from_number": "+15556667777", "to_numbers": "+15551234567"}`, []string{
			"Configuration field 'account_token' incorrect type, expected password.",
			"Configuration field 'to_numbers' incorrect type, expected list.",
		}},
		{"a number as a JSON number", `{"account_sid": "AC123", "account_token": "tok", "from_number": "+15556667777", "to_numbers": [15551234567]}`,
			[]string{"Configuration field 'to_numbers' incorrect type, expected list."}},
		{"blank credentials", `{"account_sid": "", "account_token": " ", "from_number": "+15556667777", "to_numbers": ["+15551234567"]}`, []string{
			"Configuration field 'account_sid' must not be empty.",
			"Configuration field 'account_token' must not be empty.",
		}},
		{"unknown key", `{"account_sid": "AC123", "account_token": "tok", "from_number": "+15556667777", "to_number": ["+15551234567"]}`, []string{
			"Missing required fields for Notification Configuration: to_numbers.",
			"Unknown configuration field 'to_number'.",
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
	if got := Spec().Secrets(); !slices.Equal(got, []string{"account_token"}) {
		t.Errorf("secrets = %q, want [account_token]", got)
	}
}
