package deliver

import (
	"context"
	"time"

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

// NewMetrics registers the engine's metrics, and the queue gauges read from st on scrape.
func NewMetrics(reg prometheus.Registerer, st *store.Store) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notifications_sent_total",
			Help: "Notifications delivered, by notifier type."}, []string{"type"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notifications_failed_total",
			Help: "Notifications that failed for good, by notifier type and reason (permanent, refused, exhausted)."}, []string{"type", "reason"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notification_retries_total",
			Help: "Attempts that failed transiently and were rescheduled, by notifier type."}, []string{"type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "herald_attempt_duration_seconds",
			Help: "Duration of one delivery attempt, by notifier type.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"type"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "herald_attempts_in_flight", Help: "Delivery attempts under way in this instance."}),
	}
	reg.MustRegister(m.sent, m.failed, m.retried, m.latency, m.inFlight, queueCollector{st: st,
		depth:  prometheus.NewDesc("herald_queue_depth", "Notifications pending delivery (all instances).", nil, nil),
		oldest: prometheus.NewDesc("herald_oldest_pending_age_seconds", "Age of the oldest pending notification.", nil, nil),
	})
	return m
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
