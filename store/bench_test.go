package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/store"
)

// BenchmarkUpdateJobStatus measures the job status change path on a SQLite
// file: each iteration launches a job and reports it running, then
// successful, through Store.UpdateJob. With a notifier on the template's
// "any" list, the successful report also collects it and writes one
// notification in the same transaction ("started" does not read "any").
// Rendering is trivial so that the figure is the store's.
func BenchmarkUpdateJobStatus(b *testing.B) {
	for _, notifiers := range []int{0, 1} {
		b.Run(map[int]string{0: "notifiers=0", 1: "notifiers=1"}[notifiers], func(b *testing.B) {
			benchUpdateJobStatus(b, notifiers)
		})
	}
}

func benchUpdateJobStatus(b *testing.B, notifiers int) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	mk := func(typ string, values map[string]any) int64 {
		b.Helper()
		rec, err := st.CreateObject(ctx, herald.ObjectTypeByName(typ), values)
		if err != nil {
			b.Fatalf("create %s: %v", typ, err)
		}
		return rec.ID()
	}
	org := mk("organization", map[string]any{"name": "bench"})
	project := mk("project", map[string]any{"name": "bench", "organization": org})
	template := mk("job_template", map[string]any{"name": "bench", "project": project})
	for i := range notifiers {
		n, err := st.CreateNotifier(ctx, &herald.Notifier{
			Name: "hook " + string(rune('a'+i)), Organization: &org, Type: "webhook",
			Config: map[string]any{"url": "http://127.0.0.1:9/"},
		})
		if err != nil {
			b.Fatal(err)
		}
		err = st.Attach(ctx, herald.Attachment{ObjectType: "job_template", ObjectID: template, Trigger: herald.TriggerAny, Notifier: n.ID})
		if err != nil {
			b.Fatal(err)
		}
	}
	render := func(j *herald.Job, trigger herald.Trigger, ns []*herald.Notifier) []herald.NewNotification {
		out := make([]herald.NewNotification, len(ns))
		for i, n := range ns {
			out[i] = herald.NewNotification{Notifier: n.ID, Type: n.Type, Subject: "Job finished", Body: "{}", Trigger: string(trigger)}
		}
		return out
	}

	iterations := 0
	for b.Loop() {
		j, _, err := st.Launch(ctx, herald.LaunchRequest{Kind: herald.KindJob, Template: template, CreatedBy: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		for _, status := range []string{herald.StatusRunning, herald.StatusSuccessful} {
			if _, err := updateJob(ctx, st, herald.KindJob, j.ID, herald.JobUpdate{Status: status}, render); err != nil {
				b.Fatal(err)
			}
		}
		iterations++
	}
	b.ReportMetric(float64(2*iterations)/b.Elapsed().Seconds(), "status_changes/s")

	// The benchmark measured what it claims: one notification per job per notifier.
	_, count, err := st.ListNotifications(ctx, herald.Query{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if count != iterations*notifiers {
		b.Fatalf("%d notifications written, want %d", count, iterations*notifiers)
	}
}

// BenchmarkClaimBehindCappedBacklog measures a claim that skips a notifier at
// its cap holding 20,000 due rows (a receiver that hangs), with nothing else
// due: the engine claims like this each time a worker frees up.
func BenchmarkClaimBehindCappedBacklog(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	f := newFixture(b, st)
	queue(b, st, f, 20000)
	b.ResetTimer()
	for range b.N {
		if got, err := st.Claim(ctx, "bench", 8, time.Minute, f.notifier); err != nil || len(got) != 0 {
			b.Fatalf("claimed %d (%v), want none", len(got), err)
		}
	}
}
