package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
)

func (s *server) attemptJSON(_ *http.Request, a *herald.Attempt) map[string]any {
	return map[string]any{
		"number": a.Number, "started": fmtTime(a.Started), "duration": a.Duration, "outcome": a.Outcome,
		"status_code": a.StatusCode, "error": a.Error, "response": a.Response, "destinations": a.Destinations, "instance": a.Instance,
	}
}

func (s *server) notificationAttempts(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r); ok {
		listHandler(s, func(ctx context.Context, q herald.Query) ([]*herald.Attempt, int, error) {
			return s.svc.Attempts(ctx, id, q)
		}, s.attemptJSON)(w, r)
	}
}

// steerNotification retries (202) or cancels (200) one notification.
func (s *server) steerNotification(verb string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if _, ok := s.decode(w, r, true); !ok {
			return
		}
		do, status := s.svc.RetryNotification, http.StatusAccepted
		if verb == "cancel" {
			do, status = s.svc.CancelNotification, http.StatusOK
		}
		n, err := do(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, status, s.notificationJSON(r, n))
	}
}

// steerNotifications retries or cancels the notifications a filter picks → 202 {"count"}.
func (s *server) steerNotifications(verb string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fields, ok := s.decode(w, r, true)
		if !ok {
			return
		}
		f, err := steerFilter(fields)
		var n int64
		if err == nil {
			n, err = s.svc.SteerNotifications(r.Context(), verb, f)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"count": n})
	}
}

// steerFilter reads the filter of a bulk retry or cancel.
func steerFilter(fields map[string]json.RawMessage) (app.SteerFilter, error) {
	fe := fieldErrors{}
	var f app.SteerFilter
	for k := range fields {
		switch k {
		case "notifier", "status", "created__gte", "created__lt", "job":
		default:
			fe.add(k, "Unknown filter field; use notifier, status, created__gte, created__lt or job.")
		}
	}
	if v, ok := fe.ref(fields, "notifier", false); ok && v != nil {
		f.Notifier = v
	}
	if v, ok := fe.ref(fields, "job", false); ok && v != nil {
		f.Job = v
	}
	if v, ok := fe.str(fields, "status", false, 32); ok {
		f.Status = &v
	}
	for name, dst := range map[string]**time.Time{"created__gte": &f.CreatedGTE, "created__lt": &f.CreatedLT} {
		if v, ok := fe.str(fields, name, false, 64); ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				fe.add(name, "Expected an RFC 3339 time, got %q.", v)
				continue
			}
			*dst = &t
		}
	}
	return f, fe.err()
}

// deliveryJSON is summary_fields.delivery of a notifier.
func deliveryJSON(d herald.DeliveryState) map[string]any {
	return map[string]any{"circuit": d.Circuit, "since": fmtTimePtr(d.Since), "consecutive_failures": d.ConsecutiveFailures, "rate_limited": d.RateLimited}
}
