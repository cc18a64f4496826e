package app

import (
	"context"
	"fmt"

	"github.com/herald-notify/herald"
)

// ListNotifications returns the page of notifications the caller may see:
// those of the notifiers it sees and those of the jobs it sees.
func (a *App) ListNotifications(ctx context.Context, q herald.Query) ([]*herald.Notification, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	q.Scope = ac.notificationScope()
	return a.store.ListNotifications(ctx, q)
}

// GetNotification returns a notification the caller may see.
func (a *App) GetNotification(ctx context.Context, id int64) (*herald.Notification, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	return a.readableNotification(ctx, ac, id)
}

func (a *App) readableNotification(ctx context.Context, ac *access, id int64) (*herald.Notification, error) {
	n, err := a.store.GetNotification(ctx, id)
	if err != nil {
		return nil, err
	}
	if ac.readsAll() {
		return n, nil
	}
	if via, err := a.store.GetNotifier(ctx, n.Notifier); err == nil && ac.readNotifier(via) {
		return n, nil
	}
	if n.JobKind != "" {
		if j, err := a.store.GetJob(ctx, n.JobKind, n.JobID); err == nil {
			if ok, err := ac.readJob(ctx, j); err != nil || ok {
				return n, err
			}
		}
	}
	return nil, notFound
}

// NotifierNotifications returns the page of a notifier's notifications.
func (a *App) NotifierNotifications(ctx context.Context, id int64, q herald.Query) ([]*herald.Notification, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := a.readableNotifier(ctx, ac, id); err != nil {
		return nil, 0, err
	}
	q.Filters = append(q.Filters, herald.Filter{Field: "notifier", Op: "exact", Values: []string{fmt.Sprint(id)}})
	return a.store.ListNotifications(ctx, q)
}
