package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/store"
)

// backends are the databases every store test runs against.
var backends = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "herald.db") }},
	{"postgres", heraldtest.PostgresURL},
}

// eachBackend runs fn on a fresh store of every backend, in parallel.
func eachBackend(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, open(t, b.url(t)))
		})
	}
}

func open(t testing.TB, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func objType(name string) *herald.ObjectType { return herald.ObjectTypeByName(name) }

func create(t testing.TB, st *store.Store, typ string, values map[string]any) int64 {
	t.Helper()
	r, err := st.CreateObject(context.Background(), objType(typ), values)
	if err != nil {
		t.Fatalf("create %s %v: %v", typ, values, err)
	}
	return r["id"].(int64)
}

// fixture is a job template whose notifier fires on start and success.
type fixture struct{ org, project, template, notifier int64 }

func newFixture(t testing.TB, st *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	f.org = create(t, st, "organization", map[string]any{"name": "Ops"})
	f.project = create(t, st, "project", map[string]any{"name": "Infra", "organization": f.org})
	f.template = create(t, st, "job_template", map[string]any{"name": "Deploy", "project": f.project, "playbook": "site.yml"})
	n, err := st.CreateNotifier(ctx, &herald.Notifier{Name: "hook", Organization: &f.org, Type: "webhook", Config: map[string]any{"url": "http://127.0.0.1:9/"}})
	if err != nil {
		t.Fatal(err)
	}
	f.notifier = n.ID
	for _, tr := range []herald.Trigger{herald.TriggerStarted, herald.TriggerSuccess} {
		if err := st.Attach(ctx, herald.Attachment{ObjectType: "job_template", ObjectID: f.template, Trigger: tr, Notifier: n.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f fixture) launch(t testing.TB, st *store.Store) *herald.Job {
	t.Helper()
	j, _, err := st.Launch(context.Background(), herald.LaunchRequest{Kind: herald.KindJob, Template: f.template, CreatedBy: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// renderFunc builds the notifications of a job event, as the application layer plans them.
type renderFunc func(j *herald.Job, trigger herald.Trigger, notifiers []*herald.Notifier) []herald.NewNotification

// updateJob applies a status report through the store as the application
// layer does: read, apply, collect, render, save; again when the job changed.
func updateJob(ctx context.Context, st *store.Store, kind herald.JobKind, id int64, u herald.JobUpdate, render renderFunc) (*herald.Job, error) {
	for {
		before, gen, err := st.JobForReport(ctx, kind, id)
		if err != nil {
			return nil, err
		}
		j := *before
		moved, err := j.Apply(u, time.Now())
		if err != nil {
			return nil, err
		}
		var news []herald.NewNotification
		var notifiers []*herald.Notifier
		if tr, fires := herald.TriggerFor(j.Status); moved && fires {
			if notifiers, err = st.Fires(ctx, &j, gen, tr); err != nil {
				return nil, err
			}
			if len(notifiers) > 0 {
				news = render(&j, tr, notifiers)
			}
		}
		err = st.SaveReport(ctx, &j, before.Modified, news, notifiers)
		if errors.Is(err, herald.ErrStale) {
			continue
		}
		return &j, err
	}
}

// renderN renders n notifications for every notifier the event fires.
func renderN(n int) renderFunc {
	return func(j *herald.Job, tr herald.Trigger, notifiers []*herald.Notifier) []herald.NewNotification {
		var out []herald.NewNotification
		for _, nt := range notifiers {
			for i := range n {
				out = append(out, herald.NewNotification{Notifier: nt.ID, Type: nt.Type, Subject: fmt.Sprintf("job %d %s #%d", j.ID, tr, i), Trigger: string(tr)})
			}
		}
		return out
	}
}

// queue writes n due notifications for one job, in one transaction.
func queue(t testing.TB, st *store.Store, f fixture, n int) *herald.Job {
	t.Helper()
	j := f.launch(t, st)
	if _, err := updateJob(context.Background(), st, herald.KindJob, j.ID, herald.JobUpdate{Status: herald.StatusRunning}, renderN(n)); err != nil {
		t.Fatal(err)
	}
	return j
}

func notificationsOf(t testing.TB, st *store.Store, job int64) []*herald.Notification {
	t.Helper()
	list, _, err := st.ListNotifications(context.Background(), herald.Query{Filters: []herald.Filter{{Field: "job_id", Op: "exact", Values: []string{fmt.Sprint(job)}}}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if herald.ErrorCode(err) != code {
		t.Fatalf("error %v (code %q), want code %q", err, herald.ErrorCode(err), code)
	}
}

func TestObjects(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		org := create(t, st, "organization", map[string]any{"name": "Ops", "description": "d"})
		other := create(t, st, "organization", map[string]any{"name": "Dev"})
		_, err := st.CreateObject(ctx, objType("organization"), map[string]any{"name": "Ops"})
		wantCode(t, err, herald.EINVALID)
		if _, ok := err.(*herald.Error).Fields["name"]; !ok {
			t.Fatalf("duplicate organization: %v, want a name error", err)
		}

		// Project names are unique within an organization only.
		create(t, st, "project", map[string]any{"name": "Infra", "organization": org})
		create(t, st, "project", map[string]any{"name": "Infra", "organization": other})
		_, err = st.CreateObject(ctx, objType("project"), map[string]any{"name": "Infra", "organization": org})
		wantCode(t, err, herald.EINVALID)
		if _, ok := err.(*herald.Error).Fields["__all__"]; !ok {
			t.Fatalf("duplicate project: %v, want an __all__ error", err)
		}
		_, err = st.CreateObject(ctx, objType("project"), map[string]any{"name": "X", "organization": int64(999)})
		wantCode(t, err, herald.EINVALID)

		r, err := st.UpdateObject(ctx, objType("organization"), org, map[string]any{"name": "Operations"})
		if err != nil || r["name"] != "Operations" || r["description"] != "d" {
			t.Fatalf("update: %v %v", r, err)
		}
		_, err = st.UpdateObject(ctx, objType("organization"), org, map[string]any{"name": "Dev"})
		wantCode(t, err, herald.EINVALID)
		list, count, err := st.ListObjects(ctx, objType("organization"), herald.Query{Filters: []herald.Filter{{Field: "name", Op: "icontains", Values: []string{"oper"}}}})
		if err != nil || count != 1 || len(list) != 1 || list[0]["id"] != org {
			t.Fatalf("list: %v %d %v", list, count, err)
		}

		// Notifier names are unique within their organization.
		n := &herald.Notifier{Name: "hook", Organization: &org, Type: "webhook", Config: map[string]any{"url": "http://x/"}}
		if _, err := st.CreateNotifier(ctx, n); err != nil {
			t.Fatal(err)
		}
		_, err = st.CreateNotifier(ctx, n)
		wantCode(t, err, herald.EINVALID)
		n.Organization = &other
		if _, err := st.CreateNotifier(ctx, n); err != nil {
			t.Fatalf("same notifier name in another organization: %v", err)
		}

		// An organization that owns objects is deleted only with cascade.
		wantCode(t, st.DeleteObject(ctx, objType("organization"), org, false), herald.ECONFLICT)
		if err := st.DeleteObject(ctx, objType("organization"), org, true); err != nil {
			t.Fatal(err)
		}
		_, err = st.GetObject(ctx, objType("organization"), org)
		wantCode(t, err, herald.ENOTFOUND)
		wantCode(t, st.DeleteObject(ctx, objType("organization"), org, true), herald.ENOTFOUND)
	})
}

func TestLaunchIdempotency(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		now := time.Now()
		st.SetClock(func() time.Time { return now })
		req := herald.LaunchRequest{Kind: herald.KindJob, Template: f.template, CreatedBy: "alice", IdempotencyKey: "k1"}
		first, created, err := st.Launch(ctx, req)
		if err != nil || !created || first.Status != herald.StatusPending || first.Name != "Deploy" || *first.Organization != f.org {
			t.Fatalf("launch: %+v created=%v err=%v", first, created, err)
		}
		again, created, err := st.Launch(ctx, req)
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("same key again: job %d created=%v err=%v, want job %d, not created", again.ID, created, err, first.ID)
		}
		// A retry after the template is gone still gets the job it launched.
		other := create(t, st, "job_template", map[string]any{"name": "Gone", "project": f.project, "playbook": "x.yml"})
		gone := herald.LaunchRequest{Kind: herald.KindJob, Template: other, CreatedBy: "alice", IdempotencyKey: "k-gone"}
		launched, _, err := st.Launch(ctx, gone)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteObject(ctx, objType("job_template"), other, false); err != nil {
			t.Fatal(err)
		}
		if j, created, err := st.Launch(ctx, gone); err != nil || created || j.ID != launched.ID {
			t.Fatalf("retry after the template was deleted: %v created=%v err=%v, want job %d", j, created, err, launched.ID)
		}
		gone.IdempotencyKey = "k-new"
		_, _, err = st.Launch(ctx, gone)
		wantCode(t, err, herald.ENOTFOUND)

		bob := req
		bob.CreatedBy = "bob"
		if j, created, err := st.Launch(ctx, bob); err != nil || !created || j.ID == first.ID {
			t.Fatalf("same key, other user: %v %v %v", j, created, err)
		}
		now = now.Add(25 * time.Hour) // the key names a new launch after 24 hours
		if j, created, err := st.Launch(ctx, req); err != nil || !created || j.ID == first.ID {
			t.Fatalf("expired key: %v %v %v", j, created, err)
		}
		noKey := req
		noKey.IdempotencyKey = ""
		a, _, _ := st.Launch(ctx, noKey)
		b, _, _ := st.Launch(ctx, noKey)
		if a == nil || b == nil || a.ID == b.ID {
			t.Fatalf("launches without a key must differ: %v %v", a, b)
		}
		missing := req
		missing.Template, missing.IdempotencyKey = 999, ""
		_, _, err = st.Launch(ctx, missing)
		wantCode(t, err, herald.ENOTFOUND)
	})
}

func TestUpdateJobWritesNotifications(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		wake := st.Wake()
		j := f.launch(t, st)

		var got []*herald.Notifier
		render := func(job *herald.Job, tr herald.Trigger, ns []*herald.Notifier) []herald.NewNotification {
			got = ns
			return renderN(1)(job, tr, ns)
		}
		job, err := updateJob(ctx, st, herald.KindJob, j.ID, herald.JobUpdate{Status: herald.StatusRunning}, render)
		if err != nil || job.Status != herald.StatusRunning || job.Started == nil {
			t.Fatalf("running: %+v %v", job, err)
		}
		if len(got) != 1 || got[0].ID != f.notifier {
			t.Fatalf("render got notifiers %v, want [%d]", got, f.notifier)
		}
		ns := notificationsOf(t, st, j.ID)
		if len(ns) != 1 || ns[0].Status != herald.NotificationPending || ns[0].Trigger != "started" || ns[0].JobKind != herald.KindJob {
			t.Fatalf("after running: %+v", ns)
		}
		select {
		case <-wake:
		default:
			t.Fatal("writing a notification did not wake the engine")
		}

		// A render that builds nothing changes the job and writes nothing.
		none := func(*herald.Job, herald.Trigger, []*herald.Notifier) []herald.NewNotification { return nil }
		if job, err = updateJob(ctx, st, herald.KindJob, j.ID, herald.JobUpdate{Status: herald.StatusSuccessful}, none); err != nil || job.Status != herald.StatusSuccessful || job.Failed {
			t.Fatalf("successful: %+v %v", job, err)
		}
		if ns := notificationsOf(t, st, j.ID); len(ns) != 1 {
			t.Fatalf("render returned none, but %d notifications exist", len(ns))
		}
		_, err = updateJob(ctx, st, herald.KindJob, j.ID, herald.JobUpdate{Status: herald.StatusFailed}, render)
		wantCode(t, err, herald.ECONFLICT)

		// The job change and its notifications commit together: a
		// notification that cannot be written undoes the status change.
		j2 := f.launch(t, st)
		bad := func(*herald.Job, herald.Trigger, []*herald.Notifier) []herald.NewNotification {
			// The second is refused by SQLite's foreign key on the notifier,
			// and by PostgreSQL (which has none, migration 00031) for the
			// NUL byte, which its text cannot hold.
			return []herald.NewNotification{{Notifier: f.notifier, Type: "webhook", Trigger: "started"}, {Notifier: 99999, Type: "webhook", Subject: "\x00", Trigger: "started"}}
		}
		if _, err := updateJob(ctx, st, herald.KindJob, j2.ID, herald.JobUpdate{Status: herald.StatusRunning}, bad); err == nil {
			t.Fatal("a notification that cannot be stored was written")
		}
		if j2, _ = st.GetJob(ctx, herald.KindJob, j2.ID); j2.Status != herald.StatusPending {
			t.Fatalf("status %q after a failed transaction, want pending", j2.Status)
		}
		if ns := notificationsOf(t, st, j2.ID); len(ns) != 0 {
			t.Fatalf("%d notifications left by a failed transaction", len(ns))
		}
	})
}

// clock is a settable fake time for lease tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestClaimLeaseFinishRelease(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		c := &clock{now: time.Now()}
		st.SetClock(c.Now)
		j := queue(t, st, f, 3)
		const lease = time.Minute

		a, err := st.Claim(ctx, "A", 10, lease)
		if err != nil || len(a) != 3 {
			t.Fatalf("A claimed %d (%v), want 3", len(a), err)
		}
		for _, n := range a {
			if n.Attempts != 1 || n.JobID != j.ID || n.JobStarted == nil {
				t.Fatalf("claimed %+v", n)
			}
		}
		if b, err := st.Claim(ctx, "B", 10, lease); err != nil || len(b) != 0 {
			t.Fatalf("B claimed %d rows A's lease holds (%v)", len(b), err)
		}

		// A dies; once its lease runs out B takes the rows over.
		c.Add(lease + time.Second)
		b, err := st.Claim(ctx, "B", 10, lease)
		if err != nil || len(b) != 3 || b[0].Attempts != 2 {
			t.Fatalf("B claimed %d after the lease (%v)", len(b), err)
		}
		// A's late outcome is dropped; B's is recorded.
		at := c.Now()
		if err := st.Finish(ctx, []store.Outcome{{ID: a[0].ID, Owner: "A", Status: herald.NotificationFailed, Error: "late", At: at}}); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.GetNotification(ctx, a[0].ID); n.Status != herald.NotificationPending || n.Error != "" {
			t.Fatalf("an outcome from a lost lease was recorded: %+v", n)
		}
		retry := at.Add(time.Hour)
		err = st.Finish(ctx, []store.Outcome{
			{ID: b[0].ID, Owner: "B", Status: herald.NotificationSuccessful, Sent: 1, Delivered: []string{"u"}, At: at},
			{ID: b[1].ID, Owner: "B", Status: herald.NotificationPending, Error: "503", At: at, RetryAt: &retry},
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := st.GetNotification(ctx, b[0].ID); n.Status != herald.NotificationSuccessful || n.NotificationsSent != 1 || len(n.Delivered) != 1 {
			t.Fatalf("recorded success: %+v", n)
		}
		if n, _ := st.GetNotification(ctx, b[1].ID); n.Status != herald.NotificationPending || n.NextAttemptAt == nil || !n.NextAttemptAt.Equal(retry.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("recorded retry: %+v", n)
		}

		// Released rows are due again at once and the claim was no attempt;
		// Release by another owner changes nothing.
		if err := st.Release(ctx, "A", []int64{b[2].ID}, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Claim(ctx, "C", 10, lease); len(got) != 0 {
			t.Fatalf("C claimed %d rows that B still holds", len(got))
		}
		if err := st.Release(ctx, "B", []int64{b[2].ID}, 0); err != nil {
			t.Fatal(err)
		}
		got, err := st.Claim(ctx, "C", 10, lease)
		if err != nil || len(got) != 1 || got[0].ID != b[2].ID || got[0].Attempts != 2 {
			t.Fatalf("after release C claimed %+v (%v), want row %d at attempt 2", got, err, b[2].ID)
		}
		// C's lease runs out: its row is due again; the retry is due only when scheduled.
		c.Add(lease + time.Second)
		if got, _ := st.Claim(ctx, "D", 10, lease); len(got) != 1 || got[0].ID != b[2].ID {
			t.Fatalf("D claimed %d rows, want only row %d", len(got), b[2].ID)
		}
		if err := st.Finish(ctx, []store.Outcome{{ID: b[2].ID, Owner: "D", Status: herald.NotificationFailed, At: c.Now()}}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Hour)
		if got, _ := st.Claim(ctx, "D", 10, lease); len(got) != 1 || got[0].ID != b[1].ID || got[0].Attempts != 3 {
			t.Fatalf("at the retry time D claimed %d rows, want row %d", len(got), b[1].ID)
		}
	})
}

func TestStats(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if s, err := st.Stats(ctx); err != nil || s.Pending != 0 || s.OldestCreate != nil {
			t.Fatalf("empty stats: %+v %v", s, err)
		}
		if due, err := st.NextDue(ctx); err != nil || due != nil {
			t.Fatalf("empty next due: %v %v", due, err)
		}
		f := newFixture(t, st)
		c := &clock{now: time.Now().Add(-time.Hour)}
		st.SetClock(c.Now)
		queue(t, st, f, 2)
		c.Add(time.Minute)
		queue(t, st, f, 3)
		s, err := st.Stats(ctx)
		if err != nil || s.Pending != 5 || s.OldestCreate == nil || s.OldestCreate.Unix() != c.Now().Add(-time.Minute).Unix() {
			t.Fatalf("stats: %+v %v, want 5 pending, oldest %v", s, err, c.Now().Add(-time.Minute))
		}
		claimed, _ := st.Claim(ctx, "A", 2, time.Minute)
		var out []store.Outcome
		for _, n := range claimed {
			out = append(out, store.Outcome{ID: n.ID, Owner: "A", Status: herald.NotificationSuccessful, At: c.Now()})
		}
		if err := st.Finish(ctx, out); err != nil {
			t.Fatal(err)
		}
		if s, _ := st.Stats(ctx); s.Pending != 3 || s.OldestCreate.Unix() != c.Now().Unix() {
			t.Fatalf("after finishing the two oldest: %+v", s)
		}
	})
}

// TestConcurrentClaims: claimers racing over one queue never share a row.
func TestConcurrentClaims(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		const rows, claimers = 1000, 4
		queue(t, st, newFixture(t, st), rows)
		owner := make([]map[int64]bool, claimers)
		var wg sync.WaitGroup
		errs := make(chan error, claimers)
		for i := range claimers {
			owner[i] = map[int64]bool{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := st.Claim(context.Background(), fmt.Sprint("w", i), 7, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					for _, n := range got {
						owner[i][n.ID] = true
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[int64]int{}
		for i := range claimers {
			t.Logf("claimer %d took %d rows", i, len(owner[i]))
			for id := range owner[i] {
				seen[id]++
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("row %d claimed %d times", id, n)
			}
		}
		if len(seen) != rows {
			t.Fatalf("%d distinct rows claimed, want %d", len(seen), rows)
		}
	})
}

// TestConcurrentMigrations: instances starting at once on a fresh database
// take turns migrating it.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	url := heraldtest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	stores := make([]*store.Store, 3)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = store.Open(context.Background(), url)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	f := newFixture(t, stores[0])
	j := f.launch(t, stores[1])
	if got, err := stores[2].GetJob(context.Background(), herald.KindJob, j.ID); err != nil || got.Name != "Deploy" {
		t.Fatalf("a job launched through one store, read through another: %v %v", got, err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, distinct int
	if err := db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied == 0 || applied != distinct {
		t.Fatalf("%d migrations recorded for %d versions: one ran twice", applied, distinct)
	}
}

// TestListenWakesOtherInstances: a notification written through one store
// wakes a store of another instance at once, not at its next poll.
func TestListenWakesOtherInstances(t *testing.T) {
	t.Parallel()
	url := heraldtest.PostgresURL(t)
	a, b := open(t, url), open(t, url)
	f := newFixture(t, a)
	if !heraldtest.Eventually(t, 10*time.Second, b.Listening) {
		t.Fatal("the second store never listened")
	}
	wake := b.Wake() // registered after the connect wake-up: only writes reach it
	writes := []struct {
		name  string
		write func() error
	}{
		{"job update", func() error {
			_, err := updateJob(context.Background(), a, herald.KindJob, f.launch(t, a).ID, herald.JobUpdate{Status: herald.StatusRunning}, renderN(1))
			return err
		}},
		{"test notification", func() error {
			_, err := a.CreateTestNotification(context.Background(), herald.NewNotification{Notifier: f.notifier, Type: "webhook", Subject: "test"})
			return err
		}},
	}
	for _, w := range writes {
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		select {
		case <-wake:
		case <-time.After(30 * time.Second): // a deadline against hanging, not a speed check
			t.Fatalf("%s through store A did not wake store B", w.name)
		}
	}
}

// deliveredJob runs a job of f whose two notifications are delivered.
func deliveredJob(t *testing.T, st *store.Store, f fixture) *herald.Job {
	t.Helper()
	ctx := context.Background()
	j := queue(t, st, f, 2)
	claimed, err := st.Claim(ctx, "A", 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d (%v), want 2", len(claimed), err)
	}
	var done []store.Outcome
	for _, c := range claimed {
		done = append(done, store.Outcome{ID: c.ID, Owner: "A", Status: herald.NotificationSuccessful, Sent: 1, At: time.Now()})
	}
	if err := st.Finish(ctx, done); err != nil {
		t.Fatal(err)
	}
	return j
}

// A notifier's notifications go with it, and with its organization, though
// on PostgreSQL no foreign key removes them (migration 00031).
func TestDeletingANotifierTakesItsNotifications(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		j := deliveredJob(t, st, f)
		if err := st.DeleteNotifier(ctx, f.notifier); err != nil {
			t.Fatal(err)
		}
		if left := notificationsOf(t, st, j.ID); len(left) != 0 {
			t.Fatalf("%d notifications of the deleted notifier left", len(left))
		}

		n, err := st.CreateNotifier(ctx, &herald.Notifier{Name: "second", Organization: &f.org, Type: "webhook", Config: map[string]any{"url": "http://127.0.0.1:9/"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Attach(ctx, herald.Attachment{ObjectType: "job_template", ObjectID: f.template, Trigger: herald.TriggerStarted, Notifier: n.ID}); err != nil {
			t.Fatal(err)
		}
		f.notifier = n.ID
		j = deliveredJob(t, st, f)
		if err := st.DeleteObject(ctx, objType("organization"), f.org, true); err != nil {
			t.Fatal(err)
		}
		if left := notificationsOf(t, st, j.ID); len(left) != 0 {
			t.Fatalf("%d notifications of the deleted organization's notifier left", len(left))
		}
	})
}

// A status change that read a notifier just before it was deleted writes a
// notification that no foreign key refuses on PostgreSQL: it is claimed all
// the same, with no notifier, for the engine to fail it.
func TestClaimOfANotificationWhoseNotifierIsGone(t *testing.T) {
	t.Parallel()
	url := heraldtest.PostgresURL(t)
	st := open(t, url)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UnixMicro()
	if _, err := db.Exec(`INSERT INTO notifications (notifier, notification_type, status, event, due_at, created, modified)
		VALUES (9999, 'webhook', 'pending', 'started', $1, $1, $1)`, now); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.Claim(context.Background(), "A", 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %d (%v), want the orphan", len(claimed), err)
	}
	if claimed[0].Via != nil {
		t.Fatalf("claimed through %+v, want no notifier", claimed[0].Via)
	}
}
