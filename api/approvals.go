package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
)

func approvalJSON(ap *herald.Approval) map[string]any {
	self := "/api/v1/workflow_approvals/" + strconv.FormatInt(ap.ID, 10) + "/"
	return map[string]any{
		"id": ap.ID, "type": "workflow_approval", "url": self, "created": fmtTime(ap.Created), "modified": fmtTime(ap.Modified),
		"related":        map[string]any{"workflow_job": objectURL("workflow_jobs", ap.WorkflowJob), "approve": self + "approve/", "deny": self + "deny/"},
		"summary_fields": map[string]any{}, "name": ap.Name, "description": ap.Description, "status": ap.Status,
		"timeout": ap.Timeout, "timed_out": ap.Status == herald.ApprovalTimedOut, "expires": fmtTimePtr(ap.Expires),
		"workflow_job": ap.WorkflowJob, "approved_or_denied_by": ap.DecidedBy,
	}
}

// renderApproval is approvalJSON as list and detail handlers take it.
func renderApproval(_ *http.Request, ap *herald.Approval) map[string]any { return approvalJSON(ap) }

func (s *server) getApproval(w http.ResponseWriter, r *http.Request) {
	getHandler(s, s.svc.GetApproval, renderApproval)(w, r)
}

func (s *server) listApprovals(w http.ResponseWriter, r *http.Request) {
	listHandler(s, s.svc.ListApprovals, renderApproval)(w, r)
}

// createApproval handles POST workflow_jobs/N/approvals/ {"name", "description", "timeout"}.
func (s *server) createApproval(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	fields, ok := s.decode(w, r, false)
	if !ok {
		return
	}
	fe := fieldErrors{}
	var in app.ApprovalInput
	in.Name, _ = fe.str(fields, "name", true, 512)
	in.Description, _ = fe.str(fields, "description", false, 0)
	if raw, given := fields["timeout"]; given && json.Unmarshal(raw, &in.Timeout) != nil {
		fe.add("timeout", "A valid integer is required.")
	}
	if err := fe.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	ap, err := s.svc.CreateApproval(r.Context(), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := approvalJSON(ap)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

// decide handles POST workflow_approvals/N/approve/ and deny/ → 204.
func (s *server) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if _, err := s.svc.Decide(r.Context(), id, approve); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
