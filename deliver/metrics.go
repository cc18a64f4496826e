package deliver

import (
	"context"
	"slices"
	"time"

	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus metrics. Labels are the notifier type
// and the error class only: never a notifier, job or destination.
type Metrics struct {
	sent     *prometheus.CounterVec
	failed   *prometheus.CounterVec
	retried  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// FailReasons are the values of herald_notifications_failed_total's reason
// label: the final classes of a failure, and attempts used up.
var FailReasons = []string{notify.ClassPermanent.String(), notify.ClassRefused.String(), "exhausted"}

// AttemptBuckets are the attempt histogram's upper bounds for an attempt
// timeout: none past it, so that no quantile is read past the cap (buckets
// up to 65 s made a p99 of 62 s out of attempts capped at 30 s). An attempt
// cut at the timeout counts in the last bucket or just past it.
func AttemptBuckets(timeout time.Duration) []float64 {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	limit := timeout.Seconds()
	var out []float64
	for _, b := range []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600} {
		if b < limit*0.95 { // no bucket a hair below the last
			out = append(out, b)
		}
	}
	return append(out, limit)
}

// NewMetrics registers the engine's metrics, and the queue gauges read from
// st on scrape. Every counter starts at 0 for each of types (and reason), so
// that rate() and absent() see the series from the first scrape, not from
// the first event after a restart.
func NewMetrics(reg prometheus.Registerer, st *store.Store, types []string, attemptTimeout time.Duration) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notifications_sent_total",
			Help: "Notifications delivered, by notifier type."}, []string{"type"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notifications_failed_total",
			Help: "Notifications that failed for good, by notifier type and reason (permanent, refused, exhausted)."}, []string{"type", "reason"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notification_retries_total",
			Help: "Attempts that failed transiently and were rescheduled, by notifier type."}, []string{"type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "herald_attempt_duration_seconds",
			Help: "Duration of one delivery attempt, by notifier type.", Buckets: AttemptBuckets(attemptTimeout)}, []string{"type"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "herald_attempts_in_flight", Help: "Delivery attempts under way in this instance."}),
	}
	for _, typ := range types {
		m.sent.WithLabelValues(typ)
		m.retried.WithLabelValues(typ)
		m.latency.WithLabelValues(typ)
		for _, reason := range FailReasons {
			m.failed.WithLabelValues(typ, reason)
		}
	}
	reg.MustRegister(m.sent, m.failed, m.retried, m.latency, m.inFlight, queueCollector{st: st,
		depth:  prometheus.NewDesc("herald_queue_depth", "Notifications pending delivery (all instances).", nil, nil),
		oldest: prometheus.NewDesc("herald_oldest_pending_age_seconds", "Age of the oldest pending notification.", nil, nil),
	}, circuitCollector{st: st, types: types,
		open: prometheus.NewDesc("herald_notifier_circuit_open", "Notifiers whose circuit breaker is open or half-open (all instances), by notifier type.", []string{"type"}, nil),
	})
	return m
}

// circuitCollector reads the open circuits from the store, once per scrape.
type circuitCollector struct {
	st    *store.Store
	types []string
	open  *prometheus.Desc
}

func (c circuitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open }

func (c circuitCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	open, err := c.st.OpenCircuits(ctx)
	if err != nil {
		return
	}
	for _, t := range c.types {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open[t]), t)
	}
	for t, n := range open {
		if !slices.Contains(c.types, t) {
			ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(n), t)
		}
	}
}

// queueCollector reads the queue gauges from the store, once per scrape.
type queueCollector struct {
	st            *store.Store
	depth, oldest *prometheus.Desc
}

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.oldest }

// Collect leaves both gauges out when the store cannot answer: no figure
// is better than a wrong zero.
func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := c.st.Stats(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if s.OldestCreate != nil {
		age = time.Since(*s.OldestCreate).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Pending))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}

// The helpers below let a nil *Metrics count nothing.

func (m *Metrics) sentFor(typ string) interface{ Inc() } {
	if m == nil {
		return nil
	}
	return m.sent.WithLabelValues(typ)
}

func (m *Metrics) failedFor(typ, reason string) interface{ Inc() } {
	if m == nil {
		return nil
	}
	return m.failed.WithLabelValues(typ, reason)
}

func (m *Metrics) retriedFor(typ string) interface{ Inc() } {
	if m == nil {
		return nil
	}
	return m.retried.WithLabelValues(typ)
}
