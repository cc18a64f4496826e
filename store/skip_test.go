package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// Claim and NextDue leave out the notifiers the engine says are at their cap.
func TestClaimSkipsNotifiers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		other, err := st.CreateNotifier(ctx, &herald.Notifier{Name: "other", Organization: &f.org, Type: "webhook", Config: map[string]any{"url": "http://127.0.0.1:9/"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Attach(ctx, herald.Attachment{ObjectType: "job_template", ObjectID: f.template, Trigger: herald.TriggerStarted, Notifier: other.ID}); err != nil {
			t.Fatal(err)
		}
		queue(t, st, f, 3) // 3 notifications for each of the two notifiers

		if due, err := st.NextDue(ctx, f.notifier, other.ID); err != nil || due != nil {
			t.Fatalf("NextDue skipping both = %v, %v; want none", due, err)
		}
		if due, err := st.NextDue(ctx, f.notifier); err != nil || due == nil {
			t.Fatalf("NextDue skipping one = %v, %v; want a time", due, err)
		}
		got, err := st.Claim(ctx, "A", 10, time.Minute, f.notifier)
		if err != nil || len(got) != 3 {
			t.Fatalf("claimed %d rows (%v), want the other notifier's 3", len(got), err)
		}
		for _, c := range got {
			if c.Notifier != other.ID {
				t.Errorf("claimed a row of skipped notifier %d", c.Notifier)
			}
		}
		if got, err := st.Claim(ctx, "A", 10, time.Minute); err != nil || len(got) != 3 {
			t.Fatalf("claimed %d rows without skip (%v), want the remaining 3", len(got), err)
		}
	})
}

// A notifier at its cap may hold a backlog older than everything else due
// (a receiver that hangs): Claim and NextDue still find the other
// notifiers' rows behind it.
func TestClaimReachesPastCappedBacklog(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		queue(t, st, f, 1500) // the capped notifier's backlog, due first
		other, err := st.CreateNotifier(ctx, &herald.Notifier{Name: "other", Organization: &f.org, Type: "webhook", Config: map[string]any{"url": "http://127.0.0.1:9/"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Attach(ctx, herald.Attachment{ObjectType: "job_template", ObjectID: f.template, Trigger: herald.TriggerStarted, Notifier: other.ID}); err != nil {
			t.Fatal(err)
		}
		queue(t, st, f, 3) // 3 more for each notifier

		if due, err := st.NextDue(ctx, f.notifier); err != nil || due == nil {
			t.Fatalf("NextDue skipping the backlog = %v, %v; want the other notifier's", due, err)
		}
		got, err := st.Claim(ctx, "A", 2, time.Minute, f.notifier)
		if err != nil || len(got) != 2 {
			t.Fatalf("claimed %d rows (%v), want 2 of the other notifier's", len(got), err)
		}
		got2, err := st.Claim(ctx, "A", 10, time.Minute, f.notifier)
		if err != nil || len(got2) != 1 {
			t.Fatalf("claimed %d rows (%v), want the other notifier's last one", len(got2), err)
		}
		for _, c := range append(got, got2...) {
			if c.Notifier != other.ID {
				t.Errorf("claimed a row of skipped notifier %d", c.Notifier)
			}
		}
		if due, err := st.NextDue(ctx, f.notifier); err != nil || due == nil || due.Before(time.Now()) {
			t.Fatalf("NextDue with the other notifier's rows leased = %v, %v; want their lease expiry", due, err)
		}
		if got, err := st.Claim(ctx, "A", 10, time.Minute, f.notifier); err != nil || len(got) != 0 {
			t.Fatalf("claimed %d rows (%v) with only skipped ones due, want none", len(got), err)
		}
	})
}
