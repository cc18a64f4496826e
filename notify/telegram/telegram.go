// Package telegram is the "telegram" notifier type: the Bot API's sendMessage
// to each configured chat, the subject in bold and the job's key facts under
// it (HTML, escaped). Every chat is tried even when one fails, and the chats
// reached are recorded so a retry writes only to the others.
package telegram

import (
	"fmt"
	"regexp"

	"github.com/herald-notify/herald/notify"
)

// Endpoint is the Bot API's host, moved with HERALD_TELEGRAM_API_URL.
var Endpoint = notify.Endpoint{Var: "HERALD_TELEGRAM_API_URL", Default: "https://api.telegram.org"}

// Spec describes the telegram type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "telegram",
		Label: "Telegram",
		Fields: []notify.Field{
			{Key: "bot_token", Kind: notify.Password, Required: true, Label: "Bot token"},
			{Key: "chat_ids", Kind: notify.List, Required: true, Label: "Chat ids or @channels"},
			{Key: "disable_notification", Kind: notify.Bool, Default: false, Label: "Send silently"},
			{Key: "message_thread_id", Kind: notify.Int, Label: "Forum topic (message thread id)"},
		},
		Recipients: "chat_ids",
		Check:      check,
		Endpoint:   &Endpoint,
		New:        New,
	}
}

// A bot token is "<bot id>:<secret>" (BotFather's form); it goes into the
// request path, so anything else is refused before it can bend the URL.
var botToken = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// A chat is a numeric id (negative for groups and channels) or a public
// channel's @username (5–32 characters: letters, digits, underscores).
var chatID = regexp.MustCompile(`^(-?[0-9]+|@[A-Za-z][A-Za-z0-9_]{3,31})$`)

func check(c notify.Config) []string {
	var p []string
	if !botToken.MatchString(c.String("bot_token")) {
		p = append(p, "Configuration field 'bot_token' must be a bot token like 123456789:AAE... (from @BotFather).")
	}
	for _, id := range c.List("chat_ids") {
		if !chatID.MatchString(id) {
			p = append(p, fmt.Sprintf("Configuration field 'chat_ids': %q is not a chat id (like -1001234567890) or a @channel name.", id))
		}
	}
	if _, ok := c["message_thread_id"]; ok && c.Int("message_thread_id") < 1 {
		p = append(p, "Configuration field 'message_thread_id' must be a positive integer.")
	}
	return p
}
