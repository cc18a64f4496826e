package main

// The machinery of the tests that run the real binary (crash_test.go,
// multi_test.go): the binary, built once per test run; a running
// `herald serve` with its log, its admin API and its signals; and a webhook
// receiver that counts what arrives per Idempotency-Key.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

var (
	buildOnce sync.Once
	binDir    string // removed by TestMain once every test has run
	binPath   string
	buildErr  error
)

// TestMain only removes the shared binary: it is built lazily, by the first
// test that needs it, so -short and in-process runs build nothing.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// heraldBinary builds herald once for all the tests of this run.
func heraldBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildHerald()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// buildHerald is heraldBinary for any goroutine.
func buildHerald() (string, error) {
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "herald-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "herald")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// heraldProc is a running `herald serve`.
type heraldProc struct {
	cmd    *exec.Cmd
	url    string
	id     string        // the instance id its leases carry
	exited chan struct{} // closed once it has exited and its log is complete
	mu     sync.Mutex
	log    bytes.Buffer
}

// startServe starts `herald serve --addr 127.0.0.1:0 args...` with env (on
// top of PATH and the admin password), waits until it is ready and answers
// a ping as admin. It may run in any goroutine: failing, it returns an
// error with the process' log. The process is stopped when t ends.
func startServe(t *testing.T, env []string, args ...string) (*heraldProc, error) {
	t.Helper()
	bin, err := buildHerald()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	// The test receivers are on 127.0.0.1, which the destination guard refuses unless admitted.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HERALD_ADMIN_PASSWORD=" + heraldtest.AdminPassword,
		"HERALD_ALLOW_DESTINATIONS=127.0.0.1,::1"}, env...)
	p := &heraldProc{cmd: cmd, exited: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stderr = pw // exec copies into it; Wait returns once the copy is done
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); pw.Close(); close(p.exited) }()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if i := strings.Index(line, "addr=http://"); i >= 0 && strings.Contains(line, "herald ready") {
				ready <- strings.Fields(line[i+len("addr="):])[0]
			}
		}
		close(ready)
		io.Copy(io.Discard, pr) // a line too long for the scanner must not block the process
	}()
	t.Cleanup(func() {
		// SIGTERM, so that it lets go of its database; SIGKILL if it hangs.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("herald %s log:\n%s", p.url, p.logText())
		}
	})
	select {
	case url, ok := <-ready:
		if !ok {
			return nil, fmt.Errorf("herald serve exited before it was ready:\n%s", p.logText())
		}
		p.url = url
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("herald serve not ready:\n%s", p.logText())
	}
	ping, err := p.expect(http.StatusOK, "GET", "/api/v1/ping/", nil)
	if p.id, _ = ping["instance"].(string); err != nil || p.id == "" {
		return nil, fmt.Errorf("ping: %v %v", ping, err)
	}
	return p, nil
}

// mustServe is startServe from the test's goroutine.
func mustServe(t *testing.T, env []string, args ...string) *heraldProc {
	t.Helper()
	p, err := startServe(t, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *heraldProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// signal sends sig: SIGKILL to die mid-work, SIGTERM to shut down.
func (p *heraldProc) signal(sig syscall.Signal) error {
	return p.cmd.Process.Signal(sig)
}

// wait waits until the process has exited and returns how it ended.
func (p *heraldProc) wait() *os.ProcessState {
	<-p.exited
	return p.cmd.ProcessState
}

var procClient = &http.Client{Timeout: 30 * time.Second}

// call sends a request as admin; an error means no answer (the process
// died). A body that is not JSON comes back as {"body": text}.
func (p *heraldProc) call(method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth("admin", heraldtest.AdminPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := procClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	if m == nil {
		m = map[string]any{"body": string(data)}
	}
	return resp.StatusCode, m, nil
}

// expect is call that returns an error unless the status is want; it runs
// in any goroutine.
func (p *heraldProc) expect(want int, method, path string, body any) (map[string]any, error) {
	status, m, err := p.call(method, path, body)
	if err == nil && status != want {
		err = fmt.Errorf("%s %s%s: %d, want %d: %v", method, p.url, path, status, want, m)
	}
	return m, err
}

// must is expect that fails the test (from the test's goroutine only).
func (p *heraldProc) must(t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	m, err := p.expect(want, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// webhookTemplate makes, through procs in turn, an organization, a project,
// a job template and a webhook notifier to url on its success list; it
// returns the template's id.
func webhookTemplate(t *testing.T, procs []*heraldProc, url string) int64 {
	t.Helper()
	on := func(i int) *heraldProc { return procs[i%len(procs)] }
	org := heraldtest.ID(on(0).must(t, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	project := heraldtest.ID(on(1).must(t, http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Infra", "organization": org}))
	tmpl := heraldtest.ID(on(2).must(t, http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Deploy", "project": project}))
	hook := heraldtest.ID(on(0).must(t, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "hook", "organization": org, "notification_type": "webhook", "notification_configuration": map[string]any{"url": url},
	}))
	on(0).must(t, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", tmpl), map[string]any{"id": hook})
	return tmpl
}

// parallel calls fn(i) for every i below n from clients goroutines. A
// client stops at its first error; parallel returns the first one.
func parallel(n, clients int, fn func(i int) error) error {
	todo := make(chan int, n)
	for i := range n {
		todo <- i
	}
	close(todo)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range todo {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// sink is a webhook receiver: it counts complete requests by
// Idempotency-Key, knows how many it is answering, and answers each after
// its delay.
type sink struct {
	url    string
	delay  atomic.Int64 // nanoseconds each answer waits
	mu     sync.Mutex
	seen   map[string]int
	active int
}

func newSink(t *testing.T, delay time.Duration) *sink {
	t.Helper()
	s := &sink{seen: map[string]int{}}
	s.delay.Store(int64(delay))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return // cut off mid-body: it did not arrive
		}
		s.mu.Lock()
		s.seen[r.Header.Get("Idempotency-Key")]++
		s.active++
		s.mu.Unlock()
		time.Sleep(time.Duration(s.delay.Load()))
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// state returns how many of keys (every key when keys is nil) arrived, the
// repeats among them, and the requests being answered now.
func (s *sink) state(keys map[string]bool) (distinct, repeats, active int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, n := range s.seen {
		if keys == nil || keys[k] {
			distinct++
			repeats += n - 1
		}
	}
	return distinct, repeats, s.active
}

// count returns how many times key arrived.
func (s *sink) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}
