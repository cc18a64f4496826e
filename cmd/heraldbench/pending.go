package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"

	_ "modernc.org/sqlite" // the server's SQLite file
)

// runPending fills the queue with o.pending notifications for a receiver
// that answers 503 (so they stay pending, retried with backoff), written
// straight into the server's SQLite file in batched transactions, and
// reports the server's memory while it holds them.
func runPending(ctx context.Context, o options, srv *server, a *api, sk *sink) error {
	n, err := createWebhook(ctx, a, "bench down", sk.url+"/down")
	if err != nil {
		return err
	}
	db, err := openServerDB(srv)
	if err != nil {
		return err
	}
	defer db.Close()

	smp := startSampler(ctx, srv, a, time.Second)
	defer smp.stop()
	_, peakBefore, _ := srv.memory()
	body := `{"body": "heraldbench pending notification"}`
	start := time.Now()
	for done := 0; done < o.pending && ctx.Err() == nil; {
		k := min(o.pendingBatch, o.pending-done)
		if err := insertPending(ctx, db, []int64{n}, sk.url+"/down", body, k); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		done += k
		if done%(10*o.pendingBatch) == 0 || done == o.pending {
			rss, _, _ := srv.memory()
			fmt.Printf("  %d inserted (%.0f rows/s), server RSS %.1f MiB\n", done, float64(done)/time.Since(start).Seconds(), rss)
		}
	}
	fmt.Printf("inserted %d pending notifications in %s\n", o.pending, time.Since(start).Round(time.Millisecond))
	deadline := time.Now().Add(o.observe)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Second)
	}
	m := a.metrics(ctx, "herald_queue_depth", "go_goroutines", "herald_oldest_pending_age_seconds")
	rss, peak, ok := srv.memory()
	fmt.Printf("after %s with them pending: queue depth %.0f, oldest pending %.0fs, goroutines %.0f (peak %.0f)\n",
		o.observe, m["herald_queue_depth"], m["herald_oldest_pending_age_seconds"], m["go_goroutines"], smp.goroutines)
	if ok {
		fmt.Printf("server memory: RSS %.1f MiB now, peak (VmHWM) %.1f MiB (%.1f MiB before inserting)\n", rss, peak, peakBefore)
	}
	return nil
}

// runBacklog measures the delivery engine alone, with no API request in
// the way: it writes o.backlog pending notifications for the sink in one
// transaction, spread over o.templates webhook notifiers (as after a
// receiver outage), and times their delivery.
func runBacklog(ctx context.Context, o options, srv *server, a *api, sk *sink) error {
	notifiers := make([]int64, o.templates)
	for i := range notifiers {
		id, err := createWebhook(ctx, a, "bench backlog", sk.url+"/hook")
		if err != nil {
			return err
		}
		notifiers[i] = id
	}
	db, err := openServerDB(srv)
	if err != nil {
		return err
	}
	defer db.Close()
	// Each sample reads /metrics, whose queue depth counts the pending rows:
	// seldom, so that the figure is the engine's.
	smp := startSampler(ctx, srv, a, 2*time.Second)
	t0 := time.Now()
	if err := insertPending(ctx, db, notifiers, sk.url+"/hook", `{"id": 0, "body": "heraldbench backlog"}`, o.backlog); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	committed := time.Now()
	fmt.Printf("inserted %d pending notifications for %d notifiers in one transaction in %s\n",
		o.backlog, len(notifiers), committed.Sub(t0).Round(time.Millisecond))
	cpu0, cpuOK := srv.cpu()
	deadline := time.Now().Add(o.timeout)
	for sk.distinct() < o.backlog && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	smp.stop()
	cpu1, _ := srv.cpu()
	arrivals, repeats := sk.snapshot()
	var firstAt, lastAt time.Time
	for _, arr := range arrivals {
		if firstAt.IsZero() || arr.at.Before(firstAt) {
			firstAt = arr.at
		}
		if arr.at.After(lastAt) {
			lastAt = arr.at
		}
	}
	fmt.Printf("notifications: %d of %d delivered, %d lost (not received within %s), %d duplicated\n",
		len(arrivals), o.backlog, o.backlog-len(arrivals), o.timeout, repeats)
	if len(arrivals) < 2 {
		return nil
	}
	// The commit comes from another process: the engine finds the rows at
	// its next poll, so the rate counts from the first arrival.
	drain := lastAt.Sub(firstAt)
	fmt.Printf("delivery rate: %.0f notifications/s (first → last arrival: %s; the first came %s after the commit)\n",
		float64(len(arrivals)-1)/drain.Seconds(), drain.Round(time.Millisecond), firstAt.Sub(committed).Round(time.Millisecond))
	if cpuOK {
		fmt.Printf("server CPU: %s per notification\n", ((cpu1 - cpu0) / time.Duration(len(arrivals))).Round(time.Microsecond))
	}
	if rss, peak, ok := srv.memory(); ok {
		fmt.Printf("server memory: RSS %.1f MiB now, peak (VmHWM) %.1f MiB; goroutines peak %.0f\n", rss, peak, smp.goroutines)
	}
	return nil
}

func createWebhook(ctx context.Context, a *api, name, url string) (int64, error) {
	var n idOnly
	err := a.do(ctx, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": name + " " + randomText(6), "notification_type": "webhook", "notification_configuration": map[string]any{"url": url},
	}, &n)
	return n.ID, err
}

// openServerDB opens the started server's SQLite file beside it.
func openServerDB(srv *server) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+srv.dbPath+"?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// insertPending writes k pending notifications in one transaction, taking
// the notifiers in turn.
func insertPending(ctx context.Context, db *sql.DB, notifiers []int64, url, body string, k int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO notifications (notifier, notification_type, status, recipients, subject, body, event, due_at, created, modified)
		VALUES (?, 'webhook', 'pending', ?, 'heraldbench', ?, 'test', ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := time.Now().UnixMicro()
	for i := range k {
		if _, err := stmt.ExecContext(ctx, notifiers[i%len(notifiers)], url, body, now, now, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}
