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
			Help: "Notifications that failed for good, by notifier type and reason (permanent, exhausted)."}, []string{"type", "reason"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_notification_retries_total",
			Help: "Attempts that failed transiently and were rescheduled, by notifier type."}, []string{"type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "herald_attempt_duration_seconds",
			Help: "Duration of one delivery attempt, by notifier type.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"type"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "herald_attempts_in_flight", Help: "Delivery attempts under way in this instance."}),
	}
	stats := func() store.QueueStats {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, _ := st.Stats(ctx)
		return s
	}
	reg.MustRegister(m.sent, m.failed, m.retried, m.latency, m.inFlight,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "herald_queue_depth", Help: "Notifications pending delivery (all instances)."},
			func() float64 { return float64(stats().Pending) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "herald_oldest_pending_age_seconds", Help: "Age of the oldest pending notification."},
			func() float64 {
				if s := stats(); s.OldestCreate != nil {
					return time.Since(*s.OldestCreate).Seconds()
				}
				return 0
			}),
	)
	return m
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
