package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func run(ctx context.Context, o options) error {
	sk, err := startSink()
	if err != nil {
		return err
	}
	defer sk.srv.Close()
	srv, err := startServer(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "heraldbench: stopping herald:", err)
		}
	}()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	user := "admin"
	if o.url != "" {
		user = o.username
	}
	a, err := login(ctx, srv.url, user, srv.password, o.clients)
	if err != nil {
		return err
	}
	// The clients split between the instances; setup goes through the first.
	clients := []*api{a}
	for _, u := range srv.urls[min(1, len(srv.urls)):] {
		b, err := login(ctx, u, user, srv.password, o.clients)
		if err != nil {
			return err
		}
		clients = append(clients, b)
	}
	pids := fmt.Sprint(srv.pid)
	if len(srv.pids) > 0 {
		ps := make([]string, len(srv.pids))
		for i, p := range srv.pids {
			ps[i] = strconv.Itoa(p)
		}
		pids = strings.Join(ps, ",")
	}
	fmt.Printf("herald %s (pid %s), sink %s\n", strings.Join(append([]string{srv.url}, srv.urls[min(1, len(srv.urls)):]...), ","), pids, sk.url)
	switch {
	case o.pending > 0:
		return runPending(ctx, o, srv, a, sk)
	case o.backlog > 0:
		return runBacklog(ctx, o, srv, a, sk)
	}
	return runLoad(ctx, o, srv, clients, sk)
}

// sampler watches the server's memory, goroutines and queue until stopped.
type sampler struct {
	mu                        sync.Mutex
	goroutines, queue, rss    float64 // the highest seen
	lastGoroutines, lastQueue float64
	stop                      func()
}

func startSampler(ctx context.Context, srv *server, a *api, every time.Duration) *sampler {
	s := &sampler{}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	s.stop = func() { cancel(); <-done }
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m := a.metrics(ctx, "go_goroutines", "herald_queue_depth")
			rss, _, _ := srv.memory()
			s.mu.Lock()
			s.lastGoroutines, s.lastQueue = m["go_goroutines"], m["herald_queue_depth"]
			s.goroutines, s.queue, s.rss = max(s.goroutines, s.lastGoroutines), max(s.queue, s.lastQueue), max(s.rss, rss)
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// setup makes an organization, a project, and the templates, each with
// o.notifiers webhooks to url on its success list.
func setup(ctx context.Context, a *api, o options, url string) ([]int64, error) {
	tag := randomText(4)
	var org, proj idOnly
	if err := a.do(ctx, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "bench " + tag}, &org); err != nil {
		return nil, err
	}
	if err := a.do(ctx, http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "bench", "organization": org.ID}, &proj); err != nil {
		return nil, err
	}
	tmpls := make([]int64, o.templates)
	err := parallel(ctx, o.clients, o.templates, func(i int) error {
		var jt idOnly
		if err := a.do(ctx, http.StatusCreated, "POST", "/api/v1/job_templates/",
			map[string]any{"name": fmt.Sprintf("bench %d", i), "project": proj.ID, "playbook": "site.yml"}, &jt); err != nil {
			return err
		}
		tmpls[i] = jt.ID
		for k := range o.notifiers {
			var n idOnly
			if err := a.do(ctx, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
				"name": fmt.Sprintf("bench %s %d.%d", tag, i, k), "organization": org.ID, "notification_type": "webhook",
				"notification_configuration": map[string]any{"url": url},
			}, &n); err != nil {
				return err
			}
			if err := a.do(ctx, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", jt.ID), map[string]any{"id": n.ID}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return tmpls, err
}

// parallel runs fn(0..n-1) on c goroutines and returns the first error.
func parallel(ctx context.Context, c, n int, fn func(i int) error) error {
	next := atomic.Int64{}
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(c, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}

func sortDurations(d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
}
