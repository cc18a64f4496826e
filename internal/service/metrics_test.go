package service_test

// Tests of GET /metrics on a real server, read with Prometheus' own parser
// of the text format (docs/api.md §8).

import (
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/notify/registry"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, s *heraldtest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	r := s.Do("GET", "/metrics", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", r.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// series finds the sample of family name whose labels are exactly want.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	for _, m := range fams[name].GetMetric() {
		got := labels(m)
		if len(got) != len(want) {
			continue
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}

func typeNames() []string {
	var names []string
	for name := range registry.Types() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func TestMetricsBuildInfo(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	fams := scrape(t, s)
	ms := fams["herald_build_info"].GetMetric()
	if len(ms) != 1 {
		t.Fatalf("herald_build_info: %d series, want 1", len(ms))
	}
	l := labels(ms[0])
	if ms[0].GetGauge().GetValue() != 1 || l["version"] != herald.Version || l["goversion"] != runtime.Version() || l["revision"] == "" {
		t.Fatalf("herald_build_info = %v %v, want 1 with version %s, goversion %s and a revision", l, ms[0].GetGauge().GetValue(), herald.Version, runtime.Version())
	}
}

// TestMetricsPresentFromTheStart: a fresh server, no notification yet, has
// every counter at 0 for every type (and reason).
func TestMetricsPresentFromTheStart(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	fams := scrape(t, s)
	for _, typ := range typeNames() {
		for _, name := range []string{"herald_notifications_sent_total", "herald_notification_retries_total"} {
			m := series(fams, name, map[string]string{"type": typ})
			if m == nil || m.GetCounter().GetValue() != 0 {
				t.Errorf("%s{type=%q} = %v, want present at 0", name, typ, m)
			}
		}
		for _, reason := range deliver.FailReasons {
			m := series(fams, "herald_notifications_failed_total", map[string]string{"type": typ, "reason": reason})
			if m == nil || m.GetCounter().GetValue() != 0 {
				t.Errorf("herald_notifications_failed_total{type=%q,reason=%q} = %v, want present at 0", typ, reason, m)
			}
		}
		if m := series(fams, "herald_attempt_duration_seconds", map[string]string{"type": typ}); m == nil || m.GetHistogram().GetSampleCount() != 0 {
			t.Errorf("herald_attempt_duration_seconds{type=%q} = %v, want present and empty", typ, m)
		}
	}
}

// TestMetricsBucketsFitTheAttemptTimeout: no bucket past the attempt timeout,
// the last one at it, so no quantile is read past the cap.
func TestMetricsBucketsFitTheAttemptTimeout(t *testing.T) {
	for _, timeout := range []time.Duration{30 * time.Second, 5 * time.Second, 1500 * time.Millisecond} {
		s := heraldtest.Start(t, heraldtest.Options{Delivery: deliver.Config{AttemptTimeout: timeout}})
		m := series(scrape(t, s), "herald_attempt_duration_seconds", map[string]string{"type": "webhook"})
		if m == nil {
			t.Fatal("no herald_attempt_duration_seconds{type=webhook}")
		}
		last := 0.0
		for _, b := range m.GetHistogram().GetBucket() {
			if ub := b.GetUpperBound(); !math.IsInf(ub, 1) {
				last = max(last, ub)
			}
		}
		if last != timeout.Seconds() {
			t.Errorf("attempt timeout %s: last finite bucket %gs, want %gs", timeout, last, timeout.Seconds())
		}
	}
}

// lockedBuffer collects the service's log from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFailuresCountedAndLoggedAtWarn: a receiver that always fails uses up
// the attempts; the failure counts under its reason and every failed attempt
// is a WARN line.
func TestFailuresCountedAndLoggedAtWarn(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer receiver.Close()
	var log lockedBuffer
	s := heraldtest.Start(t, heraldtest.Options{Log: &log})
	hook := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "down", "notification_type": "webhook", "notification_configuration": map[string]any{"url": receiver.URL},
	}))
	note := heraldtest.ID(s.Must(http.StatusAccepted, "POST", "/api/v1/notifiers/"+itoa(hook)+"/test/", nil))
	if n := s.WaitNotification(note, 30*time.Second); n["status"] != "failed" {
		t.Fatalf("notification %v, want failed", n)
	}
	fams := scrape(t, s)
	if m := series(fams, "herald_notifications_failed_total", map[string]string{"type": "webhook", "reason": "exhausted"}); m.GetCounter().GetValue() != 1 {
		t.Errorf("failed_total{webhook,exhausted} = %v, want 1", m)
	}
	if m := series(fams, "herald_notification_retries_total", map[string]string{"type": "webhook"}); m.GetCounter().GetValue() < 1 {
		t.Errorf("retries_total{webhook} = %v, want at least 1", m)
	}
	var warns int
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, `msg="notification attempt failed"`) {
			if !strings.Contains(line, "level=WARN") {
				t.Errorf("a failed attempt logged below WARN: %s", line)
			}
			warns++
		}
	}
	if warns == 0 {
		t.Fatalf("no failed attempt in the log:\n%s", log.String())
	}
}
