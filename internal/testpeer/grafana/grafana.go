// Package grafana is a fake of Grafana's annotations HTTP API for tests. It
// answers POST /api/annotations as Grafana documents: 200 {"message":
// "Annotation added", "id"} for a valid annotation, 401 {"message":
// "Unauthorized"} for a missing or wrong Bearer key, 400 for a body it cannot
// use. It runs over HTTP or HTTPS with a self-signed certificate, records
// every request, and can be scripted to answer the next requests.
package grafana

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Request is one request the fake received, and the status it answered.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Status int
}

// Reply is a scripted answer.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
}

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

// Server is the fake. Its embedded httptest.Server gives URL, Client and Close.
type Server struct {
	*httptest.Server
	key string

	mu          sync.Mutex
	script      []Reply
	requests    []Request
	annotations []Annotation
}

// New starts a fake over plain HTTP that accepts the API key (service account
// token) key; it is closed when the test ends.
func New(t testing.TB, key string) *Server {
	t.Helper()
	s := &Server{key: key}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// NewTLS is New over HTTPS with a self-signed certificate (see CertPool).
func NewTLS(t testing.TB, key string) *Server {
	t.Helper()
	s := &Server{key: key}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// CertPool trusts the fake's self-signed certificate.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// Script queues replies for the next requests, in order.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Annotations returns the annotations accepted so far.
func (s *Server) Annotations() []Annotation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Annotation(nil), s.annotations...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep Reply
	if len(s.script) > 0 {
		rep, s.script = s.script[0], s.script[1:]
	} else {
		rep = s.answer(r, body)
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Status: rep.Status})
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}

// answer is what Grafana says to a request nobody scripted.
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
