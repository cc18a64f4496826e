// Package registry lists every notifier type. A new type is one package
// under notify/ and one line here.
package registry

import (
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/discord"
	"github.com/herald-notify/herald/notify/email"
	"github.com/herald-notify/herald/notify/googlechat"
	"github.com/herald-notify/herald/notify/gotify"
	"github.com/herald-notify/herald/notify/grafana"
	"github.com/herald-notify/herald/notify/hipchat"
	"github.com/herald-notify/herald/notify/irc"
	"github.com/herald-notify/herald/notify/mattermost"
	"github.com/herald-notify/herald/notify/ntfy"
	"github.com/herald-notify/herald/notify/opsgenie"
	"github.com/herald-notify/herald/notify/pagerduty"
	"github.com/herald-notify/herald/notify/rocketchat"
	"github.com/herald-notify/herald/notify/slack"
	"github.com/herald-notify/herald/notify/teams"
	"github.com/herald-notify/herald/notify/telegram"
	"github.com/herald-notify/herald/notify/twilio"
	"github.com/herald-notify/herald/notify/webhook"
)

// Types returns every notifier type by name.
func Types() map[string]*notify.Spec {
	out := map[string]*notify.Spec{}
	for _, s := range []*notify.Spec{
		email.Spec(),
		slack.Spec(),
		hipchat.Spec(),
		mattermost.Spec(),
		rocketchat.Spec(),
		pagerduty.Spec(),
		twilio.Spec(),
		irc.Spec(),
		webhook.Spec(),
		grafana.Spec(),
		teams.Spec(),
		telegram.Spec(),
		discord.Spec(),
		googlechat.Spec(),
		opsgenie.Spec(),
		ntfy.Spec(),
		gotify.Spec(),
	} {
		out[s.Type] = s
	}
	return out
}
