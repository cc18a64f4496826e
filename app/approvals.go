package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/message"
)

// ApprovalInput is a new workflow approval.
type ApprovalInput struct {
	Name, Description string
	Timeout           int64 // seconds; 0 for none
}

// ApprovalStore keeps workflow approvals.
type ApprovalStore interface {
	ListApprovals(ctx context.Context, q herald.Query) ([]*herald.Approval, int, error)
	GetApproval(ctx context.Context, id int64) (*herald.Approval, error)
	CreateApproval(ctx context.Context, a *herald.Approval, wf *herald.Job, news []herald.NewNotification) error
	DecideApproval(ctx context.Context, a *herald.Approval, wf *herald.Job, news []herald.NewNotification) error
	DueApprovals(ctx context.Context, limit int) ([]*herald.Approval, error)
}

// approvalScope keeps the approvals of workflow jobs the caller sees (nil: all).
func (ac *access) approvalScope() *herald.Scope {
	if ac.readsAll() {
		return nil
	}
	return &herald.Scope{Terms: []herald.ScopeTerm{{Column: "workflow_job", Sub: &herald.SubScope{Table: "jobs", Scope: *ac.jobScope(herald.KindWorkflowJob)}}}}
}

// ListApprovals returns the page of approvals the caller may see: those of
// the workflow jobs it sees.
func (a *App) ListApprovals(ctx context.Context, q herald.Query) ([]*herald.Approval, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	q.Scope = ac.approvalScope()
	return a.store.ListApprovals(ctx, q)
}

// GetApproval returns an approval the caller may see.
func (a *App) GetApproval(ctx context.Context, id int64) (*herald.Approval, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	ap, _, err := a.readableApproval(ctx, ac, id)
	return ap, err
}

func (a *App) readableApproval(ctx context.Context, ac *access, id int64) (*herald.Approval, *herald.Job, error) {
	ap, err := a.store.GetApproval(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	wf, err := a.readableJob(ctx, ac, herald.KindWorkflowJob, ap.WorkflowJob)
	if err != nil {
		return nil, nil, err
	}
	return ap, wf, nil
}

// CreateApproval adds an approval to a running workflow job; who may run
// the workflow may. Its "running" event notifies the approvals lists.
func (a *App) CreateApproval(ctx context.Context, workflowJob int64, in ApprovalInput) (*herald.Approval, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	wf, err := a.readableJob(ctx, ac, herald.KindWorkflowJob, workflowJob)
	if err != nil {
		return nil, err
	}
	if err := ac.runJob(ctx, herald.KindWorkflowJob, wf.Template); err != nil {
		return nil, err
	}
	fe := map[string][]string{}
	if strings.TrimSpace(in.Name) == "" {
		fe["name"] = []string{"This field is required."}
	}
	if in.Timeout < 0 {
		fe["timeout"] = []string{"Ensure this value is greater than or equal to 0."}
	}
	if len(fe) > 0 {
		return nil, herald.FieldErrors(fe)
	}
	if wf.Status != herald.StatusRunning {
		return nil, herald.Errorf(herald.ECONFLICT, "Workflow job %d is %s; approvals are for running workflow jobs.", wf.ID, wf.Status)
	}
	ap := &herald.Approval{WorkflowJob: wf.ID, Name: in.Name, Description: in.Description, Timeout: in.Timeout, Status: herald.ApprovalPending}
	if in.Timeout > 0 {
		e := a.now().UTC().Add(time.Duration(in.Timeout) * time.Second).Truncate(time.Microsecond)
		ap.Expires = &e
	}
	news, err := a.planApproval(ctx, ap, wf)
	if err != nil {
		return nil, err
	}
	return ap, a.store.CreateApproval(ctx, ap, wf, news)
}

// Decide approves or denies a pending approval: the approve role on the
// workflow job template is needed.
func (a *App) Decide(ctx context.Context, id int64, approve bool) (*herald.Approval, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	ap, wf, err := a.readableApproval(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	t := herald.ObjectTypeByName("workflow_job_template")
	if _, err := a.holding(ctx, ac, t, wf.Template, "approve"); err != nil {
		if herald.ErrorCode(err) == herald.ENOTFOUND {
			err = forbidden // it sees the job, so the template is gone: not its to decide
		}
		return nil, err
	}
	ap.Status, ap.DecidedBy = herald.ApprovalDenied, ac.actor.User.Username
	if approve {
		ap.Status = herald.ApprovalApproved
	}
	return ap, a.decide(ctx, ap, wf)
}

func (a *App) decide(ctx context.Context, ap *herald.Approval, wf *herald.Job) error {
	news, err := a.planApproval(ctx, ap, wf)
	if err != nil {
		return err
	}
	err = a.store.DecideApproval(ctx, ap, wf, news)
	if errors.Is(err, herald.ErrStale) {
		now, gerr := a.store.GetApproval(ctx, ap.ID)
		if gerr != nil {
			return gerr
		}
		return herald.Errorf(herald.ECONFLICT, "Workflow approval %d is already %s.", ap.ID, now.Status)
	}
	return err
}

// ExpireApprovals times out the pending approvals past their timeout. It is
// the service's own sweep, with no caller; several instances may run it, and
// each approval times out once.
func (a *App) ExpireApprovals(ctx context.Context) (int, error) {
	due, err := a.store.DueApprovals(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ap := range due {
		wf, err := a.store.GetJob(ctx, herald.KindWorkflowJob, ap.WorkflowJob)
		if err != nil {
			return n, err
		}
		ap.Status = herald.ApprovalTimedOut
		switch err := a.decide(ctx, ap, wf); herald.ErrorCode(err) {
		case "":
			n++
		case herald.ECONFLICT: // decided meanwhile, here or elsewhere
		default:
			return n, err
		}
	}
	return n, nil
}

// planApproval renders the notifications of an approval's event for the
// approvals lists of its workflow job template and that template's organization.
func (a *App) planApproval(ctx context.Context, ap *herald.Approval, wf *herald.Job) ([]herald.NewNotification, error) {
	// Read again for the configuration generation the notifiers are cached by.
	_, gen, err := a.store.JobForReport(ctx, herald.KindWorkflowJob, wf.ID)
	if err != nil {
		return nil, err
	}
	notifiers, err := a.store.Fires(ctx, wf, gen, herald.TriggerApprovals)
	if err != nil {
		return nil, err
	}
	news := make([]herald.NewNotification, 0, len(notifiers))
	for _, n := range notifiers {
		subject, body := message.Approval(n.Type, n.Messages, ap, wf, a.baseURL)
		news = append(news, herald.NewNotification{
			Notifier: n.ID, Type: n.Type, Recipients: a.recipients(n), Subject: subject, Body: body, Trigger: "approval_" + ap.Event(),
		})
	}
	return news, nil
}
