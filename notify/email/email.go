// Package email is the e-mail notifier: one SMTP session delivering one plain
// text message to all recipients, over cleartext, STARTTLS or implicit TLS,
// with AUTH when a username and password are set.
package email

import (
	"fmt"

	"github.com/herald-notify/herald/notify"
)

// Default and bounds of the timeout key, in seconds (AWX's UI bounds).
const (
	defaultTimeout = 30
	minTimeout     = 1
	maxTimeout     = 120
)

// Spec describes the e-mail type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "email",
		Label: "Email",
		Fields: []notify.Field{
			{Key: "host", Kind: notify.String, Required: true, Label: "Host"},
			{Key: "port", Kind: notify.Int, Required: true, Label: "Port"},
			{Key: "username", Kind: notify.String, Default: "", Label: "Username"},
			{Key: "password", Kind: notify.Password, Default: "", Label: "Password"},
			{Key: "use_tls", Kind: notify.Bool, Default: false, Label: "Use TLS (STARTTLS)"},
			{Key: "use_ssl", Kind: notify.Bool, Default: false, Label: "Use SSL (implicit TLS)"},
			{Key: "sender", Kind: notify.String, Required: true, Label: "Sender Email"},
			{Key: "recipients", Kind: notify.List, Required: true, Label: "Recipient List"},
			{Key: "timeout", Kind: notify.Int, Default: int64(defaultTimeout), Label: "Timeout"},
		},
		Recipients: "recipients",
		Check:      check,
		New:        func(env notify.Env) notify.Sender { return &sender{env: env} },
	}
}

func check(c notify.Config) []string {
	var p []string
	p = append(p, notify.CheckNotEmpty(c, "host")...)
	p = append(p, notify.CheckNoControl(c, "host")...)
	p = append(p, notify.CheckPort(c, "port")...)
	if c.Bool("use_tls") && c.Bool("use_ssl") {
		p = append(p, "Configuration fields 'use_tls' and 'use_ssl' cannot both be true.")
	}
	p = append(p, notify.CheckEmail("sender", c.String("sender"))...)
	for _, r := range c.List("recipients") {
		p = append(p, notify.CheckEmail("recipients", r)...)
	}
	if t := c.Int("timeout"); t < minTimeout || t > maxTimeout {
		p = append(p, fmt.Sprintf("Configuration field 'timeout' must be between %d and %d seconds.", minTimeout, maxTimeout))
	}
	return p
}
