package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// Reports racing on one job: each is checked against the job as stored when
// it commits, not as read before, so the move happens once, fires once, and
// a details-only report is not overwritten by a stale copy.
func TestConcurrentReportsOnOneJob(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		j := f.launch(t, st)
		if _, err := updateJob(ctx, st, herald.KindJob, j.ID, herald.JobUpdate{Status: herald.StatusRunning}, renderN(1)); err != nil {
			t.Fatal(err)
		}
		traceback := "stats arrived"
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := herald.JobUpdate{Status: herald.StatusSuccessful}
				if i == 0 {
					u = herald.JobUpdate{ResultTraceback: &traceback}
				}
				_, errs[i] = updateJob(ctx, st, herald.KindJob, j.ID, u, renderN(1))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("report %d: %v", i, err)
			}
		}
		success := 0
		for _, n := range notificationsOf(t, st, j.ID) {
			if n.Trigger == "success" {
				success++
			}
		}
		if success != 1 {
			t.Errorf("%d success notifications, want 1", success)
		}
		got, err := st.GetJob(ctx, herald.KindJob, j.ID)
		if err != nil || got.Status != herald.StatusSuccessful || got.ResultTraceback != traceback {
			t.Fatalf("job = %+v, %v; want successful with the traceback kept", got, err)
		}
	})
}
