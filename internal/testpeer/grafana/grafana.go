// Package grafana is a fake of Grafana's annotations HTTP API for tests. It
// answers POST /api/annotations as Grafana documents: 200 {"message":
// "Annotation added", "id"} for a valid annotation, 401 {"message":
// "Unauthorized"} for a missing or wrong Bearer key, 400 for a body it cannot
// use. It runs over HTTP or HTTPS with a self-signed certificate, records
// every request, and can be scripted to answer the next requests.
package grafana

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// Request is one request the fake received, and the status it answered.
type Request = httppeer.Request

// Reply is a scripted answer. The zero Reply means "answer as Grafana would".
type Reply = httppeer.Reply

// Error is Grafana's error answer: {"message": ...}.
func Error(status int, message string) Reply {
	b, _ := json.Marshal(map[string]string{"message": message})
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}

// RateLimited is a 429 such as a proxy in front of Grafana (or Grafana Cloud)
// gives; retryAfter may be "".
func RateLimited(retryAfter string) Reply {
	r := Error(http.StatusTooManyRequests, "Too Many Requests")
	if retryAfter != "" {
		r.Header["Retry-After"] = retryAfter
	}
	return r
}

// Annotation is an annotation the fake accepted, as it was posted.
type Annotation struct {
	ID          int64
	Time        *int64   `json:"time"`
	TimeEnd     *int64   `json:"timeEnd"`
	IsRegion    *bool    `json:"isRegion"`
	DashboardID *int64   `json:"dashboardId"`
	PanelID     *int64   `json:"panelId"`
	Tags        []string `json:"tags"`
	Text        string   `json:"text"`
}

// Server is the fake. Its embedded Peer gives URL, Client, Close, CertPool,
// Script and Requests.
type Server struct {
	*httppeer.Peer
	key string

	annotations []Annotation // guarded by the Peer's lock
}

// New starts a fake over plain HTTP that accepts the API key (service account
// token) key; it is closed when the test ends.
func New(t testing.TB, key string) *Server {
	t.Helper()
	s := &Server{key: key}
	s.Peer = httppeer.New(t, s.answer)
	return s
}

// NewTLS is New over HTTPS with a self-signed certificate (see CertPool).
func NewTLS(t testing.TB, key string) *Server {
	t.Helper()
	s := &Server{key: key}
	s.Peer = httppeer.NewTLS(t, s.answer)
	return s
}

// Annotations returns the annotations accepted so far.
func (s *Server) Annotations() []Annotation { return httppeer.Snapshot(s.Peer, &s.annotations) }

// answer is what Grafana says to a request nobody scripted, under the Peer's
// lock.
func (s *Server) answer(r *http.Request, body []byte) Reply {
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		return Error(http.StatusUnauthorized, "Unauthorized")
	}
	if r.URL.Path != "/api/annotations" {
		return Error(http.StatusNotFound, "Not found")
	}
	if r.Method != http.MethodPost {
		return Error(http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	var a Annotation
	if err := json.Unmarshal(body, &a); err != nil {
		return Error(http.StatusBadRequest, "bad request data")
	}
	if a.Text == "" {
		return Error(http.StatusBadRequest, "Failed to save annotation")
	}
	a.ID = int64(len(s.annotations) + 1)
	s.annotations = append(s.annotations, a)
	return Reply{
		Status: http.StatusOK,
		Header: map[string]string{"Content-Type": "application/json"},
		Body:   fmt.Sprintf(`{"message":"Annotation added","id":%d}`, a.ID),
	}
}
