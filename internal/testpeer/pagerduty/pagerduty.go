// Package pagerduty is a fake PagerDuty Events API v2 for tests. It answers
// POST /v2/enqueue as events.pagerduty.com documents (202 with the event's
// dedup_key, 400 "invalid event" with a list of errors), records every request
// so tests can assert the wire format, and can be scripted with a sequence of
// answers (a 429 or a 503 before the 202) to exercise retries.
package pagerduty

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is one scripted answer. The zero Reply means "answer as PagerDuty
// would".
type Reply = httppeer.Reply

// Event is an event the fake accepted.
type Event struct {
	RoutingKey    string
	Action        string
	DedupKey      string
	Summary       string
	Source        string
	Severity      string
	CustomDetails json.RawMessage
}

// Server is the fake. Requests that find no scripted reply get the answer the
// real service gives to that event. Its embedded Peer gives URL, Client,
// Close, Script and Requests.
type Server struct {
	*httppeer.Peer

	// Guarded by the Peer's lock, which answer runs under.
	events []Event
	keys   int
}

// New starts a fake that is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// Events returns the events accepted so far.
func (s *Server) Events() []Event { return httppeer.Snapshot(s.Peer, &s.events) }

// InvalidEvent is PagerDuty's answer to an event it refuses.
func InvalidEvent(errs ...string) Reply {
	b, _ := json.Marshal(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
	return Reply{Status: http.StatusBadRequest, Header: jsonHeader(), Body: string(b)}
}

// RateLimited is PagerDuty's answer when a service takes too many events at a
// time; the documented answer has no body. retryAfter may be "".
func RateLimited(retryAfter string) Reply {
	r := Reply{Status: http.StatusTooManyRequests, Header: map[string]string{}}
	if retryAfter != "" {
		r.Header["Retry-After"] = retryAfter
	}
	return r
}

// ServerError is a 5xx answer with PagerDuty's error shape.
func ServerError(status int) Reply {
	b, _ := json.Marshal(map[string]any{"status": "Internal Server Error", "message": "An internal error occurred", "errors": []string{}})
	return Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

func jsonHeader() map[string]string { return map[string]string{"Content-Type": "application/json"} }

// answer is what events.pagerduty.com says to a request nobody scripted.
func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.URL.Path != "/v2/enqueue" {
		return Reply{Status: http.StatusNotFound, Header: jsonHeader(), Body: `{"status":"Not Found","message":"Not Found"}`}
	}
	if r.Method != http.MethodPost {
		return Reply{Status: http.StatusMethodNotAllowed}
	}
	var ev struct {
		RoutingKey  string `json:"routing_key"`
		EventAction string `json:"event_action"`
		DedupKey    string `json:"dedup_key"`
		Payload     *struct {
			Summary  string          `json:"summary"`
			Source   string          `json:"source"`
			Severity string          `json:"severity"`
			Details  json.RawMessage `json:"custom_details"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		b, _ := json.Marshal(map[string]any{"status": "Unrecognized object", "message": "Event object format is unrecognized", "errors": []string{"JSON parse error"}})
		return Reply{Status: http.StatusBadRequest, Header: jsonHeader(), Body: string(b)}
	}
	if errs := check(ev.RoutingKey, ev.EventAction, ev.DedupKey, ev.Payload == nil); len(errs) > 0 {
		return InvalidEvent(errs...)
	}
	if ev.EventAction == "trigger" {
		var errs []string
		if ev.Payload.Summary == "" {
			errs = append(errs, "'payload.summary' is missing or blank")
		} else if len([]rune(ev.Payload.Summary)) > 1024 {
			errs = append(errs, "'payload.summary' is too long (maximum is 1024 characters)")
		}
		if ev.Payload.Source == "" {
			errs = append(errs, "'payload.source' is missing or blank")
		}
		switch ev.Payload.Severity {
		case "critical", "error", "warning", "info":
		default:
			errs = append(errs, "'payload.severity' must be one of critical, error, warning or info")
		}
		if len(errs) > 0 {
			return InvalidEvent(errs...)
		}
	}
	if ev.DedupKey == "" {
		// PagerDuty makes up a key for an event that has none.
		s.keys++
		ev.DedupKey = fmt.Sprintf("%032x", s.keys)
	}
	e := Event{RoutingKey: ev.RoutingKey, Action: ev.EventAction, DedupKey: ev.DedupKey}
	if ev.Payload != nil {
		e.Summary, e.Source, e.Severity, e.CustomDetails = ev.Payload.Summary, ev.Payload.Source, ev.Payload.Severity, ev.Payload.Details
	}
	s.events = append(s.events, e)
	b, _ := json.Marshal(map[string]string{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
	return Reply{Status: http.StatusAccepted, Header: jsonHeader(), Body: string(b)}
}

func check(routingKey, action, dedupKey string, noPayload bool) []string {
	var errs []string
	if len(routingKey) != 32 {
		errs = append(errs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	if len(dedupKey) > 255 {
		errs = append(errs, "'dedup_key' is too long (maximum is 255 characters)")
	}
	switch action {
	case "trigger":
		if noPayload {
			errs = append(errs, "'payload' is missing or blank")
		}
	case "acknowledge", "resolve":
		if dedupKey == "" {
			errs = append(errs, "'dedup_key' is missing or blank")
		}
	default:
		errs = append(errs, "'event_action' is invalid (must be one of trigger, acknowledge or resolve)")
	}
	return errs
}
