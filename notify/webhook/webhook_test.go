package webhook

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		problems []string
	}{
		{"minimal", `{"url": "https://example.com/hook"}`, nil},
		{"full", `{"url": "http://example.com/hook", "headers": {"X-Token": "abc"}, "http_method": "put",
			"username": "u", "password": "p", "disable_ssl_verification": true}`, nil},
		{"missing url", `{}`, []string{"Missing required fields for Notification Configuration: url."}},
		{"bad url", `{"url": "example.com/hook"}`, []string{"Configuration field 'url' must be an absolute http or https URL."}},
		{"empty url", `{"url": ""}`, []string{"Configuration field 'url' must not be empty."}},
		{"bad method", `{"url": "https://example.com", "http_method": "GET"}`,
			[]string{"Configuration field 'http_method' must be either 'POST' or 'PUT'."}},
		{"headers not strings", `{"url": "https://example.com", "headers": {"X-N": 1}}`,
			[]string{"Configuration field 'headers' incorrect type, expected object."}},
		{"bad header name and value", `{"url": "https://example.com", "headers": {"Bad Name": "x", "X-Ok": "a\r\nB: c"}}`,
			[]string{`Configuration field 'headers': "Bad Name" is not a valid header name.`,
				`Configuration field 'headers': the value of "X-Ok" must not contain a line break.`}},
		{"wrong types", `{"url": "https://example.com", "disable_ssl_verification": "yes", "username": 5}`,
			[]string{"Configuration field 'username' incorrect type, expected string.",
				"Configuration field 'disable_ssl_verification' incorrect type, expected bool."}},
		{"unknown key", `{"url": "https://example.com", "method": "POST"}`, []string{"Unknown configuration field 'method'."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
				t.Fatal(err)
			}
			_, problems := notify.Validate(Spec(), raw)
			if !slices.Equal(problems, tt.problems) {
				t.Errorf("problems = %q, want %q", problems, tt.problems)
			}
		})
	}
}

func TestValidateFillsDefaults(t *testing.T) {
	c, problems := notify.Validate(Spec(), map[string]any{"url": "https://example.com"})
	if problems != nil {
		t.Fatal(problems)
	}
	if c.String("http_method") != "POST" || c.String("username") != "" || c.String("password") != "" ||
		c.Bool("disable_ssl_verification") || c.Map("headers") == nil || len(c.Map("headers")) != 0 {
		t.Errorf("defaults = %#v", c)
	}
}

func TestRequestBody(t *testing.T) {
	tests := []struct {
		name, rendered, want string
	}{
		{"object compacted", "{\n  \"id\": 1,\n  \"name\": \"Ping <b>é</b>\"\n}", `{"id":1,"name":"Ping <b>é</b>"}`},
		{"empty", "", `{}`},
		{"not JSON", "Job #1 succeeded", `{}`},
		{"list as string", `[1, 2]`, `"[1, 2]"`},
		{"number as string", `42`, `"42"`},
		{"string as string", `"a <b>"`, `"\"a <b>\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(requestBody(tt.rendered)); got != tt.want {
				t.Errorf("requestBody(%q) = %s, want %s", tt.rendered, got, tt.want)
			}
		})
	}
}
