// Package httppeer is the machinery the HTTP fakes in internal/testpeer share:
// an httptest.Server (plain or TLS) closed when the test ends, a queue of
// scripted replies, and a log of every request with the status it got. A
// fake embeds a Peer and brings only what is specific to its service: the
// answer it gives to a request nobody scripted, and what it accepted.
package httppeer

import (
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Request is one request the peer received, and the status it answered.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Status int
}

// Reply is a scripted answer. The zero Reply means "answer as the service
// would", so a script can let some requests through and fail others.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
}

// Answer is what the fake's service says to a request nobody scripted. It
// runs under the peer's lock, so it may update the fake's own records, which
// the fake reads back with Do or Snapshot.
type Answer func(r *http.Request, body []byte) Reply

// Option tunes a peer to a service whose answers differ in a detail.
type Option func(*Peer)

// EscapedPath records each request's path as sent, still percent-encoded,
// rather than decoded: HipChat's tests check how room names are escaped.
func EscapedPath() Option { return func(p *Peer) { p.escaped = true } }

// Header sets a header field on every response, over the reply's own: Slack
// always answers JSON, even when scripted.
func Header(key, value string) Option {
	return func(p *Peer) { p.header = append(p.header, [2]string{key, value}) }
}

// Wrap puts a handler in front of the peer, such as a ServeMux whose
// patterns the answer then reads back with r.Pattern and r.PathValue.
func Wrap(wrap func(peer http.Handler) http.Handler) Option {
	return func(p *Peer) { p.wrap = wrap }
}

// Peer is a scripted HTTP peer. Its embedded httptest.Server gives URL,
// Client, Certificate and Close.
type Peer struct {
	*httptest.Server
	answer  Answer
	escaped bool
	header  [][2]string
	wrap    func(http.Handler) http.Handler

	mu       sync.Mutex
	script   []Reply
	requests []Request
}

// New starts a peer over plain HTTP that gives answer's reply to requests
// nobody scripted; it is closed when the test ends.
func New(t testing.TB, answer Answer, opts ...Option) *Peer {
	t.Helper()
	return start(t, httptest.NewServer, answer, opts)
}

// NewTLS is New over HTTPS with a self-signed certificate (see CertPool).
func NewTLS(t testing.TB, answer Answer, opts ...Option) *Peer {
	t.Helper()
	return start(t, httptest.NewTLSServer, answer, opts)
}

func start(t testing.TB, newServer func(http.Handler) *httptest.Server, answer Answer, opts []Option) *Peer {
	p := &Peer{answer: answer}
	for _, o := range opts {
		o(p)
	}
	var h http.Handler = http.HandlerFunc(p.serve)
	if p.wrap != nil {
		h = p.wrap(h)
	}
	p.Server = newServer(h)
	t.Cleanup(p.Close)
	return p
}

// CertPool trusts the peer's self-signed certificate.
func (p *Peer) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Certificate())
	return pool
}

// Script queues replies for the next requests, in order.
func (p *Peer) Script(replies ...Reply) {
	p.Do(func() { p.script = append(p.script, replies...) })
}

// Requests returns every request received so far.
func (p *Peer) Requests() []Request { return Snapshot(p, &p.requests) }

// Do runs f under the lock answers run under, for a fake's own records.
func (p *Peer) Do(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
}

// Snapshot returns a copy of a list the peer's answers append to, taken
// under the peer's lock.
func Snapshot[T any](p *Peer, list *[]T) []T {
	var out []T
	p.Do(func() { out = append([]T(nil), *list...) })
	return out
}

func (p *Peer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	rep := Reply{}
	if len(p.script) > 0 {
		rep, p.script = p.script[0], p.script[1:]
	}
	if rep.Status == 0 {
		rep = p.answer(r, body)
	}
	path := r.URL.Path
	if p.escaped {
		path = r.URL.EscapedPath()
	}
	p.requests = append(p.requests, Request{Method: r.Method, Path: path, Header: r.Header.Clone(), Body: body, Status: rep.Status})
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	for _, kv := range p.header {
		w.Header().Set(kv[0], kv[1])
	}
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}
