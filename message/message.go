// Package message writes notification subjects and bodies: the defaults
// (AWX's wording) and custom messages in AWX's Jinja syntax, rendered by
// a small evaluator of its own that stops when a budget of time, steps or
// memory is spent.
package message

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/herald-notify/herald"
)

// blankBody replaces a custom body that renders blank, as AWX ≥23.8.1 does.
const blankBody = "The template rendering return a blank body.\r\n" +
	"Please check the template.\r\n" +
	"Refer to https://github.com/ansible/awx/issues/13983\r\n" +
	"for further information."

var statusWords = map[string]string{
	herald.StatusRunning:    "started",
	herald.StatusSuccessful: "succeeded",
	herald.StatusFailed:     "failed",
	herald.StatusError:      "error",
	herald.StatusCanceled:   "canceled",
}

// Subject is the default one-line subject:
// `Job #1 'Ping Macbook' succeeded: https://host/#/jobs/playbook/1`.
func Subject(job *herald.Job, baseURL string) string {
	word, ok := statusWords[job.Status]
	if !ok {
		word = job.Status
	}
	return fmt.Sprintf("%s #%d '%s' %s: %s", job.Kind.FriendlyName(), job.ID, job.Name, word, uiURL(job, baseURL))
}

// EmailBody is the default e-mail body: one readable line, a blank line,
// the failed tasks when there are any (one line each, then a blank line),
// then Metadata.
func EmailBody(job *herald.Job, baseURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d had status %s, view details at %s\n\n", job.Kind.FriendlyName(), job.ID, job.Status, uiURL(job, baseURL))
	if len(job.Failures) > 0 {
		b.WriteString("Failures:\n")
		for _, f := range job.Failures {
			fmt.Fprintf(&b, "- %s failed '%s'", f.Host, f.Task)
			if f.Action != "" {
				fmt.Fprintf(&b, " (%s)", f.Action)
			}
			fmt.Fprintf(&b, ": %s\n", oneLine(f.Msg))
		}
		b.WriteString("\n")
	}
	b.WriteString(Metadata(job, baseURL))
	return b.String()
}

// Test is the subject and body of a notifier's test notification.
func Test(notifierID int64, baseURL string) (subject, body string) {
	base := strings.TrimRight(baseURL, "/")
	subject = fmt.Sprintf("Herald Notification Test %d %s", notifierID, base)
	body = fmt.Sprintf(`{"body": %s}`, marshal(fmt.Sprintf("Test Notification %d %s", notifierID, base)))
	return subject, body
}

// Render returns the subject and body of a notification of the given
// notifier type for the job and trigger, using the notifier's custom
// messages where set and the defaults otherwise. It never fails and each
// message takes at most MessageBudget:
//   - a template that cannot render (an error in it) yields the error's
//     text, as in AWX;
//   - a template that runs out of a budget (time, steps, memory, sizes),
//     which on this job's data it may do though it passed validation,
//     yields the default text, so the notification still says what
//     happened: the subject gets a note saying why, an e-mail body
//     starts with one; other bodies, whose receivers parse the default
//     JSON, stay that JSON alone.
func Render(notifierType string, msgs herald.Messages, trigger herald.Trigger, job *herald.Job, baseURL string) (subject, body string) {
	return RenderContext(context.Background(), notifierType, msgs, trigger, job, baseURL)
}

// RenderContext is Render that also stops rendering custom messages when
// ctx ends: a status change bounds the time all its messages take together.
func RenderContext(ctx context.Context, notifierType string, msgs herald.Messages, trigger herald.Trigger, job *herald.Job, baseURL string) (subject, body string) {
	subject = Subject(job, baseURL)
	if notifierType == "email" {
		body = EmailBody(job, baseURL)
	} else {
		body = Metadata(job, baseURL)
	}
	// The changed trigger has no messages of its own: it fires beside
	// success or error, and says what they would.
	if trigger == herald.TriggerChanged {
		trigger, _ = herald.TriggerFor(job.Status)
	}
	custom := msgs[string(trigger)]
	if custom == nil || (custom.Message == nil && custom.Body == nil) {
		return subject, body
	}
	vars := jobVars(job, baseURL)
	if custom.Message != nil {
		subject = customSubject(ctx, *custom.Message, vars, subject)
	}
	if custom.Body != nil {
		body = customBody(ctx, *custom.Body, vars, body, notifierType == "email")
		if strings.TrimSpace(body) == "" {
			body = blankBody
		}
	}
	return subject, body
}

// customSubject renders a custom subject. An error in it becomes the
// text, as in AWX; a budget spent leaves the default, def, with a note.
func customSubject(ctx context.Context, src string, vars map[string]any, def string) string {
	out, err := render(ctx, src, vars, false)
	switch {
	case isLimit(err):
		return oneLine(def + " (custom message not used: " + err.Error() + ")")
	case err != nil:
		return oneLine(err.Error())
	}
	return oneLine(out)
}

// customBody renders a custom body as customSubject does; the note goes
// before a text body, and a JSON one, which receivers parse, stays the
// default alone.
func customBody(ctx context.Context, src string, vars map[string]any, def string, text bool) string {
	out, err := render(ctx, src, vars, false)
	switch {
	case isLimit(err) && text:
		return "Custom body not used: " + err.Error() + "\n\n" + def
	case isLimit(err):
		return def
	case err != nil:
		return err.Error()
	}
	return out
}

// oneLine makes a rendered message fit a subject line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// uiURL is the job's page in the console.
func uiURL(job *herald.Job, baseURL string) string {
	return strings.TrimRight(baseURL, "/") + job.Kind.UIPath(job.ID)
}

// apiURL is the job's API path, as AWX's job.url.
func apiURL(job *herald.Job) string {
	return "/api/v1/" + job.Kind.Collection() + "/" + strconv.FormatInt(job.ID, 10) + "/"
}
