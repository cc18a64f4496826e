package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runLoad drives o.jobs jobs and measures their notifications.
func runLoad(ctx context.Context, o options, srv *server, clients []*api, sk *sink) error {
	a := clients[0]
	t0 := time.Now()
	tmpls, err := setup(ctx, a, o, sk.url+"/hook")
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Printf("setup: %d templates × %d webhooks in %s\n", o.templates, o.notifiers, time.Since(t0).Round(time.Millisecond))

	smp := startSampler(ctx, srv, a, 500*time.Millisecond)
	// The status change commits between the successful PATCH being sent
	// and answered: latency counts from the sending, an upper bound.
	sent := make([]time.Time, o.jobs)
	answered := make([]time.Time, o.jobs)
	jobIDs := make([]int64, o.jobs)
	var failures atomic.Int64
	var firstErr atomic.Value

	// The feed offers job numbers, at --offered-rate when set.
	feed := make(chan int, o.clients)
	var pg *pgCPU
	if pgURL := cmp.Or(srv.pgURL, o.pgURL); pgURL != "" {
		var err error
		if pg, err = startPGCPU(ctx, pgURL); err != nil {
			return fmt.Errorf("PostgreSQL CPU: %w", err)
		}
		defer pg.close()
	}
	cpu0, _ := srv.cpu()
	own0, _ := processCPU(os.Getpid())
	start := time.Now()
	go func() {
		defer close(feed)
		for i := range o.jobs {
			if o.offeredRate > 0 {
				if d := time.Until(start.Add(time.Duration(float64(i) / o.offeredRate * float64(time.Second)))); d > 0 {
					time.Sleep(d)
				}
			}
			select {
			case feed <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for c := range o.clients {
		a := clients[c%len(clients)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range feed {
				var job idOnly
				err := a.do(ctx, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tmpls[i%len(tmpls)]), json.RawMessage(`{}`), &job)
				if err == nil && !o.skipRunning {
					err = a.do(ctx, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", job.ID), json.RawMessage(`{"status": "running"}`), nil)
				}
				if err == nil {
					sent[i] = time.Now()
					err = a.do(ctx, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", job.ID), json.RawMessage(`{"status": "successful"}`), nil)
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				answered[i], jobIDs[i] = time.Now(), job.ID
			}
		}()
	}
	wg.Wait()
	driven := time.Since(start)
	okJobs := o.jobs - int(failures.Load())
	expected := okJobs * o.notifiers
	requests := 3.0
	if o.skipRunning {
		requests = 2
	}
	fmt.Printf("jobs: %d run in %s (%.0f jobs/s, %.0f API requests/s), %d failed", okJobs, driven.Round(time.Millisecond),
		float64(okJobs)/driven.Seconds(), requests*float64(okJobs)/driven.Seconds(), failures.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Printf(" (first: %v)", e)
	}
	fmt.Println()

	// Wait for the deliveries, bounded by --timeout after the last job.
	deadline := time.Now().Add(o.timeout)
	for sk.distinct() < expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	smp.stop()
	cpu1, cpuOK := srv.cpu()
	own1, _ := processCPU(os.Getpid())
	first, repeats := sk.snapshot()

	index := make(map[int64]int, okJobs) // job id → job number
	for i, id := range jobIDs {
		if id != 0 {
			index[id] = i
		}
	}
	var lat []time.Duration
	var last time.Time
	early := 0
	for _, arr := range first {
		i, ok := index[arr.job]
		if !ok {
			continue
		}
		if arr.at.Before(answered[i]) {
			early++
		}
		lat = append(lat, arr.at.Sub(sent[i]))
		if arr.at.After(last) {
			last = arr.at
		}
	}
	sortDurations(lat)
	delivered := len(lat)
	span := last.Sub(start)
	rate := float64(delivered) / span.Seconds()

	fmt.Printf("notifications: %d of %d delivered, %d lost (not received within %s), %d duplicated\n",
		delivered, expected, expected-delivered, o.timeout, repeats)
	fmt.Printf("end-to-end rate: %.0f notifications/s (first job started → last notification received: %s)\n", rate, span.Round(time.Millisecond))
	fmt.Printf("latency (successful PATCH sent → sink received): p50 %s  p95 %s  p99 %s  max %s  (%d arrived before the PATCH was answered)\n",
		percentile(lat, 50).Round(time.Microsecond), percentile(lat, 95).Round(time.Microsecond),
		percentile(lat, 99).Round(time.Microsecond), percentile(lat, 100).Round(time.Microsecond), early)
	if rss, peak, ok := srv.memory(); ok {
		fmt.Printf("server memory%s: RSS %.1f MiB now, peak (VmHWM) %.1f MiB\n", srv.note(false), rss, peak)
	}
	if cpuOK && delivered > 0 {
		used := cpu1 - cpu0
		fmt.Printf("server CPU%s: %s over %s (%.0f%% of one core), %s per notification\n", srv.note(true), used.Round(10*time.Millisecond),
			span.Round(time.Millisecond), 100*used.Seconds()/span.Seconds(), (used / time.Duration(delivered)).Round(time.Microsecond))
		if pg != nil {
			if pgUsed, err := pg.used(ctx); err == nil {
				fmt.Printf("PostgreSQL CPU (this database's backends and the WAL writer): %s (%.0f%% of one core), %s per notification; server and PostgreSQL together %s per notification\n",
					pgUsed.Round(10*time.Millisecond), 100*pgUsed.Seconds()/span.Seconds(), (pgUsed / time.Duration(delivered)).Round(time.Microsecond),
					((used + pgUsed) / time.Duration(delivered)).Round(time.Microsecond))
			}
		}
		if srv.pid != os.Getpid() {
			own := own1 - own0
			fmt.Printf("load generator CPU (clients and sink): %s (%.0f%% of one core), %s per notification\n", own.Round(10*time.Millisecond),
				100*own.Seconds()/span.Seconds(), (own / time.Duration(delivered)).Round(time.Microsecond))
		}
	}
	fmt.Printf("server goroutines: peak %.0f (sampled every 500ms), at the end %.0f; peak queue depth %.0f\n",
		smp.goroutines, smp.lastGoroutines, smp.queue)

	// The yardstick: the same number of posts from a plain Go loop.
	plain, err := plainLoop(ctx, sk, o.clients, max(expected, 1))
	if err != nil {
		return err
	}
	fmt.Printf("plain Go HTTP loop (%d goroutines, %d posts to the same sink): %.0f posts/s; Herald end to end is %.3f of it\n",
		o.clients, max(expected, 1), plain.rate, rate/plain.rate)
	if plain.cpu > 0 && o.notifiers == 1 {
		// Each notification costs requests API round trips and one webhook:
		// at the loop's CPU per round trip, HTTP alone caps the rate.
		perNotification := time.Duration((requests + 1) * float64(plain.cpu))
		fmt.Printf("HTTP alone: %s of CPU per round trip (client and server), so %.0f round trips a notification take %s: at most %.0f notifications/s on %d cores with no other work\n",
			plain.cpu.Round(time.Microsecond), requests+1, perNotification.Round(time.Microsecond),
			float64(runtime.NumCPU())*float64(time.Second)/float64(perNotification), runtime.NumCPU())
	}
	return nil
}

// yardstick is what the plain loop measured: posts per second, and the CPU
// of one post, both ends counted (0 when /proc is not there to tell).
type yardstick struct {
	rate float64
	cpu  time.Duration
}

// plainLoop posts n job-sized JSON bodies to the sink from c goroutines,
// with a client set up as Herald's webhook sender's is.
func plainLoop(ctx context.Context, sk *sink, c, n int) (yardstick, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: t, Timeout: 30 * time.Second}
	body := []byte(`{"id":1,"name":"bench 1","url":"http://127.0.0.1/#/jobs/playbook/1","created_by":"admin","started":"2026-11-25T10:00:00.000000Z","finished":"2026-11-25T10:00:01.000000Z","status":"successful","traceback":"","friendly_name":"Job","inventory":null,"project":"bench","playbook":"site.yml","limit":"","extra_vars":"{}","hosts":{}}`)
	before := sk.plain.Load()
	cpu0, cpuOK := processCPU(os.Getpid())
	start := time.Now()
	err := parallel(ctx, c, n, func(i int) error {
		req, _ := http.NewRequestWithContext(ctx, "POST", sk.url+"/plain", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("plain-%d", i))
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil
	})
	if err != nil {
		return yardstick{}, fmt.Errorf("plain loop: %w", err)
	}
	posts := sk.plain.Load() - before
	y := yardstick{rate: float64(posts) / time.Since(start).Seconds()}
	if cpu1, _ := processCPU(os.Getpid()); cpuOK && posts > 0 {
		y.cpu = (cpu1 - cpu0) / time.Duration(posts)
	}
	return y, nil
}

// note says when a figure is summed over several instances and, with
// limit, each instance's CPU limit.
func (s *server) note(limit bool) string {
	var notes []string
	if len(s.pids) > 1 {
		notes = append(notes, fmt.Sprintf("sum over %d instances", len(s.pids)))
	}
	if limit && s.cpuLimit > 0 {
		notes = append(notes, fmt.Sprintf("each instance limited to %g cores", s.cpuLimit))
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, ", ") + ")"
}
