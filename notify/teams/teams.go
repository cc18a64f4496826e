// Package teams is the "teams" notifier type: one Adaptive Card (1.4) posted
// to a Teams Workflows (Power Automate) webhook, in the message envelope the
// "Post card in a chat or channel" flow reads: the subject as the title, the
// job's facts, a button to the job, and optional @mentions. Office 365
// connector MessageCards are retired; Workflows take only Adaptive Cards.
package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// Spec describes the teams type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "teams",
		Label: "Microsoft Teams",
		Fields: []notify.Field{
			{Key: "url", Kind: notify.Password, Required: true, Label: "Workflows webhook URL"},
			{Key: "mention", Kind: notify.List, Label: "Mention (e-mail addresses)"},
		},
		Check: func(c notify.Config) []string {
			p := notify.CheckURL(c, "url")
			if retiredConnector(c.String("url")) {
				p = append(p, "Configuration field 'url' is an Office 365 connector webhook, which Microsoft retired: "+
					"create a Teams Workflows webhook (\"Post to a channel when a webhook request is received\") and use its URL.")
			}
			for _, a := range c.List("mention") {
				p = append(p, notify.CheckEmail("mention", a)...)
			}
			return p
		},
		New: New,
	}
}

// retiredConnector reports an Office 365 connector URL (…webhook.office.com/
// webhookb2/… or outlook.office.com/webhook/…): they take only MessageCards
// and no longer deliver, so saying so now beats a failure at the first job.
func retiredConnector(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return strings.HasSuffix(host, ".webhook.office.com") || host == "webhook.office.com" ||
		(host == "outlook.office.com" || host == "outlook.office365.com") && strings.HasPrefix(u.Path, "/webhook")
}

// New returns the teams sender.
func New(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), userAgent: env.UserAgent}
}

type sender struct {
	client    *http.Client
	userAgent string
}

// Adaptive Card colours for the title, by status.
var colours = map[string]string{"good": "Good", "bad": "Attention", "neutral": "Default", "info": "Accent"}

// Message builds the envelope with the card for a subject, the body's facts
// and the people to mention. A custom body that is itself an Adaptive Card
// ({"type": "AdaptiveCard", ...}) is sent as the card.
func Message(subject string, f notify.Facts, mention []string) map[string]any {
	var card map[string]any
	if !f.Job && json.Unmarshal([]byte(strings.TrimSpace(f.Text)), &card) == nil && card["type"] == "AdaptiveCard" {
		return envelope(card)
	}
	body := []any{map[string]any{"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium",
		"wrap": true, "color": colours[f.Severity()]}}
	if f.Job {
		var facts []any
		for _, x := range f.List() {
			facts = append(facts, map[string]any{"title": x.Title, "value": x.Value})
		}
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	} else if t := strings.TrimSpace(f.Text); t != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": t, "wrap": true})
	}
	card = map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
		"msteams": map[string]any{"width": "Full"},
	}
	if len(mention) > 0 {
		var tags []string
		var entities []any
		for _, a := range mention {
			tag := "<at>" + a + "</at>"
			tags = append(tags, tag)
			entities = append(entities, map[string]any{"type": "mention", "text": tag, "mentioned": map[string]any{"id": a, "name": a}})
		}
		body = append(body, map[string]any{"type": "TextBlock", "text": strings.Join(tags, " "), "wrap": true})
		card["body"] = body
		card["msteams"] = map[string]any{"width": "Full", "entities": entities}
	}
	if f.Job && f.URL != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": "View job", "url": f.URL}}
	}
	return envelope(card)
}

func envelope(card map[string]any) map[string]any {
	return map[string]any{"type": "message", "attachments": []any{map[string]any{
		"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}}}
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	const prefix = "teams"
	resp, answer, err := notify.SendJSON(ctx, s.client, c.String("url"), s.userAgent, prefix, Message(m.Subject, notify.ParseFacts(m.Body), c.List("mention")))
	if err != nil {
		return notify.Result{}, err
	}
	// A Workflows trigger answers 202 Accepted: the flow run was started.
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	return notify.Result{}, notify.StatusError(prefix, resp, describe(answer))
}

// describe shortens the Logic Apps error answer {"error": {"code",
// "message"}} to "code: message", and leaves any other answer as it came.
func describe(body []byte) []byte {
	var a struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &a) != nil || a.Error.Code == "" {
		return body
	}
	return []byte(fmt.Sprintf("%s: %s", a.Error.Code, a.Error.Message))
}
