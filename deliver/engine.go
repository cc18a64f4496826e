// Package deliver sends the notifications the store has queued: it takes
// fresh ones from status changes as they commit (store.Taker) and claims due
// rows with a lease, sends each through its type's Sender with a timeout,
// records the attempt, and retries transient failures with backoff. A fixed
// pool bounds the attempts in flight, and a cap per notifier keeps one slow
// receiver from taking them all.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/store"
)

// Opener decrypts notifier secrets.
type Opener interface {
	Decrypt(sealed string) (string, error)
}

// Config is the engine's configuration.
type Config struct {
	Store   *store.Store
	Types   map[string]*notify.Spec
	Env     notify.Env
	Secrets Opener
	Owner   string // this instance's id: who holds a lease
	Logger  *slog.Logger
	Metrics *Metrics // nil: none

	Workers         int           // attempts in flight at once (32)
	PerNotifier     int           // attempts in flight for one notifier (Workers/4)
	Policy          Policy        // retries
	AttemptTimeout  time.Duration // cap on one attempt (30s)
	Lease           time.Duration // how long a claim lasts (2m); must exceed AttemptTimeout
	Poll            time.Duration // fallback poll when nothing wakes the engine (1s)
	ShutdownTimeout time.Duration // how long a stop waits for attempts in flight (30s)

	Breaker          Breaker       // each notifier's circuit breaker (DefaultBreaker)
	AttemptRetention time.Duration // how long the attempt log keeps an attempt (720h)
	PruneEvery       time.Duration // how often old attempts are pruned (1m)
}

// Engine delivers notifications until its context ends.
type Engine struct {
	cfg     Config
	st      *store.Store
	log     *slog.Logger
	senders map[string]notify.Sender
	slots   chan struct{}
	results chan store.Outcome

	mu          sync.Mutex
	perNotifier map[int64]int
	freed       chan struct{}   // a notifier at its cap got a slot back
	taking      bool            // Run takes fresh notifications from the store
	sendCtx     context.Context // what attempts run under: outlives Run's ctx by the shutdown timeout

	running atomic.Bool // Run is claiming

	buckets      map[int64]*bucket              // rate limits and 429s, by notifier
	circuits     map[int64]herald.DeliveryState // circuits not closed, as last read
	circuitsRead time.Time
}

// Running reports whether the engine is claiming notifications (readiness).
func (e *Engine) Running() bool { return e.running.Load() }

// New returns an engine; cfg's zero values take the defaults.
func New(cfg Config) *Engine {
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.PerNotifier <= 0 {
		cfg.PerNotifier = max(1, cfg.Workers/4)
	}
	if cfg.Policy.MaxAttempts <= 0 {
		cfg.Policy = DefaultPolicy
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 30 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.Breaker.Threshold <= 0 {
		cfg.Breaker = DefaultBreaker
	}
	if cfg.AttemptRetention <= 0 {
		cfg.AttemptRetention = 720 * time.Hour
	}
	if cfg.PruneEvery <= 0 {
		cfg.PruneEvery = min(time.Minute, max(cfg.AttemptRetention/2, time.Second))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		cfg: cfg, st: cfg.Store, log: cfg.Logger,
		senders:     map[string]notify.Sender{},
		slots:       make(chan struct{}, cfg.Workers),
		results:     make(chan store.Outcome, cfg.Workers*4),
		perNotifier: map[int64]int{},
		freed:       make(chan struct{}, 1),
		buckets:     map[int64]*bucket{},
		circuits:    map[int64]herald.DeliveryState{},
	}
	if cfg.Store != nil {
		cfg.Store.SetCircuitRule(cfg.Breaker.step)
	}
	for name, spec := range cfg.Types {
		e.senders[name] = spec.New(cfg.Env)
	}
	return e
}

// maxBatch caps one claim so that a backlog is taken in bites.
const maxBatch = 128

// Run claims and sends until ctx ends; then it stops claiming, gives attempts
// in flight up to ShutdownTimeout to finish, records them, and returns.
func (e *Engine) Run(ctx context.Context) error {
	e.running.Store(true)
	defer e.running.Store(false)
	// Attempts outlive ctx by up to ShutdownTimeout.
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	writerDone := make(chan struct{})
	go func() { e.writeResults(); close(writerDone) }()
	go e.prune(ctx)
	e.refreshCircuits(ctx, true)
	e.mu.Lock()
	e.taking, e.sendCtx = true, sendCtx
	e.mu.Unlock()
	e.st.SetTaker(e.cfg.Owner, e.cfg.Lease, e)

	wake := e.st.Wake()
	poll := time.NewTimer(0)
	defer poll.Stop()
	for ctx.Err() == nil {
		// Wait for one free slot, then take as many as are free.
		select {
		case e.slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		n := 1
		for n < maxBatch && tryAcquire(e.slots) {
			n++
		}
		e.refreshCircuits(ctx, false)
		claimed, err := e.st.Claim(ctx, e.cfg.Owner, n, e.cfg.Lease, e.full()...)
		if err != nil && ctx.Err() == nil {
			e.log.Error("claim notifications", "err", err)
		}
		for range n - len(claimed) {
			<-e.slots
		}
		e.start(claimed)
		if len(claimed) == n {
			continue // more may be due: claim again as slots free up
		}
		e.resetPoll(ctx, poll)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-e.freed:
		case <-poll.C:
		}
	}

	e.st.SetTaker("", 0, nil)
	e.mu.Lock()
	e.taking = false
	e.mu.Unlock()
	// Every slot back means every attempt is over and its outcome queued,
	// places reserved by status changes still committing included.
	held := 0
	acquireAll := func(timeout <-chan time.Time) bool {
		for ; held < cap(e.slots); held++ {
			select {
			case e.slots <- struct{}{}:
			case <-timeout:
				return false
			}
		}
		return true
	}
	if !acquireAll(time.After(e.cfg.ShutdownTimeout)) {
		e.log.Warn("shutdown timeout: cancelling attempts in flight")
		cancelSends()
		acquireAll(nil)
	}
	close(e.results)
	<-writerDone
	for range held {
		<-e.slots
	}
	return nil
}

// resetPoll arms the poll timer for the next due row, or the fallback poll.
func (e *Engine) resetPoll(ctx context.Context, t *time.Timer) {
	d := e.cfg.Poll
	if due, err := e.st.NextDue(ctx, e.full()...); err == nil && due != nil {
		d = min(d, max(time.Until(*due), time.Millisecond))
	}
	if next := e.nextTurn(time.Now()); !next.IsZero() {
		d = min(d, max(time.Until(next), time.Millisecond))
	}
	t.Reset(d)
}

func tryAcquire(slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// start sends each claimed notification in its own goroutine; each holds a slot.
func (e *Engine) start(claimed []*store.Claimed) {
	if len(claimed) == 0 {
		return
	}
	claimed, held, limited := e.gate(e.sendCtx, claimed)
	for range held {
		<-e.slots
	}
	if err := e.st.Hold(e.sendCtx, e.cfg.Owner, held, limited); err != nil {
		e.log.Error("hold notifications back", "err", err)
	}
	var busy []int64
	for _, c := range claimed {
		n := c.Via
		if n != nil && !e.reserve(n.ID) {
			busy = append(busy, c.ID)
			<-e.slots
			continue
		}
		e.send1(c, n)
	}
	// A notifier at its cap: hand its rows back for a moment instead of
	// letting a slow receiver hold workers that others could use.
	if err := e.st.Release(e.sendCtx, e.cfg.Owner, busy, 200*time.Millisecond); err != nil {
		e.log.Error("release notifications", "err", err)
	}
}

// send1 attempts one notification in its own goroutine, which holds a slot
// and, for a notifier that exists, one of the notifier's places.
func (e *Engine) send1(c *store.Claimed, n *herald.Notifier) {
	go func() {
		// The slot is freed once the outcome is handed to the writer, not
		// once it is recorded: waiting for the single SQLite writer there
		// made claiming stall behind API writes (p50 latency 26ms → 930ms
		// under heraldbench). A crash may so resend, besides the attempts
		// in flight, the outcomes still queued for the writer.
		defer func() { <-e.slots }()
		if n != nil {
			defer e.unreserve(n.ID)
		}
		e.results <- e.attempt(e.sendCtx, c, n)
	}()
}

// Reserve holds a slot and a place of notifier's for a notification a status
// change is writing (store.Taker), if both are free now.
func (e *Engine) Reserve(n *herald.Notifier) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	notifier := n.ID
	if !e.taking || e.perNotifier[notifier] >= e.cfg.PerNotifier {
		return false
	}
	if _, open := e.circuits[notifier]; open {
		return false // claims decide: a probe, or back after the cool-down
	}
	now := time.Now()
	if b := e.bucketFor(n); b != nil && b.next.After(now) {
		return false
	}
	if !tryAcquire(e.slots) {
		return false
	}
	e.admit(n, now)
	e.perNotifier[notifier]++
	return true
}

// Unreserve gives back what Reserve held: the write failed.
func (e *Engine) Unreserve(notifier int64) {
	e.unreserve(notifier)
	<-e.slots
}

// Take sends the notifications reserved for, now committed, leased to us.
func (e *Engine) Take(claimed []*store.Claimed) {
	for _, c := range claimed {
		e.send1(c, c.Via)
	}
}

// full lists the notifiers whose rows claims leave alone: those whose
// deliveries in flight are at their cap, and those held back.
func (e *Engine) full() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.heldBack(time.Now())
	for id, n := range e.perNotifier {
		if n >= e.cfg.PerNotifier {
			out = append(out, id)
		}
	}
	return out
}

func (e *Engine) reserve(notifier int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.perNotifier[notifier] >= e.cfg.PerNotifier {
		return false
	}
	e.perNotifier[notifier]++
	return true
}

func (e *Engine) unreserve(notifier int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.perNotifier[notifier] == e.cfg.PerNotifier {
		// Its rows were left out of claims: claim again now, not at the next poll.
		select {
		case e.freed <- struct{}{}:
		default:
		}
	}
	if e.perNotifier[notifier]--; e.perNotifier[notifier] <= 0 {
		delete(e.perNotifier, notifier)
	}
}

// attempt sends one notification and says what to record.
func (e *Engine) attempt(ctx context.Context, c *store.Claimed, n *herald.Notifier) store.Outcome {
	out := store.Outcome{ID: c.ID, Owner: e.cfg.Owner, Delivered: c.Delivered, Notifier: c.Notifier}
	typ := c.NotificationType
	if e.cfg.Metrics != nil {
		e.cfg.Metrics.inFlight.Inc()
		defer e.cfg.Metrics.inFlight.Dec()
	}
	start := time.Now()
	res, secrets, err := e.send(ctx, c, n)
	out.At = time.Now().UTC()
	took := time.Since(start)
	if e.cfg.Metrics != nil {
		e.cfg.Metrics.latency.WithLabelValues(typ).Observe(took.Seconds())
	}
	out.Sent = res.Sent
	for _, d := range res.Done {
		if !slices.Contains(out.Delivered, d) {
			out.Delivered = append(out.Delivered, d)
		}
	}
	answer := notify.AnswerOf(res, err)
	reached := res.Done
	if len(reached) == 0 && res.Sent > 0 {
		reached = []string{c.Recipients} // a type with one destination (a webhook's URL) names none
	}
	out.Log = &herald.Attempt{
		Number: c.AttemptBase + c.Attempts, Started: start.UTC(), Duration: took.Seconds(), Outcome: herald.OutcomeSuccessful,
		Response: redact(string(answer.Body), secrets), Destinations: reached, Instance: e.cfg.Owner,
	}
	if answer.Code != 0 {
		out.Log.StatusCode = &answer.Code
	}
	if err == nil {
		out.Status = herald.NotificationSuccessful
		out.Circuit = 1
		e.count(e.cfg.Metrics.sentFor(typ))
		return out
	}
	out.Error = scrub(err.Error(), secrets)
	out.Log.Error = redact(out.Error, nil)
	class, retryAfter := notify.Classify(err)
	out.Log.Outcome = outcomeOf(class)
	if ctx.Err() != nil {
		// The shutdown timeout cut the attempt short: the receiver never
		// answered, so this is no failure of theirs. Hand the row back due at
		// once (docs/api.md §0) instead of backing off, or failing it when this
		// was its last attempt.
		out.Status = herald.NotificationPending
		out.Error = "attempt interrupted by shutdown: " + out.Error
		out.RetryAt = &out.At
		return out
	}
	if class == notify.ClassTransient {
		if answer.Code == http.StatusTooManyRequests {
			// The receiver asks the notifier to slow down: hold all of
			// its deliveries, not only this one; it is alive, so the
			// circuit does not count it.
			until := out.At.Add(max(retryAfter, time.Second))
			out.ThrottledUntil = &until
			if n != nil {
				e.throttle(n.ID, until)
			}
		} else {
			out.Circuit = -1
		}
	}
	switch {
	case class.Final():
		out.Status = herald.NotificationFailed
		e.count(e.cfg.Metrics.failedFor(typ, class.String()))
	case c.Attempts >= e.cfg.Policy.MaxAttempts:
		out.Status = herald.NotificationFailed
		out.Error = fmt.Sprintf("%s (gave up after %d attempts)", out.Error, c.Attempts)
		e.count(e.cfg.Metrics.failedFor(typ, "exhausted"))
	default:
		out.Status = herald.NotificationPending
		at := out.At.Add(e.cfg.Policy.Backoff(c.Attempts, retryAfter))
		out.RetryAt = &at
		e.count(e.cfg.Metrics.retriedFor(typ))
	}
	// A failure is an operator's business (a receiver down, a bad token):
	// WARN, so that it shows at the default level and above.
	e.log.Warn("notification attempt failed", "notification", c.ID, "type", typ, "attempt", c.Attempts, "status", out.Status, "err", out.Error)
	return out
}

func (e *Engine) count(c interface{ Inc() }) {
	if c != nil {
		c.Inc()
	}
}

// send prepares the configuration (secrets opened, types normalised) and sends.
// It also returns the secret values, so that no error text repeats one.
func (e *Engine) send(ctx context.Context, c *store.Claimed, n *herald.Notifier) (notify.Result, []string, error) {
	if n == nil {
		return notify.Result{}, nil, notify.Permanentf("notifier %d no longer exists", c.Notifier)
	}
	spec, sender := e.cfg.Types[n.Type], e.senders[n.Type]
	if spec == nil || sender == nil {
		return notify.Result{}, nil, notify.Permanentf("unknown notifier type %q", n.Type)
	}
	raw, secrets, err := notify.Open(spec, n.Config, e.cfg.Secrets)
	if err != nil {
		return notify.Result{}, nil, notify.Permanentf("%v", err)
	}
	cfg, problems := notify.Validate(spec, raw)
	secrets = append(secrets, configSecrets(cfg)...)
	if len(problems) > 0 {
		return notify.Result{}, secrets, notify.Permanentf("invalid configuration: %s", strings.Join(problems, " "))
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.AttemptTimeout)
	defer cancel()
	msg := notify.Message{
		NotificationID: c.ID, NotifierID: n.ID, Subject: c.Subject, Body: c.Body, Trigger: c.Trigger,
		JobKind: string(c.JobKind), JobID: c.JobID, Started: c.JobStarted, Finished: c.JobFinished, Done: c.Delivered,
	}
	res, err := safeSend(ctx, sender, cfg, msg)
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = notify.Transient(fmt.Errorf("attempt timed out after %s: %w", e.cfg.AttemptTimeout, err), 0)
	}
	return res, secrets, err
}

// safeSend turns a panicking sender into a permanent failure of this one
// notification instead of a crash of the service.
func safeSend(ctx context.Context, s notify.Sender, cfg notify.Config, msg notify.Message) (res notify.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = notify.Permanentf("sender panicked: %v", v)
		}
	}()
	return s.Send(ctx, cfg, msg)
}

// configSecrets returns the secrets a configuration holds outside its
// secret keys (docs/api.md §4): header values, and passwords in URLs.
func configSecrets(cfg notify.Config) []string {
	var out []string
	for k, v := range cfg {
		switch v := v.(type) {
		case string:
			if !strings.Contains(v, "@") {
				continue // no user-info: spare every attempt a parse
			}
			if u, err := url.Parse(v); err == nil && u.User != nil {
				if p, ok := u.User.Password(); ok {
					out = append(out, p)
				}
			}
		case map[string]string:
			if k == "headers" {
				for _, h := range v {
					out = append(out, h)
				}
			}
		}
	}
	return out
}

// outcomeOf names a failure's class as the attempt log does.
func outcomeOf(c notify.Class) string {
	switch c {
	case notify.ClassPermanent:
		return herald.OutcomePermanent
	case notify.ClassTransient:
		return herald.OutcomeTransient
	case notify.ClassRefused:
		return herald.OutcomeRefused
	}
	return c.String()
}

// userInfo matches the user-info of a URL in text.
var userInfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]+@`)

// redact hides what a receiver's answer may repeat of the notifier's
// secrets, and the user-info of any URL in it, then keeps valid UTF-8.
func redact(text string, secrets []string) string {
	text = userInfo.ReplaceAllString(scrub(text, secrets), "${1}$$encrypted$$@")
	if len(text) > notify.AnswerMax {
		text = text[:notify.AnswerMax]
	}
	return strings.ToValidUTF8(text, "")
}

// scrub hides secret values that an error text may quote.
func scrub(text string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, s, "$encrypted$")
		}
	}
	return text
}

// resultBatch caps how many outcomes one transaction records.
const resultBatch = 256

// writeResults records outcomes in batches: one transaction for many rows.
func (e *Engine) writeResults() {
	batch := make([]store.Outcome, 0, resultBatch)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		failures := slices.ContainsFunc(batch, func(o store.Outcome) bool { return o.Circuit < 0 })
		for try := 0; ; try++ {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := e.st.Finish(ctx, batch)
			if err == nil && failures {
				// A circuit may have opened: hold its notifier back from now on.
				e.refreshCircuits(ctx, true)
			}
			cancel()
			if err == nil {
				break
			}
			// The rows stay leased and will be retried when the lease ends;
			// keep trying a while so that a database blip costs no resend.
			e.log.Error("record delivery results", "rows", len(batch), "err", err)
			if try == 10 {
				break
			}
			time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
		}
		batch = batch[:0]
	}
	for o := range e.results {
		batch = append(batch, o)
		// Take whatever else is ready without waiting: under load batches
		// grow by themselves, and when idle a single result is written at once.
	more:
		for len(batch) < resultBatch {
			select {
			case o, ok := <-e.results:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		flush()
	}
	flush()
}
