package deliver

import (
	"math/rand/v2"
	"time"
)

// Policy says how often and how soon a transient failure is retried.
type Policy struct {
	MaxAttempts int           // attempts before a notification fails (5)
	Base        time.Duration // first backoff (30s), doubled after each attempt
	MaxBackoff  time.Duration // cap on one backoff (5m)
	// MaxRetryAfter caps how long a receiver's Retry-After may postpone a retry.
	MaxRetryAfter time.Duration
}

// DefaultPolicy is docs/api.md §0's: 5 attempts, 30 s doubling to at most 5 min.
var DefaultPolicy = Policy{MaxAttempts: 5, Base: 30 * time.Second, MaxBackoff: 5 * time.Minute, MaxRetryAfter: time.Hour}

// Backoff returns the wait after the given attempt (1 for the first) failed,
// with ±20 % jitter so that retries of one outage do not arrive together.
// A receiver's Retry-After is honoured when it asks for longer.
func (p Policy) Backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := p.Base
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	if retryAfter > d {
		d = min(retryAfter, p.maxRetryAfter())
	}
	return d
}

func (p Policy) maxRetryAfter() time.Duration {
	if p.MaxRetryAfter <= 0 {
		return time.Hour
	}
	return p.MaxRetryAfter
}
