// Package hipchat is the "hipchat" notifier type: the notification's subject
// sent as a room notification (HipChat REST API v2) to each configured room.
// HipChat Cloud is gone; this serves self-hosted HipChat Server and Data
// Center and keeps AWX configurations working.
package hipchat

import (
	"fmt"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec returns the HipChat type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "hipchat",
		Label: "HipChat",
		Fields: []notify.Field{
			{Key: "token", Kind: notify.Password, Required: true, Label: "Token"},
			{Key: "rooms", Kind: notify.List, Required: true, Label: "Destination Channels"},
			{Key: "api_url", Kind: notify.String, Required: true, Label: "API URL (e.g. https://mycompany.hipchat.com)", Secret: notify.SecretURLPassword},
			{Key: "color", Kind: notify.String, Label: "Notification Color"},
			{Key: "notify", Kind: notify.Bool, Default: false, Label: "Notify Room"},
			{Key: "message_from", Kind: notify.String, Label: "Label to be shown with notification"},
		},
		Recipients: "rooms",
		Check:      check,
		New:        newSender,
	}
}

// colors are the colours HipChat accepts.
var colors = []string{"yellow", "green", "red", "purple", "gray", "random"}

func check(c notify.Config) []string {
	problems := notify.CheckNotEmpty(c, "token")
	for _, room := range c.List("rooms") {
		if strings.TrimSpace(room) == "" {
			problems = append(problems, "Configuration field 'rooms' must not hold an empty room name.")
			break
		}
	}
	problems = append(problems, notify.CheckURL(c, "api_url")...)
	if col := c.String("color"); col != "" && !isColor(col) {
		problems = append(problems, fmt.Sprintf("Configuration field 'color' must be one of %s.", strings.Join(colors, ", ")))
	}
	return problems
}

func isColor(s string) bool {
	for _, c := range colors {
		if strings.EqualFold(s, c) {
			return true
		}
	}
	return false
}
