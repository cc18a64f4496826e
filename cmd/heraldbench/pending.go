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
	var n idOnly
	if err := a.do(ctx, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "bench down " + randomText(4), "notification_type": "webhook", "notification_configuration": map[string]any{"url": sk.url + "/down"},
	}, &n); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+srv.dbPath+"?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	smp := startSampler(ctx, srv, a, time.Second)
	defer smp.stop()
	_, peakBefore, _ := srv.memory()
	body := `{"body": "heraldbench pending notification"}`
	start := time.Now()
	for done := 0; done < o.pending && ctx.Err() == nil; {
		k := min(o.pendingBatch, o.pending-done)
		if err := insertPending(ctx, db, n.ID, sk.url+"/down", body, k); err != nil {
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

func insertPending(ctx context.Context, db *sql.DB, notifier int64, url, body string, k int) error {
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
	for range k {
		if _, err := stmt.ExecContext(ctx, notifier, url, body, now, now, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}
