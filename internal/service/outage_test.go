package service_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/heraldtest"
)

// proxy forwards TCP connections to PostgreSQL until it is cut: then it
// drops every connection and refuses new ones, as a database that went away.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Cut() })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *proxy) forward(c net.Conn) {
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.cut { // cut while dialling
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close(); c.Close() }()
	io.Copy(c, up)
	c.Close()
	up.Close()
}

// Cut drops every connection and refuses new ones until Restore.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

// TestDatabaseOutage: /readyz fails while PostgreSQL is unreachable and
// recovers after, and a notification whose job change was committed before
// the outage is delivered after it.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL-backed Herald")
	}
	t.Parallel()
	url := heraldtest.PostgresURL(t)
	p := newProxy(t, "127.0.0.1:5432")
	viaProxy := strings.Replace(url, "127.0.0.1:5432", p.Addr(), 1)
	if viaProxy == url {
		t.Fatalf("cannot route %s through the proxy", url)
	}

	// The receiver holds the first attempt until the database is gone, then
	// fails it (503), so that the retry can only be recorded and sent after.
	firstIn, outageBegun := make(chan struct{}), make(chan struct{})
	var requests, afterRestore atomic.Int32
	var restored atomic.Bool
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(firstIn)
			<-outageBegun
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if restored.Load() {
			afterRestore.Add(1)
		}
	}))
	defer receiver.Close()

	s := heraldtest.Start(t, heraldtest.Options{DatabaseURL: viaProxy, Delivery: deliver.Config{Lease: 3 * time.Second, AttemptTimeout: time.Second}})
	org := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	project := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Infra", "organization": org}))
	tmpl := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Deploy", "project": project}))
	hook := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "hook", "organization": org, "notification_type": "webhook", "notification_configuration": map[string]any{"url": receiver.URL},
	}))
	s.Must(http.StatusNoContent, "POST", "/api/v1/job_templates/"+itoa(tmpl)+"/notifiers_success/", map[string]any{"id": hook})
	job := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/"+itoa(tmpl)+"/launch/", map[string]any{}))
	s.Must(http.StatusOK, "PATCH", "/api/v1/jobs/"+itoa(job)+"/", map[string]any{"status": "successful"})
	if r := s.Do("GET", "/readyz", nil); r.Status != http.StatusOK {
		t.Fatalf("readyz before the outage: %d %s", r.Status, r.Body)
	}

	select {
	case <-firstIn:
	case <-time.After(30 * time.Second): // against hanging only
		t.Fatal("the notification was never sent")
	}
	p.Cut()
	if !heraldtest.Eventually(t, 20*time.Second, func() bool { return s.Do("GET", "/readyz", nil).Status == http.StatusServiceUnavailable }) {
		t.Fatal("readyz did not fail while the database was unreachable")
	}
	close(outageBegun) // the attempt fails now, and its outcome cannot be recorded yet
	restored.Store(true)
	p.Restore()
	if !heraldtest.Eventually(t, 20*time.Second, func() bool { return s.Do("GET", "/readyz", nil).Status == http.StatusOK }) {
		t.Fatal("readyz did not recover with the database")
	}
	list := s.Must(http.StatusOK, "GET", "/api/v1/jobs/"+itoa(job)+"/notifications/", nil)
	results, _ := list["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("job notifications: %v", list)
	}
	n := s.WaitNotification(heraldtest.ID(results[0].(map[string]any)), 30*time.Second)
	if n["status"] != "successful" || afterRestore.Load() < 1 {
		t.Fatalf("after the outage: notification %v, %d requests after restore", n, afterRestore.Load())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
