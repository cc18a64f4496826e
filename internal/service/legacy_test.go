package service_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/internal/service"
)

// A database where an older version stored a PagerDuty key and a webhook
// header in clear, and copied the key and a URL password into recipients,
// has them sealed and removed at the next start.
func TestStartSealsSecretsLeftInClear(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	cfg := service.Config{DatabaseURL: "sqlite:" + path, SecretKey: strings.Repeat("k", 32), AdminPassword: "pw"}
	s, err := service.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pd, err := s.Store.CreateNotifier(ctx, &herald.Notifier{Name: "pd", Type: "pagerduty", Config: map[string]any{"service_key": "legacy-routing-key", "client_name": "herald"}})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := s.Store.CreateNotifier(ctx, &herald.Notifier{Name: "hook", Type: "webhook", Config: map[string]any{
		"url": "https://u:legacy-url-pw@hooks.example.com/x", "headers": map[string]any{"X-Api-Key": "legacy-header"}}})
	if err != nil {
		t.Fatal(err)
	}
	n1, err := s.Store.CreateTestNotification(ctx, herald.NewNotification{Notifier: pd.ID, Type: "pagerduty", Recipients: "legacy-routing-key", Subject: "s", Body: "b", Trigger: "test"})
	if err != nil {
		t.Fatal(err)
	}
	n2, err := s.Store.CreateTestNotification(ctx, herald.NewNotification{Notifier: hook.ID, Type: "webhook", Recipients: "https://u:legacy-url-pw@hooks.example.com/x", Subject: "s", Body: "b", Trigger: "test"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// An older version never marked its recipients as redacted.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM settings WHERE key = 'recipients_redacted'"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if s, err = service.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []int64{pd.ID, hook.ID} {
		n, err := s.Store.GetNotifier(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if text := fmtAny(n.Config["service_key"]) + fmtAny(n.Config["url"]) + fmtAny(n.Config["headers"]); strings.Contains(text, "legacy") {
			t.Errorf("notifier %d still holds a secret in clear: %v", id, n.Config)
		}
	}
	for id, want := range map[int64]string{n1.ID: "$encrypted$", n2.ID: "https://hooks.example.com/x"} {
		n, err := s.Store.GetNotification(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if n.Recipients != want {
			t.Errorf("notification %d recipients %q, want %q", id, n.Recipients, want)
		}
	}
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		var b strings.Builder
		for k, v := range x {
			b.WriteString(k + "=" + fmtAny(v))
		}
		return b.String()
	}
	return ""
}
