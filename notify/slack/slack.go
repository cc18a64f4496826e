// Package slack is the "slack" notifier type: the notification's subject
// posted with chat.postMessage to each configured channel, optionally as a
// coloured attachment or as a reply in a thread.
package slack

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec returns the Slack type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "slack",
		Label: "Slack",
		Fields: []notify.Field{
			{Key: "token", Kind: notify.Password, Required: true, Label: "Token"},
			{Key: "channels", Kind: notify.List, Required: true, Label: "Destination Channels"},
			{Key: "hex_color", Kind: notify.String, Label: "Notification Color"},
		},
		Recipients: "channels",
		Check:      check,
		New:        newSender,
	}
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func check(c notify.Config) []string {
	problems := notify.CheckNotEmpty(c, "token")
	for _, entry := range c.List("channels") {
		if ch, _ := destination(entry); ch == "" {
			problems = append(problems, fmt.Sprintf("Configuration field 'channels': %q has no channel name.", entry))
		}
	}
	if h := c.String("hex_color"); h != "" && !hexColor.MatchString(h) {
		problems = append(problems, "Configuration field 'hex_color' must be a colour like #rgb or #rrggbb.")
	}
	return problems
}

// destination splits a channels entry ("#name", "name" or "name,thread_ts")
// into the channel and the thread to reply in.
func destination(entry string) (channel, thread string) {
	channel, thread, _ = strings.Cut(strings.TrimPrefix(strings.TrimSpace(entry), "#"), ",")
	return strings.TrimSpace(channel), strings.TrimSpace(thread)
}
