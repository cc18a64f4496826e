// Package mattermost is the "mattermost" notifier type: the notification's
// subject posted to a Mattermost incoming webhook, optionally as another
// user name, channel or icon.
package mattermost

import "github.com/herald-notify/herald/notify"

// Spec returns the Mattermost type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "mattermost",
		Label: "Mattermost",
		Fields: []notify.Field{
			{Key: "mattermost_url", Kind: notify.String, Required: true, Label: "Target URL", Secret: notify.SecretValue},
			{Key: "mattermost_username", Kind: notify.String, Label: "Username"},
			{Key: "mattermost_channel", Kind: notify.String, Label: "Channel"},
			{Key: "mattermost_icon_url", Kind: notify.String, Label: "Icon URL", Secret: notify.SecretURLPassword},
			{Key: "mattermost_no_verify_ssl", Kind: notify.Bool, Default: false, Label: "Disable SSL Verification"},
		},
		Recipients: "mattermost_url",
		Check:      check,
		New:        newSender,
	}
}

func check(c notify.Config) []string {
	problems := notify.CheckURL(c, "mattermost_url")
	if c.String("mattermost_icon_url") != "" {
		problems = append(problems, notify.CheckURL(c, "mattermost_icon_url")...)
	}
	return problems
}
