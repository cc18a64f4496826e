// Package rocketchat is the "rocketchat" notifier type: the notification's
// subject posted to a Rocket.Chat incoming webhook, optionally as another
// user name or icon.
package rocketchat

import "github.com/herald-notify/herald/notify"

// Spec returns the Rocket.Chat type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "rocketchat",
		Label: "Rocket.Chat",
		Fields: []notify.Field{
			{Key: "rocketchat_url", Kind: notify.String, Required: true, Label: "Target URL", Secret: notify.SecretValue},
			{Key: "rocketchat_username", Kind: notify.String, Label: "Username"},
			{Key: "rocketchat_icon_url", Kind: notify.String, Label: "Icon URL", Secret: notify.SecretURLPassword},
			{Key: "rocketchat_no_verify_ssl", Kind: notify.Bool, Default: false, Label: "Disable SSL Verification"},
		},
		Recipients: "rocketchat_url",
		Check:      check,
		New:        newSender,
	}
}

func check(c notify.Config) []string {
	problems := notify.CheckURL(c, "rocketchat_url")
	if c.String("rocketchat_icon_url") != "" {
		problems = append(problems, notify.CheckURL(c, "rocketchat_icon_url")...)
	}
	return problems
}
