// Package opsgenie is a fake of Opsgenie's Alert API v2 for tests. It answers
// as docs.opsgenie.com documents (docs/alert-api, docs/response,
// docs/api-rate-limiting): with "Authorization: GenieKey <key>", POST
// /v2/alerts and POST /v2/alerts/{identifier}/close?identifierType=alias are
// 202 Accepted with {"result": "Request will be processed", "took",
// "requestId"} and processed after the answer (a close of an alias with no
// open alert is accepted too, and fails only in the request's status); a
// wrong key is 401 "Could not authenticate"; a body that is not JSON is 400;
// a valid JSON body with a bad field is 422 {"message": "Request body is not
// processable. Please check the errors.", "errors": {field: problem}}; too
// many requests is 429. An alert is unique per alias while it is open: a
// second create for an open alias only counts up. It records every request,
// the alerts and the closes.
package opsgenie

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Opsgenie would".
type Reply = httppeer.Reply

// Error is Opsgenie's error answer; errors may be nil.
func Error(status int, message string, errors map[string]string) Reply {
	a := map[string]any{"message": message, "took": 0.001, "requestId": "7e92211d-5896-4ed7-adbf-1c78f92241fe"}
	if errors != nil {
		a["errors"] = errors
	}
	b, _ := json.Marshal(a)
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// TooManyRequests is the answer over the integration's rate limit.
func TooManyRequests() Reply {
	r := Error(http.StatusTooManyRequests, "You are making too many requests! To avoid errors, we recommend you limit requests.", nil)
	r.Header["X-RateLimit-State"] = "THROTTLED"
	return r
}

// Alert is an alert as the fake holds it.
type Alert struct {
	Message     string
	Alias       string
	Description string
	Priority    string
	Responders  []map[string]string
	Tags        []string
	Details     map[string]string
	Entity      string
	Source      string
	Open        bool
	Count       int // creates folded into it while open
}

// Close is a close request the fake processed.
type Close struct {
	Identifier string
	Type       string // identifierType
	Found      bool   // whether an open alert had that alias
	Note       string
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, Script and
// Requests.
type Server struct {
	*httppeer.Peer
	key string
	// Guarded by the Peer's lock.
	alerts []*Alert
	closes []Close
	reqs   int
}

// New starts a fake that accepts the API key key; it is closed when the test ends.
func New(t testing.TB, key string) *Server {
	t.Helper()
	s := &Server{key: key}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// Alerts returns copies of the alerts so far, in the order they were created.
func (s *Server) Alerts() []Alert {
	var out []Alert
	s.Do(func() {
		for _, a := range s.alerts {
			out = append(out, *a)
		}
	})
	return out
}

// Closes returns the close requests processed so far.
func (s *Server) Closes() []Close { return httppeer.Snapshot(s.Peer, &s.closes) }

func (s *Server) accepted() Reply {
	s.reqs++
	b, _ := json.Marshal(map[string]any{"result": "Request will be processed", "took": 0.107,
		"requestId": fmt.Sprintf("43a29c5c-3dbf-4fa4-9c26-f4f71023%04d", s.reqs)})
	return Reply{Status: http.StatusAccepted, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

var priority = regexp.MustCompile(`^P[1-5]$`)

func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/v2/alerts") {
		return Error(http.StatusNotFound, "Could not find the handler", nil)
	}
	if r.Header.Get("Authorization") != "GenieKey "+s.key {
		return Error(http.StatusUnauthorized, "Could not authenticate", nil)
	}
	var raw map[string]json.RawMessage
	if len(body) > 0 && json.Unmarshal(body, &raw) != nil {
		return Error(http.StatusBadRequest, "Could not parse the request body", nil)
	}
	if r.URL.Path == "/v2/alerts" {
		return s.create(body)
	}
	ident, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v2/alerts/"), "/close")
	if !ok || ident == "" {
		return Error(http.StatusNotFound, "Could not find the handler", nil)
	}
	typ := r.URL.Query().Get("identifierType")
	if typ == "" {
		typ = "id"
	}
	var c struct {
		Note string `json:"note"`
	}
	_ = json.Unmarshal(body, &c)
	found := false
	if typ == "alias" {
		for _, a := range s.alerts {
			if a.Alias == ident && a.Open {
				a.Open, found = false, true
			}
		}
	}
	s.closes = append(s.closes, Close{Identifier: ident, Type: typ, Found: found, Note: c.Note})
	return s.accepted()
}

func (s *Server) create(body []byte) Reply {
	var a Alert
	var in struct {
		Message     string              `json:"message"`
		Alias       string              `json:"alias"`
		Description string              `json:"description"`
		Priority    string              `json:"priority"`
		Responders  []map[string]string `json:"responders"`
		Tags        []string            `json:"tags"`
		Details     map[string]string   `json:"details"`
		Entity      string              `json:"entity"`
		Source      string              `json:"source"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Error(http.StatusUnprocessableEntity, "Request body is not processable. Please check the errors.", map[string]string{"body": "wrong field types"})
	}
	problems := map[string]string{}
	switch {
	case strings.TrimSpace(in.Message) == "":
		problems["message"] = "Message can not be empty."
	case len([]rune(in.Message)) > 130:
		problems["message"] = "Message can not be longer than 130 characters."
	}
	if len(in.Alias) > 512 {
		problems["alias"] = "Alias can not be longer than 512 characters."
	}
	if in.Priority != "" && !priority.MatchString(in.Priority) {
		problems["priority"] = "should be one of [P1, P2, P3, P4, P5]"
	}
	if len(problems) > 0 {
		return Error(http.StatusUnprocessableEntity, "Request body is not processable. Please check the errors.", problems)
	}
	for _, old := range s.alerts {
		if in.Alias != "" && old.Alias == in.Alias && old.Open {
			old.Count++ // de-duplicated
			return s.accepted()
		}
	}
	a = Alert{Message: in.Message, Alias: in.Alias, Description: in.Description, Priority: in.Priority, Responders: in.Responders,
		Tags: in.Tags, Details: in.Details, Entity: in.Entity, Source: in.Source, Open: true, Count: 1}
	if a.Priority == "" {
		a.Priority = "P3"
	}
	s.alerts = append(s.alerts, &a)
	return s.accepted()
}
