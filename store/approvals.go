package store

import (
	"context"
	"database/sql"

	"github.com/herald-notify/herald"
)

const approvalColumns = "id, workflow_job, name, description, timeout, status, expires, decided_by, created, modified"

var approvalList = &listSpec{
	from: "workflow_approvals",
	cols: map[string]column{
		"id": {"id", colInt}, "workflow_job": {"workflow_job", colInt}, "name": {"name", colText}, "status": {"status", colText},
		"created": {"created", colTime}, "modified": {"modified", colTime},
	},
	search:  []string{"name", "description"},
	orderBy: "id ASC",
}

func scanApproval(sc interface{ Scan(...any) error }) (*herald.Approval, error) {
	var a herald.Approval
	var expires sql.NullInt64
	var created, modified int64
	if err := sc.Scan(&a.ID, &a.WorkflowJob, &a.Name, &a.Description, &a.Timeout, &a.Status, &expires, &a.DecidedBy, &created, &modified); err != nil {
		return nil, err
	}
	a.Expires, a.Created, a.Modified = nullTime(expires), fromMicros(created), fromMicros(modified)
	return &a, nil
}

// ListApprovals returns a page of workflow approvals.
func (s *Store) ListApprovals(ctx context.Context, q herald.Query) ([]*herald.Approval, int, error) {
	return listRows(ctx, s, approvalList, q, "SELECT "+approvalColumns+" FROM workflow_approvals", scanApproval)
}

// GetApproval returns the workflow approval with id.
func (s *Store) GetApproval(ctx context.Context, id int64) (*herald.Approval, error) {
	a, err := scanApproval(s.r.QueryRowContext(ctx, s.q("SELECT "+approvalColumns+" FROM workflow_approvals WHERE id = ?"), id))
	return a, notFound(err)
}

// CreateApproval stores a new approval of workflow job j with the
// notifications its "running" event fires, in one transaction.
func (s *Store) CreateApproval(ctx context.Context, a *herald.Approval, j *herald.Job, news []herald.NewNotification) error {
	now := s.nowMicros()
	a.Created, a.Modified = fromMicros(now), fromMicros(now)
	return s.approvalTx(ctx, j, news, func(tx querier) error {
		return tx.QueryRowContext(ctx, s.q(`INSERT INTO workflow_approvals (workflow_job, name, description, timeout, status, expires, created, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			a.WorkflowJob, a.Name, a.Description, a.Timeout, a.Status, nullMicros(a.Expires), now, now).Scan(&a.ID)
	})
}

// DecideApproval writes a pending approval's new status (approved, denied,
// timed out) with the notifications it fires. When the approval is no
// longer pending, nothing is written and the error is herald.ErrStale.
func (s *Store) DecideApproval(ctx context.Context, a *herald.Approval, j *herald.Job, news []herald.NewNotification) error {
	a.Modified = fromMicros(s.nowMicros())
	return s.approvalTx(ctx, j, news, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE workflow_approvals SET status = ?, decided_by = ?, modified = ? WHERE id = ? AND status = 'pending'"),
			a.Status, a.DecidedBy, micros(a.Modified), a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return herald.ErrStale
		}
		return nil
	})
}

func (s *Store) approvalTx(ctx context.Context, j *herald.Job, news []herald.NewNotification, write func(tx querier) error) error {
	err := s.tx(ctx, func(tx querier) error {
		if err := write(tx); err != nil || len(news) == 0 {
			return err
		}
		if err := s.insertNotifications(ctx, tx, j, news, nil); err != nil { // a paused notifier's are held when claimed
			return err
		}
		return nil
	})
	if err == nil && len(news) > 0 {
		s.wake()
		s.announce()
	}
	return err
}

// DueApprovals returns up to limit pending approvals past their timeout.
func (s *Store) DueApprovals(ctx context.Context, limit int) ([]*herald.Approval, error) {
	var out []*herald.Approval
	err := scanRows(ctx, s.r, s.q("SELECT "+approvalColumns+" FROM workflow_approvals WHERE status = 'pending' AND expires IS NOT NULL AND expires <= ? ORDER BY expires "+limitArg),
		[]any{s.nowMicros(), limit}, func(rows *sql.Rows) error {
			a, err := scanApproval(rows)
			out = append(out, a)
			return err
		})
	return out, err
}
