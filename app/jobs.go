package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/message"
	"github.com/herald-notify/herald/notify"
)

// ListJobs returns the page of jobs of kind ("" for all) the caller may see.
func (a *App) ListJobs(ctx context.Context, kind herald.JobKind, q herald.Query) ([]*herald.Job, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	q.Scope = ac.jobScope(kind)
	return a.store.ListJobs(ctx, kind, q)
}

// GetJob returns a job the caller may see: who reads its template reads it.
func (a *App) GetJob(ctx context.Context, kind herald.JobKind, id int64) (*herald.Job, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	return a.readableJob(ctx, ac, kind, id)
}

func (a *App) readableJob(ctx context.Context, ac *access, kind herald.JobKind, id int64) (*herald.Job, error) {
	j, err := a.store.GetJob(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if ok, err := ac.readJob(ctx, j); err != nil || !ok {
		return nil, firstErr(err, notFound)
	}
	return j, nil
}

// Launch starts a job from its template (docs/api.md §3) as the caller. It needs
// the launch role on the template: execute, update, or use for ad hoc commands.
func (a *App) Launch(ctx context.Context, r herald.LaunchRequest) (*herald.Job, bool, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := ac.runJob(ctx, r.Kind, r.Template); err != nil {
		// A retried launch gets its job even if the template is gone since:
		// the store finds it by its key.
		t := herald.ObjectTypeByName(r.Kind.TemplateField())
		if _, gerr := a.store.GetObject(ctx, t, r.Template); r.IdempotencyKey == "" || herald.ErrorCode(gerr) != herald.ENOTFOUND {
			return nil, false, err
		}
	}
	r.CreatedBy = ac.actor.User.Username
	j, created, err := a.store.Launch(ctx, r)
	if err == nil && !created {
		if ok, rerr := ac.readJob(ctx, j); rerr != nil || !ok {
			return nil, false, firstErr(rerr, notFound)
		}
	}
	return j, created, err
}

// renderBudget bounds the time a status change spends rendering custom
// messages, whatever the number of notifiers it fires.
const renderBudget = 500 * time.Millisecond

// maxReportTries bounds how often a status report is read and decided anew
// when the job changes under it (two reports of one job at once).
const maxReportTries = 10

// Report applies a status report to a job (PATCH <kind>/N/): the move is
// checked (Job.Apply), the notifiers the event fires are collected through
// the hierarchy, their messages rendered, and the job written with its
// notifications at once. It needs the launch role on the job's template.
func (a *App) Report(ctx context.Context, kind herald.JobKind, id int64, u herald.JobUpdate) (*herald.Job, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		before, gen, err := a.store.JobForReport(ctx, kind, id)
		if err != nil {
			return nil, err
		}
		if try == 0 {
			if err := ac.runJob(ctx, kind, before.Template); err != nil {
				return nil, err
			}
		}
		j := *before
		moved, err := j.Apply(u, a.now())
		if err != nil {
			return nil, err
		}
		if !moved && !u.HasDetails() {
			return before, nil // the same status again: nothing fires
		}
		news, notifiers, err := a.plan(ctx, &j, gen, moved)
		if err != nil {
			return nil, err
		}
		err = a.store.SaveReport(ctx, &j, before.Modified, news, notifiers)
		if errors.Is(err, herald.ErrStale) && try < maxReportTries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &j, nil
	}
}

// plan returns the notifications a status move fires, rendered now so that
// what is sent is what the job was then: those of its trigger, and, when the
// finished job changed something, those of the changed trigger for the
// notifiers not already among them (a notifier hears of one status change once).
func (a *App) plan(ctx context.Context, j *herald.Job, gen int64, moved bool) ([]herald.NewNotification, []*herald.Notifier, error) {
	trigger, fires := herald.TriggerFor(j.Status)
	if !moved || !fires {
		return nil, nil, nil
	}
	notifiers, err := a.store.Fires(ctx, j, gen, trigger)
	if err != nil {
		return nil, nil, err
	}
	var more []*herald.Notifier
	if herald.Finished(j.Status) && j.Changed() {
		changed, err := a.store.Fires(ctx, j, gen, herald.TriggerChanged)
		if err != nil {
			return nil, nil, err
		}
		have := make(map[int64]bool, len(notifiers))
		for _, n := range notifiers {
			have[n.ID] = true
		}
		for _, n := range changed {
			if !have[n.ID] {
				more = append(more, n)
			}
		}
	}
	if len(notifiers)+len(more) == 0 {
		return nil, nil, nil
	}
	// All custom messages of one status change render within one budget:
	// past it, the rest fall back to the default text (message.Render).
	ctx, cancel := context.WithTimeout(ctx, renderBudget)
	defer cancel()
	news := make([]herald.NewNotification, 0, len(notifiers)+len(more))
	news = a.render(ctx, j, trigger, notifiers, news)
	news = a.render(ctx, j, herald.TriggerChanged, more, news)
	return news, append(notifiers[:len(notifiers):len(notifiers)], more...), nil // never into the cached slice
}

// render appends to news one notification per notifier for the trigger.
func (a *App) render(ctx context.Context, j *herald.Job, trigger herald.Trigger, notifiers []*herald.Notifier, news []herald.NewNotification) []herald.NewNotification {
	for _, n := range notifiers {
		subject, body := message.RenderContext(ctx, n.Type, n.Messages, trigger, j, a.baseURL)
		news = append(news, herald.NewNotification{
			Notifier: n.ID, Type: n.Type, Recipients: a.recipients(n), Subject: subject, Body: body, Trigger: string(trigger),
		})
	}
	return news
}

// recipients is the notifier's destination as the notification records it.
func (a *App) recipients(n *herald.Notifier) string {
	spec := a.types[n.Type]
	if spec == nil || spec.Recipients == "" {
		return ""
	}
	return notify.StoredRecipients(spec, n.Config, a.secrets)
}

// JobNotifications returns the page of a job's notifications; who sees the job sees them.
func (a *App) JobNotifications(ctx context.Context, kind herald.JobKind, id int64, q herald.Query) ([]*herald.Notification, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := a.readableJob(ctx, ac, kind, id); err != nil {
		return nil, 0, err
	}
	q.Filters = append(q.Filters, herald.Filter{Field: "job_id", Op: "exact", Values: []string{fmt.Sprint(id)}})
	return a.store.ListNotifications(ctx, q)
}
