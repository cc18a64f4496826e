package message

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/herald-notify/herald"
)

// approvalWords are AWX's default approval messages, by event.
var approvalWords = map[string]string{
	"running":   `The approval node "%s" needs review. This node can be viewed at: %s`,
	"approved":  `The approval node "%s" was approved. %s`,
	"denied":    `The approval node "%s" was denied. %s`,
	"timed_out": `The approval node "%s" has timed out. %s`,
}

// approvalVars is an approval message's context, as AWX's: the approval's
// status and name, the workflow job's page and its metadata.
func approvalVars(a *herald.Approval, wf *herald.Job, baseURL string) map[string]any {
	return map[string]any{
		"approval_status":    a.Status,
		"approval_node_name": a.Name,
		"workflow_url":       uiURL(wf, baseURL),
		"job_metadata":       Metadata(wf, baseURL),
	}
}

// Approval renders the subject and body of an approval event for a notifier
// type: AWX's defaults, or the notifier's workflow_approval messages.
func Approval(notifierType string, msgs herald.Messages, a *herald.Approval, wf *herald.Job, baseURL string) (subject, body string) {
	vars := approvalVars(a, wf, baseURL)
	subject = strings.Replace(strings.Replace(approvalWords[a.Event()], "%s", a.Name, 1), "%s", vars["workflow_url"].(string), 1)
	text := false
	switch notifierType {
	case "email", "pagerduty", "grafana":
		text = true
		body = subject + "\n\n" + vars["job_metadata"].(string)
	default:
		b, _ := json.Marshal(map[string]string{"body": subject})
		body = string(b)
	}
	custom := msgs[a.Event()]
	if custom == nil {
		return subject, body
	}
	if custom.Message != nil {
		subject = customSubject(context.Background(), *custom.Message, vars, subject)
	}
	if custom.Body != nil {
		body = customBody(context.Background(), *custom.Body, vars, body, text)
	}
	return subject, body
}
