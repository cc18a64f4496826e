package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/message"
	"github.com/herald-notify/herald/notify"
)

// Encrypted is how a stored secret is shown, and sent back to keep it.
const Encrypted = notify.Hidden

// NotifierInput is a create, PUT or PATCH of a notifier as a front end
// decoded it: nil for what the request left out.
type NotifierInput struct {
	Name, Description, Type *string
	Organization            *int64
	OrganizationGiven       bool            // Organization is meant, even when nil
	Config                  json.RawMessage // notification_configuration, as sent
	Messages                json.RawMessage // messages, as sent
	Enabled                 *bool           // false pauses it
	RateLimit               *float64        // deliveries per second
	RateLimitGiven          bool            // RateLimit is meant, even when nil (no limit)
}

// ListNotifiers returns the page of notifiers the caller may see.
func (a *App) ListNotifiers(ctx context.Context, q herald.Query) ([]*herald.Notifier, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	q.Scope = ac.notifierScope()
	return a.store.ListNotifiers(ctx, q)
}

// GetNotifier returns a notifier the caller may see.
func (a *App) GetNotifier(ctx context.Context, id int64) (*herald.Notifier, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	return a.readableNotifier(ctx, ac, id)
}

func (a *App) readableNotifier(ctx context.Context, ac *access, id int64) (*herald.Notifier, error) {
	n, err := a.store.GetNotifier(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ac.readNotifier(n) {
		return nil, notFound
	}
	return n, nil
}

func (a *App) adminNotifier(ctx context.Context, ac *access, id int64) (*herald.Notifier, error) {
	n, err := a.readableNotifier(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	if !ac.adminNotifier(n) {
		return nil, forbidden
	}
	return n, nil
}

// MayAdminister reports whether the caller may change the notifier, and so
// see the credentials it holds outside its secret fields.
func (a *App) MayAdminister(ctx context.Context, n *herald.Notifier) bool {
	ac, err := a.access(ctx)
	return err == nil && ac.adminNotifier(n)
}

// ShownConfig is n's configuration as an answer to the caller shows it:
// every secret as "$encrypted$", except the values that are themselves the
// credential (hook URLs, PagerDuty's key), in full to those who may
// administer n.
func (a *App) ShownConfig(ctx context.Context, n *herald.Notifier) map[string]any {
	spec := a.types[n.Type]
	if spec == nil {
		return n.Config
	}
	return notify.Shown(spec, n.Config, a.secrets, a.MayAdminister(ctx, n))
}

// RecentNotifications returns a notifier's last n notifications, newest first.
func (a *App) RecentNotifications(ctx context.Context, notifier int64, n int) ([]*herald.Notification, error) {
	return a.store.RecentNotifications(ctx, notifier, n)
}

// CreateNotifier creates a notifier; the notification admins of its organization may.
func (a *App) CreateNotifier(ctx context.Context, in NotifierInput) (*herald.Notifier, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	n, err := a.notifierFrom(in, nil, false)
	if n != nil && n.Organization == nil && !ac.super() {
		err = mergeFieldErrors(err, herald.FieldError("organization", "This field is required."))
	}
	if err != nil {
		return nil, err
	}
	if err := a.mayOwnNotifier(ctx, ac, n); err != nil {
		return nil, err
	}
	saved, err := a.store.CreateNotifier(ctx, n)
	return keepGenerated(saved, n), err
}

// mayOwnNotifier checks that the caller administers the notifiers of n's organization.
func (a *App) mayOwnNotifier(ctx context.Context, ac *access, n *herald.Notifier) error {
	if n.Organization == nil || ac.super() {
		return nil
	}
	if _, err := a.readable(ctx, ac, herald.ObjectTypeByName("organization"), *n.Organization); err != nil {
		if herald.ErrorCode(err) == herald.ENOTFOUND {
			return herald.FieldError("organization", "Invalid pk \"%d\" - object does not exist.", *n.Organization)
		}
		return err
	}
	if !ac.adminNotifier(n) {
		return forbidden
	}
	return nil
}

// UpdateNotifier changes a notifier (PUT, or PATCH when partial).
func (a *App) UpdateNotifier(ctx context.Context, id int64, in NotifierInput, partial bool) (*herald.Notifier, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	old, err := a.adminNotifier(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	n, err := a.notifierFrom(in, old, partial)
	if err != nil {
		return nil, err
	}
	if err := a.mayOwnNotifier(ctx, ac, n); err != nil {
		return nil, err
	}
	saved, err := a.store.UpdateNotifier(ctx, n)
	return keepGenerated(saved, n), err
}

// DeleteNotifier deletes a notifier (409 while it has notifications in delivery).
func (a *App) DeleteNotifier(ctx context.Context, id int64) error {
	ac, err := a.writer(ctx)
	if err != nil {
		return err
	}
	if _, err := a.adminNotifier(ctx, ac, id); err != nil {
		return err
	}
	return a.store.DeleteNotifier(ctx, id)
}

// TestNotifier writes a test notification for the delivery engine to send.
func (a *App) TestNotifier(ctx context.Context, id int64) (*herald.Notification, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	n, err := a.adminNotifier(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	subject, body := message.Test(n.ID, a.baseURL)
	return a.store.CreateTestNotification(ctx, herald.NewNotification{
		Notifier: n.ID, Type: n.Type, Recipients: a.recipients(n), Subject: subject, Body: body, Trigger: "test",
	})
}

func (a *App) typeNames() string {
	names := make([]string, 0, len(a.types))
	for k := range a.types {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// notifierFrom applies an input to old (nil on create) and checks the result
// as a whole, listing every problem at once.
func (a *App) notifierFrom(in NotifierInput, old *herald.Notifier, partial bool) (*herald.Notifier, error) {
	fe := map[string][]string{}
	add := func(field, format string, args ...any) { fe[field] = append(fe[field], fmt.Sprintf(format, args...)) }
	n := &herald.Notifier{}
	if old != nil {
		*n = *old
	}
	switch {
	case in.Name != nil:
		if strings.TrimSpace(*in.Name) == "" {
			add("name", "This field may not be blank.")
		} else if p := herald.ControlCharProblem(*in.Name); p != "" {
			add("name", "%s", p)
		}
		n.Name = *in.Name
	case !partial:
		add("name", "This field is required.")
	}
	if in.Description != nil {
		n.Description = *in.Description
	}
	// An omitted field keeps its value, on PUT as on PATCH (as AWX does).
	if in.OrganizationGiven {
		n.Organization = in.Organization
	}
	switch {
	case in.Type != nil:
		if a.types[*in.Type] == nil {
			add("notification_type", "\"%s\" is not a valid choice. Choose one of: %s.", *in.Type, a.typeNames())
		}
		n.Type = *in.Type
	case !partial:
		add("notification_type", "This field is required.")
	}
	spec := a.types[n.Type]
	switch {
	case spec == nil:
	case in.Config != nil:
		var cfg map[string]any
		if string(in.Config) == "null" || json.Unmarshal(in.Config, &cfg) != nil || cfg == nil {
			add("notification_configuration", "Expected an object of configuration fields for %s.", spec.Label)
			break
		}
		// Secrets asked for with "generate" are made before the checks.
		made, err := notify.GenerateSecrets(spec, cfg)
		if err != nil {
			return nil, err
		}
		n.Generated = made
		for _, p := range a.applyConfig(spec, cfg, old) {
			add("notification_configuration", "%s", p)
		}
		n.Config = cfg
	case old == nil || old.Type != n.Type:
		if !partial || old != nil {
			add("notification_configuration", "This field is required.")
		}
	}
	if in.Messages != nil {
		msgs, problems := message.Parse(in.Messages)
		if len(problems) == 0 {
			problems = message.Validate(msgs)
		}
		for _, p := range problems {
			add("messages", "%s", p)
		}
		n.Messages = msgs
	}
	if in.Enabled != nil {
		n.Paused = !*in.Enabled
	}
	if in.RateLimitGiven {
		if in.RateLimit != nil {
			if p := checkRateLimit(*in.RateLimit); p != "" {
				add("rate_limit", "%s", p)
			}
		}
		n.RateLimit = in.RateLimit
	}
	if len(fe) > 0 {
		return n, herald.FieldErrors(fe)
	}
	return n, nil
}

// applyConfig validates cfg for spec, fills its defaults, and seals its
// secrets (notify.Seal: "$encrypted$" keeps the stored value, per header for
// headers, "" clears it, anything else replaces it, a secret left out is
// kept). It returns the problems; cfg is then not to be stored.
func (a *App) applyConfig(spec *notify.Spec, cfg map[string]any, old *herald.Notifier) []string {
	var stored notify.Config
	if old != nil && old.Type == spec.Type {
		stored = old.Config
	}
	sealed, problems := notify.Seal(spec, cfg, stored, a.secrets)
	if len(problems) > 0 {
		return problems
	}
	clear(cfg)
	for k, v := range sealed {
		cfg[k] = v
	}
	return nil
}

// keepGenerated hands the secrets made for a save to the notifier as stored
// and read back, for the answer to that save.
func keepGenerated(saved, n *herald.Notifier) *herald.Notifier {
	if saved != nil {
		saved.Generated = n.Generated
	}
	return saved
}

// mergeFieldErrors joins the field problems of two errors (either may be nil).
func mergeFieldErrors(a, b error) error {
	ea, _ := a.(*herald.Error)
	eb, _ := b.(*herald.Error)
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case ea == nil || eb == nil || ea.Fields == nil || eb.Fields == nil:
		return a
	}
	for k, v := range eb.Fields {
		ea.Fields[k] = append(ea.Fields[k], v...)
	}
	return ea
}
