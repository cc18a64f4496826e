// Package webhook is the "webhook" notifier type: the notification's JSON
// body, sent with POST or PUT to a URL of the user's choice, with their
// headers, optional basic auth, and optionally signed as Standard Webhooks
// v1 prescribes.
package webhook

import (
	"fmt"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec returns the webhook type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "webhook",
		Label: "Webhook",
		Fields: []notify.Field{
			{Key: "url", Kind: notify.String, Required: true, Label: "Target URL", Secret: notify.SecretURLPassword},
			{Key: "headers", Kind: notify.Object, Default: map[string]string{}, Label: "HTTP Headers", Secret: notify.SecretValues},
			{Key: "http_method", Kind: notify.String, Default: "POST", Label: "HTTP Method"},
			{Key: "username", Kind: notify.String, Default: "", Label: "Username"},
			{Key: "password", Kind: notify.Password, Default: "", Label: "Password"},
			{Key: "disable_ssl_verification", Kind: notify.Bool, Default: false, Label: "Disable SSL Verification"},
			{Key: "signing_secret", Kind: notify.Password, Default: "", Label: "Signing Secret", Generate: GenerateSecret},
			{Key: "signing_secret_previous", Kind: notify.Password, Default: "", Label: "Previous Signing Secret"},
		},
		Recipients: "url",
		Check:      check,
		New:        newSender,
	}
}

func check(c notify.Config) []string {
	problems := notify.CheckURL(c, "url")
	if m := strings.ToUpper(c.String("http_method")); m != "POST" && m != "PUT" {
		problems = append(problems, "Configuration field 'http_method' must be either 'POST' or 'PUT'.")
	}
	problems = append(problems, checkSecret(c.String("signing_secret"), "signing_secret")...)
	problems = append(problems, checkSecret(c.String("signing_secret_previous"), "signing_secret_previous")...)
	if c.String("signing_secret") == "" && c.String("signing_secret_previous") != "" {
		problems = append(problems, "Configuration field 'signing_secret_previous' needs a 'signing_secret' to sign beside it.")
	}
	for _, name := range sortedKeys(c.Map("headers")) {
		if !validHeaderName(name) {
			problems = append(problems, fmt.Sprintf("Configuration field 'headers': %q is not a valid header name.", name))
		} else if strings.ContainsAny(c.Map("headers")[name], "\r\n\x00") {
			problems = append(problems, fmt.Sprintf("Configuration field 'headers': the value of %q must not contain a line break.", name))
		}
	}
	return problems
}

// validHeaderName reports whether name is an RFC 9110 token, which is what
// net/http insists on when it sends the request.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r >= 0x80 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}
