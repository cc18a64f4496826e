package main

// What `herald serve` leaves on disk, and how it treats a lost key.

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := filepath.Join(t.TempDir(), "data")
	p := mustServe(t, nil, "--data-dir", dir)
	p.must(t, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	for _, name := range []string{"herald.db", "herald.db-wal", "herald.db-shm", "herald.key"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", name, perm)
		}
	}
}

func TestOpenDataDirectoryIsWarnedAbout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // whatever the umask
	p := mustServe(t, nil, "--data-dir", dir)
	if log := p.logText(); !strings.Contains(log, "chmod 700 "+dir) || !strings.Contains(log, "level=WARN") {
		t.Errorf("no warning naming the fix in the log:\n%s", log)
	}
}

// A start with secrets stored and the generated key gone refuses (exit 2)
// and writes no new key: a new one could not open the stored secrets, and
// writing it would leave the operator with a key file that looks right.
func TestMissingKeyFileRefusesWithoutWritingOne(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := filepath.Join(t.TempDir(), "data")
	p := mustServe(t, nil, "--data-dir", dir)
	p.must(t, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{"name": "hook", "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": "https://hooks.example.com/x", "password": "stored-secret"}})
	p.signal(syscall.SIGTERM)
	p.wait()
	key := filepath.Join(dir, "herald.key")
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(heraldBinary(t), "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("serve started without its key:\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("exit: %v, want status 2\n%s", err, out)
	}
	if !strings.Contains(string(out), key) {
		t.Errorf("the message does not name the key file:\n%s", out)
	}
	if _, err := os.Stat(key); !os.IsNotExist(err) {
		t.Errorf("a key file was written: %v", err)
	}
}
