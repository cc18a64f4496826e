package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// With the writer's automatic checkpoint off, the WAL must still start over
// under sustained writes and reads, or it grows by everything ever written.
func TestWALStartsOverUnderSustainedWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	value := strings.Repeat("x", 4000) // about a page a row
	const total = 48 << 20
	var written, peak atomic.Int64
	done := func() bool { return written.Load() >= total }
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done(); i++ {
				key := fmt.Sprintf("k%d-%d", w, i)
				if err := s.tx(ctx, func(tx querier) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", key, value)
					return err
				}); err != nil {
					t.Error(err)
					return
				}
				written.Add(int64(len(value)))
			}
		}()
	}
	for range 2 { // readers, holding snapshots as the API's requests do
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done() {
				var n int
				if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings WHERE key = ?", "k0-1").Scan(&n); err != nil {
					t.Error(err)
					return
				}
				if fi, err := os.Stat(path + "-wal"); err == nil {
					peak.Store(max(peak.Load(), fi.Size()))
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	t.Logf("wrote %d MiB, WAL peaked at %d MiB", written.Load()>>20, peak.Load()>>20)
	// Each row takes a page or more of WAL (the row, the index, the frame
	// headers): a WAL that never started over is larger than what was written.
	if peak.Load() > written.Load() {
		t.Errorf("the WAL grew to %d MiB of %d MiB written: it never started over", peak.Load()>>20, written.Load()>>20)
	}
}
