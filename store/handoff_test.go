package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// taker records what the store hands it and has room for `room` notifications.
type taker struct {
	mu       sync.Mutex
	room     int
	reserved map[int64]int // notifier → places held
	returned int           // places given back
	taken    []*store.Claimed
}

func (k *taker) Reserve(n *herald.Notifier) bool {
	notifier := n.ID
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.room == 0 {
		return false
	}
	k.room--
	k.reserved[notifier]++
	return true
}

func (k *taker) Unreserve(notifier int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.room++
	k.reserved[notifier]--
	k.returned++
}

func (k *taker) Take(claimed []*store.Claimed) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, c := range claimed {
		if c.Via == nil || c.Via.ID != c.Notifier {
			panic("taken without its notifier")
		}
	}
	k.taken = append(k.taken, claimed...)
}

// A status change hands the engine what it has room for, leased to it and
// counted as the first attempt; the rest stays pending for claims; a failed
// write gives the places back.
func TestStatusChangeHandsNotificationsOver(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		k := &taker{room: 2, reserved: map[int64]int{}}
		st.SetTaker("engine-A", time.Minute, k)
		defer st.SetTaker("", 0, nil)

		j := queue(t, st, f, 3) // three notifications, room for two
		if len(k.taken) != 2 || k.reserved[f.notifier] != 2 {
			t.Fatalf("taken %d with %v reserved, want 2 of the notifier's", len(k.taken), k.reserved)
		}
		for _, c := range k.taken {
			if c.Attempts != 1 || c.JobID != j.ID || c.Subject == "" || c.JobStarted == nil {
				t.Errorf("taken %+v: want attempt 1 of job %d with its message and start", c.Notification, j.ID)
			}
		}
		// The taken rows are leased: a claim finds only the third.
		got, err := st.Claim(ctx, "engine-B", 10, time.Minute)
		if err != nil || len(got) != 1 {
			t.Fatalf("another claim got %d rows (%v), want the one not taken", len(got), err)
		}
		for _, c := range k.taken {
			if c.ID == got[0].ID {
				t.Fatalf("row %d both taken and claimed", c.ID)
			}
		}
		// The lease holder's outcome counts; the taken rows are finished.
		var outs []store.Outcome
		for _, c := range k.taken {
			outs = append(outs, store.Outcome{ID: c.ID, Owner: "engine-A", Status: herald.NotificationSuccessful, Sent: 1, At: time.Now()})
		}
		if err := st.Finish(ctx, outs); err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, n := range notificationsOf(t, st, j.ID) {
			if n.Status == herald.NotificationSuccessful {
				done++
			}
		}
		if done != 2 {
			t.Fatalf("%d notifications successful after the taker finished 2", done)
		}

		// A write that fails after reserving gives the place back.
		k.room = 1
		bad := func(j *herald.Job, tr herald.Trigger, ns []*herald.Notifier) []herald.NewNotification {
			return []herald.NewNotification{
				{Notifier: f.notifier, Type: "webhook", Subject: "good", Trigger: string(tr)},
				// Refused by SQLite's foreign key on the notifier, and by
				// PostgreSQL (which has none, migration 00031) for the NUL
				// byte, which its text cannot hold.
				{Notifier: 1 << 40, Type: "webhook", Subject: "no such notifier\x00", Trigger: string(tr)},
			}
		}
		j2 := f.launch(t, st)
		if _, err := updateJob(ctx, st, herald.KindJob, j2.ID, herald.JobUpdate{Status: herald.StatusRunning}, bad); err == nil {
			t.Fatal("a notification that cannot be stored was written")
		}
		if k.returned != 1 || k.room != 1 || k.reserved[f.notifier] != 2 || len(k.taken) != 2 {
			t.Fatalf("after a failed write: %d returned, room %d, reserved %v, taken %d; want the one place given back", k.returned, k.room, k.reserved, len(k.taken))
		}
	})
}
