package app

import (
	"context"
	"math"

	"github.com/herald-notify/herald"
)

// SteeringStore retries and cancels notifications and reads how their
// delivery went.
type SteeringStore interface {
	ListAttempts(ctx context.Context, notification int64, q herald.Query) ([]*herald.Attempt, int, error)
	RetryNotification(ctx context.Context, id int64) error
	CancelNotification(ctx context.Context, id int64) error
	SteerNotifications(ctx context.Context, verb string, f herald.NotificationFilter) (int64, error)
	NotifiersOf(ctx context.Context, orgs []int64) ([]int64, error)
	DeliveryState(ctx context.Context, notifier int64) (herald.DeliveryState, error)
}

// Attempts returns the page of a notification's attempt log, oldest first:
// who sees the notification sees its attempts.
func (a *App) Attempts(ctx context.Context, id int64, q herald.Query) ([]*herald.Attempt, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := a.readableNotification(ctx, ac, id); err != nil {
		return nil, 0, err
	}
	return a.store.ListAttempts(ctx, id, q)
}

// RetryNotification puts a failed or canceled notification back to pending
// (409 otherwise); the notification admins of its notifier may.
func (a *App) RetryNotification(ctx context.Context, id int64) (*herald.Notification, error) {
	return a.steerOne(ctx, id, a.store.RetryNotification)
}

// CancelNotification stops a pending notification (409 otherwise); the
// notification admins of its notifier may.
func (a *App) CancelNotification(ctx context.Context, id int64) (*herald.Notification, error) {
	return a.steerOne(ctx, id, a.store.CancelNotification)
}

func (a *App) steerOne(ctx context.Context, id int64, do func(context.Context, int64) error) (*herald.Notification, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	n, err := a.readableNotification(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	via, err := a.store.GetNotifier(ctx, n.Notifier)
	if err != nil || !ac.adminNotifier(via) {
		return nil, forbidden
	}
	if err := do(ctx, id); err != nil {
		return nil, err
	}
	return a.store.GetNotification(ctx, id)
}

// SteerFilter picks the notifications of a bulk retry or cancel.
type SteerFilter = herald.NotificationFilter

// SteerNotifications retries ("retry") or cancels ("cancel") every
// notification the filter picks among those of the notifiers the caller
// administers, and returns how many it changed.
func (a *App) SteerNotifications(ctx context.Context, verb string, f SteerFilter) (int64, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return 0, err
	}
	if f.Notifier == nil && f.Status == nil && f.CreatedGTE == nil && f.CreatedLT == nil && f.Job == nil {
		return 0, herald.FieldError("__all__", "Give at least one of notifier, status, created__gte, created__lt, job.")
	}
	if f.Status != nil {
		switch *f.Status {
		case herald.NotificationPending, herald.NotificationSuccessful, herald.NotificationFailed, herald.NotificationCanceled:
		default:
			return 0, herald.FieldError("status", "\"%s\" is not a valid choice.", *f.Status)
		}
	}
	f.AllNotifiers, f.Notifiers = ac.super(), nil
	if !f.AllNotifiers {
		if f.Notifiers, err = a.store.NotifiersOf(ctx, ac.orgs("admin", "notification_admin")); err != nil {
			return 0, err
		}
	}
	return a.store.SteerNotifications(ctx, verb, f)
}

// NotifierDelivery returns how a notifier's deliveries are held back (its
// circuit breaker, its rate limit), for a caller that sees the notifier.
func (a *App) NotifierDelivery(ctx context.Context, n *herald.Notifier) (herald.DeliveryState, error) {
	return a.store.DeliveryState(ctx, n.ID)
}

// checkRateLimit says what is wrong with a rate limit ("" when nothing).
func checkRateLimit(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v <= 0:
		return "Ensure this value is greater than 0."
	case v > 1e6:
		return "Ensure this value is less than or equal to 1000000."
	}
	return ""
}
