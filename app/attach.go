package app

import (
	"context"

	"github.com/herald-notify/herald"
)

// Attached returns the page of notifiers on an object's list for trigger,
// of those the caller may see.
func (a *App) Attached(ctx context.Context, t *herald.ObjectType, id int64, trigger herald.Trigger, q herald.Query) ([]*herald.Notifier, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := a.readable(ctx, ac, t, id); err != nil {
		return nil, 0, err
	}
	q.Scope = ac.notifierScope()
	return a.store.ListAttached(ctx, t.Name, id, trigger, q)
}

// Attach attaches (or, with detach, detaches) a notifier to an object's
// list. It needs admin of the object and the notification admin role of
// the notifier's organization.
func (a *App) Attach(ctx context.Context, at herald.Attachment, detach bool) error {
	ac, err := a.writer(ctx)
	if err != nil {
		return err
	}
	t := herald.ObjectTypeByName(at.ObjectType)
	if _, err := a.holding(ctx, ac, t, at.ObjectID, "admin"); err != nil {
		return err
	}
	n, err := a.readableNotifier(ctx, ac, at.Notifier)
	if herald.ErrorCode(err) == herald.ENOTFOUND {
		return herald.FieldError("id", "Notifier %d does not exist.", at.Notifier)
	}
	if err != nil {
		return err
	}
	if !ac.adminNotifier(n) {
		return forbidden
	}
	if detach {
		return a.store.Detach(ctx, at)
	}
	return a.store.Attach(ctx, at)
}

// EffectiveNotifiers explains which notifiers a job from the object would
// collect for trigger, and why, of the notifiers the caller may see.
func (a *App) EffectiveNotifiers(ctx context.Context, t *herald.ObjectType, id int64, trigger herald.Trigger) ([]herald.EffectiveNotifier, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.readable(ctx, ac, t, id); err != nil {
		return nil, err
	}
	all, err := a.store.EffectiveNotifiers(ctx, t.Name, id, trigger)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if ac.readNotifier(&e.Notifier) {
			out = append(out, e)
		}
	}
	return out, nil
}

// OrganizationNotifiers returns the page of notifiers an organization owns, of those the caller may see.
func (a *App) OrganizationNotifiers(ctx context.Context, org int64, q herald.Query) ([]*herald.Notifier, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := a.readable(ctx, ac, herald.ObjectTypeByName("organization"), org); err != nil {
		return nil, 0, err
	}
	q.Scope = ac.notifierScope()
	return a.store.ListOrganizationNotifiers(ctx, org, q)
}
