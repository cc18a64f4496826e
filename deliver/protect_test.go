package deliver

import (
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

func TestBreakerOpensAfterFailuresInARowAndDoublesItsCooldown(t *testing.T) {
	b := DefaultBreaker
	st := herald.DeliveryState{Circuit: herald.CircuitClosed}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i := 1; i < 5; i++ {
		b.step(&st, false, at)
		if st.Circuit != herald.CircuitClosed || st.ConsecutiveFailures != i {
			t.Fatalf("after %d failures: %+v, want closed", i, st)
		}
	}
	// A success in between starts the count over.
	b.step(&st, true, at)
	if st.ConsecutiveFailures != 0 {
		t.Fatalf("a success left %d failures", st.ConsecutiveFailures)
	}
	for range 5 {
		b.step(&st, false, at)
	}
	if st.Circuit != herald.CircuitOpen || !st.OpenUntil.Equal(at.Add(30*time.Second)) || !st.Since.Equal(at) {
		t.Fatalf("after 5 failures in a row: %+v, want open for 30s", st)
	}
	// Each failed probe opens it for twice as long, up to 10 minutes.
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute} {
		st.Circuit = herald.CircuitHalfOpen
		b.step(&st, false, at)
		if st.Circuit != herald.CircuitOpen || st.OpenUntil.Sub(at) != want {
			t.Fatalf("after a failed probe: %+v, want open for %s", st, want)
		}
	}
	st.Circuit = herald.CircuitHalfOpen
	if !b.step(&st, true, at) || st.Circuit != herald.CircuitClosed || st.Opened != 0 || st.OpenUntil != nil {
		t.Fatalf("after a successful probe: %+v, want closed and the cool-down back at its start", st)
	}
	if b.step(&st, true, at) {
		t.Error("a success on a closed circuit without failures changed it")
	}
}

func TestRateOfSlackDefaultsToOnePerSecond(t *testing.T) {
	half := 0.5
	for _, tt := range []struct {
		n    herald.Notifier
		want float64
	}{
		{herald.Notifier{Type: "slack"}, 1},
		{herald.Notifier{Type: "slack", RateLimit: &half}, 0.5},
		{herald.Notifier{Type: "webhook"}, 0},
		{herald.Notifier{Type: "webhook", RateLimit: &half}, 0.5},
	} {
		if got := rateOf(&tt.n); got != tt.want {
			t.Errorf("rateOf(%s, %v) = %v, want %v", tt.n.Type, tt.n.RateLimit, got, tt.want)
		}
	}
	e := New(Config{})
	n := &herald.Notifier{Object: herald.Object{ID: 7}, Type: "slack"}
	now := time.Now()
	if _, ok := e.admit(n, now); !ok {
		t.Fatal("first delivery of a Slack notifier held back")
	}
	if at, ok := e.admit(n, now.Add(100*time.Millisecond)); ok || !at.Equal(now.Add(time.Second)) {
		t.Errorf("second delivery within the second: admitted %v, turn at %v; want held until a second after the first", ok, at)
	}
	if _, ok := e.admit(n, now.Add(time.Second)); !ok {
		t.Error("delivery a second later held back")
	}
}
