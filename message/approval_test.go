package message

import (
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

// TestApprovalCustom renders workflow_approval messages: their variables,
// an error as the text, and a budget spent as the default with a note.
func TestApprovalCustom(t *testing.T) {
	old := renderBudget
	renderBudget = time.Minute // the byte limit, not the clock, must stop the hostile one
	t.Cleanup(func() { renderBudget = old })
	wf := &herald.Job{Object: herald.Object{ID: 8}, Kind: herald.KindWorkflowJob, Name: "Release", Status: herald.StatusRunning}
	a := &herald.Approval{Name: "Approve the release", Status: herald.ApprovalApproved}
	hostile := "{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.upper() %}{% endfor %}"
	defSubject, defBody := Approval("webhook", nil, a, wf, base)
	_, defEmail := Approval("email", nil, a, wf, base)
	tests := []struct {
		name, typ, message, body string
		wantSubject, wantBody    string
	}{
		{"variables", "webhook", "{{ approval_node_name }} is {{ approval_status }}: {{ workflow_url }}", `{"s": "{{ approval_status }}"}`,
			"Approve the release is approved: https://herald.example.com/#/jobs/workflow/8", `{"s": "approved"}`},
		{"an error is the text", "webhook", "{{ 1 // 0 }}", "{{ 1 // 0 }}",
			"integer division or modulo by zero", "integer division or modulo by zero"},
		{"over budget, JSON body", "webhook", hostile, hostile,
			defSubject + " (custom message not used: " + errMemory.Error() + ")", defBody},
		{"over budget, text body", "email", hostile, hostile,
			defSubject + " (custom message not used: " + errMemory.Error() + ")", "Custom body not used: " + errMemory.Error() + "\n\n" + defEmail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := herald.Messages{"approved": {Message: str(tt.message), Body: str(tt.body)}}
			subject, body := Approval(tt.typ, msgs, a, wf, base)
			if subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", subject, tt.wantSubject)
			}
			if body != tt.wantBody {
				t.Errorf("body = %.300q, want %.300q", body, tt.wantBody)
			}
		})
	}
	if !strings.Contains(defBody, "Approve the release") {
		t.Errorf("default body = %q", defBody)
	}
}
