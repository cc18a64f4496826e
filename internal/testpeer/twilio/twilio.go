// Package twilio is a fake of Twilio's Programmable Messaging API for tests.
// It answers POST /2010-04-01/Accounts/{sid}/Messages.json as api.twilio.com
// documents: 201 with the message resource, 401 code 20003 for wrong
// credentials, 400 with Twilio's error object (21211 invalid 'To' number,
// 21602 missing body...), and 429 code 20429 when rate limited. It records
// every request and can be scripted per destination number, so tests can make
// one number fail while the others get through.
package twilio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and the status it answered.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Form   url.Values
	Status int
}

// Reply is a scripted answer.
type Reply = httppeer.Reply

// Error is Twilio's error answer: {"code", "message", "more_info", "status"}.
func Error(status, code int, message string) Reply {
	b, _ := json.Marshal(map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// InvalidNumber is Twilio's answer for a 'To' number it cannot parse (21211).
func InvalidNumber(to string) Reply {
	return Error(http.StatusBadRequest, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to))
}

// Unsubscribed is Twilio's answer for a recipient who replied STOP (21610).
func Unsubscribed() Reply {
	return Error(http.StatusBadRequest, 21610, "Attempt to send to unsubscribed recipient")
}

// RateLimited is Twilio's 429 (20429); retryAfter may be "".
func RateLimited(retryAfter string) Reply {
	r := Error(http.StatusTooManyRequests, 20429, "Too Many Requests")
	if retryAfter != "" {
		r.Header["Retry-After"] = retryAfter
	}
	return r
}

// ServerError is a 5xx answer in Twilio's error shape.
func ServerError(status int) Reply {
	return Error(status, 20500, "An internal server error has occurred")
}

// Message is an SMS the fake accepted.
type Message struct {
	SID  string
	To   string
	From string
	Body string
}

// Server is the fake. Its embedded Peer gives URL, Client and Close; its
// scripts are per destination number, so it has its own Script and Requests.
type Server struct {
	*httppeer.Peer
	sid, token string

	// Guarded by the Peer's lock, which answer runs under.
	script   map[string][]Reply // by 'To' number
	messages []Message
}

// New starts a fake that accepts the account sid with its auth token; it is
// closed when the test ends.
func New(t testing.TB, sid, token string) *Server {
	t.Helper()
	s := &Server{sid: sid, token: token, script: map[string][]Reply{}}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// Script queues replies for the next messages to the number to, in order.
func (s *Server) Script(to string, replies ...Reply) {
	s.Do(func() { s.script[to] = append(s.script[to], replies...) })
}

// Requests returns every request received so far, with its form decoded.
func (s *Server) Requests() []Request {
	var out []Request
	for _, r := range s.Peer.Requests() {
		form, _ := url.ParseQuery(string(r.Body))
		out = append(out, Request{Method: r.Method, Path: r.Path, Header: r.Header, Body: r.Body, Form: form, Status: r.Status})
	}
	return out
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message { return httppeer.Snapshot(s.Peer, &s.messages) }

// answer gives the next reply scripted for the message's 'To' number, or
// else what api.twilio.com would say; it runs under the Peer's lock.
func (s *Server) answer(r *http.Request, body []byte) Reply {
	form, _ := url.ParseQuery(string(body))
	if q := s.script[form.Get("To")]; len(q) > 0 {
		var rep Reply
		rep, s.script[form.Get("To")] = q[0], q[1:]
		return rep
	}
	return s.service(r, form)
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// service is what api.twilio.com says to a request nobody scripted.
func (s *Server) service(r *http.Request, form url.Values) Reply {
	path := "/2010-04-01/Accounts/" + s.sid + "/Messages.json"
	if r.URL.Path != path {
		return Error(http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != s.sid || pass != s.token {
		rep := Error(http.StatusUnauthorized, 20003, "Authenticate")
		rep.Header["WWW-Authenticate"] = `Basic realm="Twilio API"`
		return rep
	}
	if r.Method != http.MethodPost {
		return Error(http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
	to, from, text := form.Get("To"), form.Get("From"), form.Get("Body")
	switch {
	case to == "":
		return Error(http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case from == "":
		return Error(http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case text == "":
		return Error(http.StatusBadRequest, 21602, "Message body is required.")
	case !e164.MatchString(to):
		return InvalidNumber(to)
	case len([]rune(text)) > 1600:
		return Error(http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
	}
	msg := Message{SID: fmt.Sprintf("SM%032x", len(s.messages)+1), To: to, From: from, Body: text}
	s.messages = append(s.messages, msg)
	now := time.Now().UTC().Format(time.RFC1123Z)
	b, _ := json.Marshal(map[string]any{
		"account_sid":           s.sid,
		"api_version":           "2010-04-01",
		"body":                  text,
		"date_created":          now,
		"date_sent":             nil,
		"date_updated":          now,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  from,
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          strconv.Itoa(1 + len([]rune(text))/160),
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   msg.SID,
		"status":                "queued",
		"subresource_uris":      map[string]string{"media": path[:len(path)-len(".json")] + "/" + msg.SID + "/Media.json"},
		"to":                    to,
		"uri":                   path[:len(path)-len(".json")] + "/" + msg.SID + ".json",
	})
	return Reply{Status: http.StatusCreated, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}
