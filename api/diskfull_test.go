package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// A database that cannot grow (SQLite's max_page_count: the real
// SQLITE_FULL a full disk gives) makes writes answer 503 saying so, and
// /readyz not ready, until its probe write succeeds again.
func TestFullDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	ctx := context.Background()
	st := s.Service.Store
	pages, err := st.SQLitePages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.LimitSQLitePages(ctx, pages); err != nil {
		t.Fatal(err)
	}
	var full *heraldtest.Response
	for i := 0; i < 2000 && full == nil; i++ {
		r := s.Do("POST", "/api/v1/organizations/", map[string]any{"name": fmt.Sprintf("org-%d", i), "description": strings.Repeat("x", 2000)})
		switch r.Status {
		case http.StatusCreated:
		case http.StatusServiceUnavailable:
			full = r
		default:
			t.Fatalf("create %d on a full database: %d %s", i, r.Status, r.Body)
		}
	}
	if full == nil {
		t.Fatal("the database never filled up")
	}
	if d, _ := full.JSON()["detail"].(string); !strings.HasPrefix(d, "The database cannot write: ") {
		t.Errorf("503 detail %q", d)
	}
	if r := s.Do("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "cannot write") {
		t.Errorf("/readyz on a full database: %d %s", r.Status, r.Body)
	}
	// Reads still work.
	if r := s.Do("GET", "/api/v1/organizations/", nil); r.Status != http.StatusOK {
		t.Errorf("reading a full database: %d", r.Status)
	}
	// Room again: the probe succeeds, and so do writes.
	if err := st.LimitSQLitePages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	if r := s.Do("GET", "/readyz", nil); r.Status != http.StatusOK {
		t.Errorf("/readyz with room again: %d %s", r.Status, r.Body)
	}
	if r := s.Do("POST", "/api/v1/organizations/", map[string]any{"name": "after"}); r.Status != http.StatusCreated {
		t.Errorf("create with room again: %d %s", r.Status, r.Body)
	}
}
