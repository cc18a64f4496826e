package herald

import "time"

// Workflow approval statuses: an approval is pending until it is approved,
// denied, or passes its timeout.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalDenied   = "denied"
	ApprovalTimedOut = "timed_out"
)

// Approval is a workflow approval: a step of a running workflow job that
// waits for a person (docs/api.md §10).
type Approval struct {
	Object
	WorkflowJob int64      `json:"workflow_job"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Timeout     int64      `json:"timeout"` // seconds; 0 for none
	Status      string     `json:"status"`
	Expires     *time.Time `json:"expires"` // when a pending one times out; nil for never
	DecidedBy   string     `json:"approved_or_denied_by"`
}

// ApprovalEvent is the event an approval's status is ("running" for a new one), as
// messages name them.
func (a *Approval) Event() string {
	if a.Status == ApprovalPending {
		return "running"
	}
	return a.Status
}
