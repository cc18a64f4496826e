// Package opsgenie is the "opsgenie" notifier type, over the Alert API v2:
// the error trigger creates an alert whose alias is stable per job and
// notifier (herald-<kind>-<job id>-<notifier id>), a success of that job
// closes it by alias, and the started trigger does nothing unless
// notify_started is set (then it opens the alert that success closes).
package opsgenie

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/herald-notify/herald/notify"
)

// DefaultURL is the API of Opsgenie's US instance; EU accounts use
// https://api.eu.opsgenie.com.
const DefaultURL = "https://api.opsgenie.com"

// Spec describes the opsgenie type.
func Spec() *notify.Spec {
	return &notify.Spec{
		Type:  "opsgenie",
		Label: "Opsgenie",
		Fields: []notify.Field{
			{Key: "api_key", Kind: notify.Password, Required: true, Label: "API key (of an API integration)"},
			{Key: "api_url", Kind: notify.String, Default: DefaultURL, Label: "API URL", Secret: notify.SecretURLPassword},
			{Key: "responders", Kind: notify.ObjectList, Label: `Responders ({"type", "name"})`},
			{Key: "priority", Kind: notify.String, Default: "P3", Label: "Priority (P1–P5)"},
			{Key: "tags", Kind: notify.List, Label: "Tags"},
			{Key: "notify_started", Kind: notify.Bool, Default: false, Label: "Open an alert when a job starts"},
		},
		Check: check,
		New:   New,
	}
}

var priority = regexp.MustCompile(`^P[1-5]$`)

// responderTypes and the keys that name a responder, as the Alert API takes them.
var (
	responderTypes = []string{"escalation", "schedule", "team", "user"}
	responderNames = []string{"id", "name", "username"}
)

func check(c notify.Config) []string {
	p := notify.CheckNotEmpty(c, "api_key")
	p = append(p, notify.CheckURL(c, "api_url")...)
	if !priority.MatchString(c.String("priority")) {
		p = append(p, "Configuration field 'priority' must be one of P1, P2, P3, P4, P5.")
	}
	for i, r := range c.Objects("responders") {
		p = append(p, checkResponder(i, r)...)
	}
	for _, tag := range c.List("tags") {
		if strings.TrimSpace(tag) == "" || len(tag) > 50 {
			p = append(p, fmt.Sprintf("Configuration field 'tags': %q must be 1–50 characters.", tag))
		}
	}
	if len(c.List("tags")) > 20 {
		p = append(p, "Configuration field 'tags' may hold at most 20 tags.")
	}
	return p
}

func checkResponder(i int, r map[string]string) []string {
	var p []string
	at := fmt.Sprintf("Configuration field 'responders' item %d", i+1)
	if !slices.Contains(responderTypes, r["type"]) {
		p = append(p, fmt.Sprintf("%s: 'type' must be one of %s.", at, strings.Join(responderTypes, ", ")))
	}
	named := 0
	var unknown []string
	for k, v := range r {
		switch {
		case k == "type":
		case slices.Contains(responderNames, k):
			if strings.TrimSpace(v) != "" {
				named++
			}
		default:
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		p = append(p, fmt.Sprintf("%s: unknown key '%s'.", at, k))
	}
	if named != 1 {
		p = append(p, fmt.Sprintf("%s: give exactly one of 'name', 'id' or 'username'.", at))
	}
	return p
}
