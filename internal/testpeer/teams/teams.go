// Package teams is a fake of a Microsoft Teams Workflows (Power Automate)
// webhook trigger for tests. Like the Logic Apps request trigger behind it,
// it answers a POST to /workflows/{id}/triggers/manual/paths/invoke with a
// valid sig query parameter with 202 Accepted and an empty body (the flow run
// starts; a payload the flow cannot read fails later, in the run, not in this
// answer), and refuses with the Logic Apps error shape {"error": {"code",
// "message"}}: 401 DirectApiInvalidAuthorizationSignature for a wrong
// signature, 404 WorkflowNotFound for an unknown flow, 429
// WorkflowRequestsThrottled with Retry-After. It records every request and
// the cards it was given.
package teams

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Workflow and Sig identify the fake's one flow.
const (
	Workflow = "0d1f2e3c4b5a69788796a5b4c3d2e1f0"
	Sig      = "kTs9yB3_sig-value"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Workflows would".
type Reply = httppeer.Reply

// Error is the Logic Apps error answer.
func Error(status int, code, message string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, Body: string(b)}
}

// Throttled is the answer to a caller over the flow's limits.
func Throttled(retryAfter string) Reply {
	r := Error(http.StatusTooManyRequests, "WorkflowRequestsThrottled", "Number of requests exceeded the limit, try again later.")
	r.Header["Retry-After"] = retryAfter
	return r
}

// Post is the envelope the trigger was given.
type Post struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment is one attachment of the envelope.
type Attachment struct {
	ContentType string          `json:"contentType"`
	ContentURL  *string         `json:"contentUrl"`
	Content     json.RawMessage `json:"content"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, Script and
// Requests.
type Server struct {
	*httppeer.Peer
	posts []Post // guarded by the Peer's lock
}

// New starts a fake over plain HTTP; it is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// HookURL is the flow's trigger URL, as Teams shows it.
func (s *Server) HookURL() string {
	return s.URL + "/workflows/" + Workflow + "/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + Sig
}

// Posts returns the envelopes accepted so far.
func (s *Server) Posts() []Post { return httppeer.Snapshot(s.Peer, &s.posts) }

// Cards returns the Adaptive Cards of the envelopes accepted so far, decoded.
func (s *Server) Cards() []map[string]any {
	var out []map[string]any
	for _, p := range s.Posts() {
		for _, a := range p.Attachments {
			var card map[string]any
			_ = json.Unmarshal(a.Content, &card)
			out = append(out, card)
		}
	}
	return out
}

func (s *Server) answer(r *http.Request, body []byte) Reply {
	id, ok := strings.CutPrefix(r.URL.Path, "/workflows/")
	id, rest, _ := strings.Cut(id, "/")
	switch {
	case !ok || rest != "triggers/manual/paths/invoke":
		return Error(http.StatusNotFound, "InvalidResourceType", "The resource type is not found.")
	case id != Workflow:
		return Error(http.StatusNotFound, "WorkflowNotFound", "The workflow '"+id+"' could not be found.")
	case r.URL.Query().Get("sig") != Sig:
		return Error(http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature",
			"The provided authorization signature for the request is not valid.")
	case r.Method != http.MethodPost:
		return Error(http.StatusBadRequest, "TriggerRequestMethodNotValid", "The HTTP method for this request is not valid.")
	}
	var p Post
	if json.Unmarshal(body, &p) != nil {
		return Error(http.StatusBadRequest, "TriggerInputSchemaMismatch", "The input body for trigger 'manual' of type 'Request' must be of type JSON.")
	}
	s.posts = append(s.posts, p)
	return Reply{Status: http.StatusAccepted, Header: map[string]string{"x-ms-workflow-run-id": "08584", "x-ms-tracking-id": "a1b2"}}
}
