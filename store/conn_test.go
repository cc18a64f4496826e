package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Operations queued behind a busy writer commit together, each in its own
// savepoint: one that fails leaves no trace, and its neighbours are kept.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(tx querier, key string) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", key)
		return err
	}
	// The first operation holds the writer until the others are queued.
	release, started := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.tx(ctx, func(tx querier) error {
			close(started)
			<-release
			return put(tx, "first")
		})
	}()
	<-started
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.tx(ctx, func(tx querier) error {
				if err := put(tx, fmt.Sprint("k", i)); err != nil {
					return err
				}
				if i%2 == 1 {
					return errors.New("refused")
				}
				return nil
			})
		}()
	}
	// Wait until all of them are queued, then let the first finish.
	for {
		s.w.mu.Lock()
		queued := len(s.w.queue)
		s.w.mu.Unlock()
		if queued == n {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		_, stored, err := s.Setting(ctx, fmt.Sprint("k", i))
		if err != nil {
			t.Fatal(err)
		}
		if failed := i%2 == 1; (errs[i] != nil) != failed || stored == failed {
			t.Errorf("op %d: err %v, stored %v", i, errs[i], stored)
		}
	}
}
