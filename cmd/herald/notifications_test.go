package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// TestOnCallVerbs drives herald notifier pause|resume|test and herald
// notifications list|retry|cancel in-process against a real server and a
// real webhook receiver.
func TestOnCallVerbs(t *testing.T) {
	var up atomic.Bool
	var got atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if !up.Load() {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer rc.Close()
	s := heraldtest.Start(t, heraldtest.Options{})
	org := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	hook := heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{"name": "pager hook", "organization": org,
		"notification_type": "webhook", "notification_configuration": map[string]any{"url": rc.URL}}))
	env := map[string]string{"HERALD_URL": s.URL, "HERALD_USERNAME": "admin", "HERALD_PASSWORD": heraldtest.AdminPassword}
	cli := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
			t.Fatalf("herald %s: %v (stderr %s)", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String()
	}
	status := func(id int64) string {
		return s.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/%d/", id), nil)["status"].(string)
	}
	waitFor := func(id int64, want string) {
		t.Helper()
		if !heraldtest.Eventually(t, 20*time.Second, func() bool { return status(id) == want }) {
			t.Fatalf("notification %d is %s, want %s", id, status(id), want)
		}
	}

	// A failed test message, then the list shows it.
	out := cli("notifier", "test", "pager hook")
	var first int64
	fmt.Sscanf(out, "test notification %d", &first)
	waitFor(first, "failed")
	if out := cli("notifications", "list", "--status", "failed", "--notifier", "pager hook"); !strings.Contains(out, fmt.Sprint(first)) || !strings.Contains(out, "failed") {
		t.Errorf("list of failed notifications:\n%s", out)
	}
	if out := cli("notifications", "list", "--status", "successful"); strings.Contains(out, "pager hook") {
		t.Errorf("list of successful notifications shows the failed one:\n%s", out)
	}

	// Paused, a test is held; canceled, it is never sent.
	cli("notifier", "pause", fmt.Sprint(hook))
	out = cli("notifier", "test", "pager hook")
	var held int64
	fmt.Sscanf(out, "test notification %d", &held)
	if out := cli("notifications", "cancel", fmt.Sprint(held)); !strings.Contains(out, "canceled") {
		t.Errorf("cancel said %q", out)
	}
	out = cli("notifier", "test", "pager hook")
	var later int64
	fmt.Sscanf(out, "test notification %d", &later)

	// The receiver is back: resume sends the held one, a bulk retry the failed one.
	up.Store(true)
	before := got.Load()
	cli("notifier", "resume", "pager hook")
	waitFor(later, "successful")
	if out := cli("notifications", "retry", "--notifier", "pager hook", "--status", "failed"); !strings.Contains(out, "retried: 1 notifications") {
		t.Errorf("bulk retry said %q", out)
	}
	waitFor(first, "successful")
	if status(held) != "canceled" {
		t.Errorf("the canceled notification is %s", status(held))
	}
	if n := got.Load() - before; n != 2 {
		t.Errorf("receiver got %d requests after coming back, want 2 (the held one and the retried one)", n)
	}
}
