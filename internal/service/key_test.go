package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/herald-notify/herald/internal/service"
)

// A key that cannot open what the database holds is refused at start, not
// discovered later as undeliverable notifications.
func TestOpenRefusesAnotherKey(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "herald.db")
	open := func(key string) error {
		s, err := service.Open(context.Background(), service.Config{DatabaseURL: db, SecretKey: key, AdminPassword: "pw"})
		if err == nil {
			s.Close()
		}
		return err
	}
	if err := open("the-first-key-of-at-least-32-bytes-long"); err != nil {
		t.Fatal(err)
	}
	if err := open("the-first-key-of-at-least-32-bytes-long"); err != nil {
		t.Fatalf("the same key again: %v", err)
	}
	if err := open("another-key-of-at-least-32-bytes-long!!"); !errors.Is(err, service.ErrConfig) {
		t.Fatalf("another key: got %v, want a configuration error", err)
	}
}
