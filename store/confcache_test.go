package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// TestConfigChangesCountAtOnce: what a status change fires and the names its
// messages show are cached, yet a change to notifiers, attachments or names,
// made through this store or through another instance on the same database,
// counts from the next status change on.
func TestConfigChangesCountAtOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url := b.url(t)
			a, other := open(t, url), open(t, url)
			ctx := context.Background()
			f := newFixture(t, a)

			// fired reports a running report's notifiers and the job's names as the render saw them.
			fired := func() (ids []int64, refs herald.JobRefs) {
				t.Helper()
				j := f.launch(t, a)
				render := func(j *herald.Job, tr herald.Trigger, ns []*herald.Notifier) []herald.NewNotification {
					for _, n := range ns {
						ids = append(ids, n.ID)
					}
					refs = j.Refs
					return nil
				}
				if _, err := updateJob(ctx, a, herald.KindJob, j.ID, herald.JobUpdate{Status: herald.StatusRunning}, render); err != nil {
					t.Fatal(err)
				}
				return ids, refs
			}
			if ids, refs := fired(); len(ids) != 1 || ids[0] != f.notifier || refs.Project != "Infra" || refs.TemplateName != "Deploy" {
				t.Fatalf("before any change: fired %v with names %+v", ids, refs)
			}

			for _, st := range []struct {
				name string
				s    *store.Store
			}{{"this store", a}, {"another instance", other}} {
				n, err := st.s.CreateNotifier(ctx, &herald.Notifier{Name: "pager " + st.name, Organization: &f.org, Type: "webhook", Config: map[string]any{"url": "http://127.0.0.1:9/"}})
				if err != nil {
					t.Fatal(err)
				}
				if err := st.s.Attach(ctx, herald.Attachment{ObjectType: "project", ObjectID: f.project, Trigger: herald.TriggerStarted, Notifier: n.ID}); err != nil {
					t.Fatal(err)
				}
				if err := st.s.Detach(ctx, herald.Attachment{ObjectType: "job_template", ObjectID: f.template, Trigger: herald.TriggerStarted, Notifier: f.notifier}); err != nil {
					t.Fatal(err)
				}
				if _, err := st.s.UpdateObject(ctx, objType("project"), f.project, map[string]any{"name": "Infra " + st.name}); err != nil {
					t.Fatal(err)
				}
				ids, refs := fired()
				if len(ids) != 1 || ids[0] != n.ID || refs.Project != "Infra "+st.name {
					t.Fatalf("after a change through %s: fired %v with project %q, want [%d] with %q", st.name, ids, refs.Project, n.ID, "Infra "+st.name)
				}
				if err := st.s.Detach(ctx, herald.Attachment{ObjectType: "project", ObjectID: f.project, Trigger: herald.TriggerStarted, Notifier: n.ID}); err != nil {
					t.Fatal(err)
				}
				if ids, _ := fired(); len(ids) != 0 {
					t.Fatalf("after detaching through %s: fired %v", st.name, ids)
				}
			}
		})
	}
}

// A claimed row carries its notifier as it is now, even when the notifier
// changed through another instance since the last claim.
func TestClaimedNotifierIsCurrent(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url := b.url(t)
			a, other := open(t, url), open(t, url)
			ctx := context.Background()
			f := newFixture(t, a)
			claimedURL := func() any {
				t.Helper()
				queue(t, a, f, 1)
				got, err := a.Claim(ctx, "A", 10, time.Minute)
				if err != nil || len(got) != 1 || got[0].Via == nil || got[0].Via.ID != f.notifier {
					t.Fatalf("claimed %d rows (%v), want one with its notifier", len(got), err)
				}
				return got[0].Via.Config["url"]
			}
			if u := claimedURL(); u != "http://127.0.0.1:9/" {
				t.Fatalf("first claim: url %v", u)
			}
			for i, st := range []*store.Store{a, other} {
				n, err := st.GetNotifier(ctx, f.notifier)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("http://127.0.0.1:%d/", 10+i)
				n.Config["url"] = want
				if _, err := st.UpdateNotifier(ctx, n); err != nil {
					t.Fatal(err)
				}
				if u := claimedURL(); u != want {
					t.Fatalf("after change %d: claimed with url %v, want %v", i, u, want)
				}
			}
		})
	}
}
