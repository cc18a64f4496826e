package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// sink receives the webhooks. /hook records when each Idempotency-Key first
// arrived, how often, and the job id in the body; /plain only counts (the
// yardstick loop); /down answers 503 (a receiver that is down).
type sink struct {
	url string
	srv *http.Server

	mu    sync.Mutex
	first map[string]arrival
	count map[string]int

	hooks, plain atomic.Int64
}

type arrival struct {
	job int64
	at  time.Time
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{url: "http://" + ln.Addr().String(), first: map[string]arrival{}, count: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", s.hook)
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.plain.Add(1)
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *sink) hook(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	job := leadingID(data)
	if job == 0 {
		var body idOnly
		json.Unmarshal(data, &body)
		job = body.ID
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	if s.count[key] == 0 {
		s.first[key] = arrival{job: job, at: now}
	}
	s.count[key]++
	s.mu.Unlock()
	s.hooks.Add(1)
}

// distinct returns how many keys arrived.
func (s *sink) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.first)
}

// snapshot returns each key's first arrival and the repeats.
func (s *sink) snapshot() (map[string]arrival, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := make(map[string]arrival, len(s.first))
	repeats := 0
	for k, a := range s.first {
		first[k] = a
		repeats += s.count[k] - 1
	}
	return first, repeats
}
