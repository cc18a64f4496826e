package deliver

import (
	"context"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// Breaker is the circuit breaker each notifier has (docs/api.md §6): after
// Threshold transient failures in a row the circuit opens for Cooldown,
// doubled at each opening up to MaxCooldown; then one probe attempt goes
// out, and its success closes the circuit.
type Breaker struct {
	Threshold   int           // 5
	Cooldown    time.Duration // 30s
	MaxCooldown time.Duration // 10m
}

// DefaultBreaker is docs/api.md §6's.
var DefaultBreaker = Breaker{Threshold: 5, Cooldown: 30 * time.Second, MaxCooldown: 10 * time.Minute}

// step moves st on by one attempt's result; it is the store's CircuitRule.
func (b Breaker) step(st *herald.DeliveryState, success bool, at time.Time) bool {
	if success {
		if st.Circuit == herald.CircuitClosed && st.ConsecutiveFailures == 0 && st.Opened == 0 {
			return false
		}
		if st.Circuit != herald.CircuitClosed {
			st.Since = &at
		}
		st.Circuit, st.ConsecutiveFailures, st.Opened, st.OpenUntil = herald.CircuitClosed, 0, 0, nil
		return true
	}
	st.ConsecutiveFailures++
	if st.Circuit == herald.CircuitHalfOpen || (st.Circuit == herald.CircuitClosed && st.ConsecutiveFailures >= b.Threshold) {
		st.Opened++
		d := b.Cooldown
		for i := 1; i < st.Opened && d < b.MaxCooldown; i++ {
			d *= 2
		}
		until := at.Add(min(d, b.MaxCooldown))
		st.Circuit, st.Since, st.OpenUntil = herald.CircuitOpen, &at, &until
	}
	return true
}

// cooldown is how long the current opening of st lasts.
func (b Breaker) cooldown(st herald.DeliveryState) time.Duration {
	d := b.Cooldown
	for i := 1; i < st.Opened && d < b.MaxCooldown; i++ {
		d *= 2
	}
	return min(d, b.MaxCooldown)
}

// bucket spaces one notifier's deliveries: at most one per interval, and
// none before next (a receiver's 429 pushes next out).
type bucket struct {
	interval time.Duration
	next     time.Time
}

// slackChannelRate is Slack's documented limit for posting: about one
// message per second per channel. A Slack delivery posts once to each of
// its channels, so one delivery per second keeps every channel within it.
const slackChannelRate = 1.0

// rateOf returns a notifier's deliveries per second (0: no limit).
func rateOf(n *herald.Notifier) float64 {
	if n.RateLimit != nil {
		return *n.RateLimit
	}
	if n.Type == "slack" {
		return slackChannelRate
	}
	return 0
}

// bucketFor returns n's bucket, made or updated from its configuration;
// nil when nothing limits it. The caller holds e.mu.
func (e *Engine) bucketFor(n *herald.Notifier) *bucket {
	b := e.buckets[n.ID]
	var interval time.Duration
	if r := rateOf(n); r > 0 {
		interval = time.Duration(float64(time.Second) / r)
	}
	if b == nil {
		if interval == 0 {
			return nil
		}
		b = &bucket{}
		e.buckets[n.ID] = b
	}
	b.interval = interval
	return b
}

// admit says whether a delivery to n may go now, and takes its turn if so;
// otherwise when its turn comes. The caller holds e.mu.
func (e *Engine) admit(n *herald.Notifier, now time.Time) (time.Time, bool) {
	b := e.bucketFor(n)
	if b == nil || !b.next.After(now) {
		if b != nil {
			b.next = now.Add(b.interval)
		}
		return now, true
	}
	return b.next, false
}

// throttle holds a notifier's deliveries until until (its receiver's 429).
func (e *Engine) throttle(notifier int64, until time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.buckets[notifier]
	if b == nil {
		b = &bucket{}
		e.buckets[notifier] = b
	}
	if until.After(b.next) {
		b.next = until
	}
}

// heldBack lists the notifiers whose rows claims should leave alone now:
// circuits open or probing, rate limits and 429s not yet over. The caller
// holds e.mu.
func (e *Engine) heldBack(now time.Time) []int64 {
	var out []int64
	for id, st := range e.circuits {
		if st.OpenUntil != nil && st.OpenUntil.After(now) {
			out = append(out, id)
		}
	}
	for id, b := range e.buckets {
		if b.next.After(now) {
			out = append(out, id)
		} else if b.interval == 0 {
			delete(e.buckets, id) // a 429 that is over
		}
	}
	return out
}

// nextTurn is when the first held-back notifier may go again (zero: none).
func (e *Engine) nextTurn(now time.Time) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	var next time.Time
	for _, st := range e.circuits {
		if st.OpenUntil != nil && st.OpenUntil.After(now) && (next.IsZero() || st.OpenUntil.Before(next)) {
			next = *st.OpenUntil
		}
	}
	for _, b := range e.buckets {
		if b.next.After(now) && (next.IsZero() || b.next.Before(next)) {
			next = b.next
		}
	}
	return next
}

// circuitRefresh is how often the engine reads the circuits every instance shares.
const circuitRefresh = 500 * time.Millisecond

// refreshCircuits reads the circuits that are not closed, at most every circuitRefresh.
func (e *Engine) refreshCircuits(ctx context.Context, force bool) {
	now := time.Now()
	e.mu.Lock()
	due := force || now.Sub(e.circuitsRead) >= circuitRefresh
	e.mu.Unlock()
	if !due {
		return
	}
	held, err := e.st.HeldBack(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("read circuit breakers", "err", err)
		}
		return
	}
	e.mu.Lock()
	e.circuits, e.circuitsRead = held, now
	e.mu.Unlock()
}

// gate decides for each claimed row whether it may be attempted now. The
// others are handed back unattempted: a paused notifier's held, an open
// circuit's until its cool-down ends, a rate-limited one's until its turn.
func (e *Engine) gate(ctx context.Context, claimed []*store.Claimed) (ok []*store.Claimed, held []store.Held, limited map[int64]time.Time) {
	now := time.Now()
	turns := map[int64]int{} // rows of a limited notifier already put after its turn in this claim
	for _, c := range claimed {
		n := c.Via
		if n == nil {
			ok = append(ok, c)
			continue
		}
		if n.Paused {
			held = append(held, store.Held{ID: c.ID, Paused: true})
			continue
		}
		e.mu.Lock()
		st, open := e.circuits[n.ID]
		e.mu.Unlock()
		if open {
			probe := false
			if st.OpenUntil == nil || !st.OpenUntil.After(now) {
				var err error
				if probe, err = e.st.BeginProbe(ctx, n.ID, e.cfg.Lease); err != nil {
					e.log.Error("begin circuit probe", "notifier", n.ID, "err", err)
				}
			}
			if !probe {
				// Back when this opening's cool-down could be over; a probe
				// that closes the circuit makes it due at once.
				held = append(held, store.Held{ID: c.ID, At: now.Add(e.cfg.Breaker.cooldown(st))})
				continue
			}
			e.mu.Lock()
			until := now.Add(e.cfg.Lease)
			st.Circuit, st.OpenUntil = herald.CircuitHalfOpen, &until
			e.circuits[n.ID] = st
			e.mu.Unlock()
		}
		e.mu.Lock()
		at, now1 := e.admit(n, now)
		if !now1 {
			b := e.buckets[n.ID]
			at = at.Add(time.Duration(turns[n.ID]) * b.interval)
			turns[n.ID]++
		}
		e.mu.Unlock()
		if !now1 {
			held = append(held, store.Held{ID: c.ID, At: at})
			if limited == nil {
				limited = map[int64]time.Time{}
			}
			if at.After(limited[n.ID]) {
				limited[n.ID] = at
			}
			continue
		}
		ok = append(ok, c)
	}
	return ok, held, limited
}

// prune deletes attempt log rows older than the retention, in small
// batches with a pause between them, every PruneEvery until ctx ends.
func (e *Engine) prune(ctx context.Context) {
	const batch = 500
	t := time.NewTicker(e.cfg.PruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cutoff := time.Now().Add(-e.cfg.AttemptRetention)
		for ctx.Err() == nil {
			n, err := e.st.PruneAttempts(ctx, cutoff, batch)
			if err != nil {
				if ctx.Err() == nil {
					e.log.Error("prune the attempt log", "err", err)
				}
				break
			}
			if n < batch {
				break
			}
			select { // let the queue's writes go first
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}
