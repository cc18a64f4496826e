package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/internal/service"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A running server notices its key file deleted or replaced, says so, and
// goes on with the key the stored secrets need.
func TestRunningServerNoticesAReplacedKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "herald.key")
	key := strings.Repeat("a", 32)
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.Open(ctx, service.Config{
		DatabaseURL: "sqlite:" + filepath.Join(dir, "herald.db"), SecretKey: key, AdminPassword: "pw",
		KeyFile: keyFile, KeyCheckInterval: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { svc.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done; svc.Close() }()

	says := func(what string) bool {
		return heraldtest.Eventually(t, 30*time.Second, func() bool { return strings.Contains(logs.String(), what) })
	}
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("b", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	if !says("state=replaced") {
		t.Fatalf("a replaced key was not noticed:\n%s", logs.String())
	}
	os.Remove(keyFile)
	if !says("state=missing") {
		t.Fatalf("a deleted key was not noticed:\n%s", logs.String())
	}
	os.WriteFile(keyFile, []byte(key), 0o600)
	if !says("holds the key in use again") {
		t.Fatalf("the restored key was not noticed:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), key) || strings.Contains(logs.String(), strings.Repeat("b", 32)) {
		t.Errorf("a key is in the log")
	}
}
