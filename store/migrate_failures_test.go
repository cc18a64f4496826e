package store_test

import (
	"context"
	"database/sql"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/herald-notify/herald"
)

// TestHostsMigrateToAWXShape: jobs written before migration 10 held each
// host's "failed" as an integer; after it they read back in AWX's shape,
// failed true exactly when the host was dark or had failures.
func TestHostsMigrateToAWXShape(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := b.url(t)
			driver, dsn, dialect := "sqlite", strings.TrimPrefix(url, "sqlite:"), goose.DialectSQLite3
			if b.name == "postgres" {
				driver, dsn, dialect = "pgx", url, goose.DialectPostgres
			}
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := goose.NewProvider(dialect, db, os.DirFS("migrations/"+b.name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 9); err != nil {
				t.Fatal(err)
			}
			old := `{"web1": {"ok": 1, "changed": 1, "failed": 0, "dark": 0, "skipped": 0, "processed": 1, "rescued": 0, "ignored": 0, "failures": 0},
				"web2": {"ok": 0, "changed": 0, "failed": 1, "dark": 0, "skipped": 0, "processed": 1, "rescued": 0, "ignored": 0, "failures": 1},
				"down": {"ok": 0, "changed": 0, "failed": 0, "dark": 1, "skipped": 0, "processed": 1, "rescued": 0, "ignored": 0, "failures": 0}}`
			q := "INSERT INTO jobs (kind, name, status, template, hosts, created, modified) VALUES ('job', 'old', 'failed', 1, $1, 1, 1)"
			if b.name == "sqlite" {
				q = strings.Replace(q, "$1", "?", 1)
			}
			if _, err := db.ExecContext(ctx, q, old); err != nil {
				t.Fatal(err)
			}
			db.Close()
			st := open(t, url) // migrates the rest
			var id int64 = 1
			j, err := st.GetJob(ctx, herald.KindJob, id)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]herald.HostSummary{
				"web1": {Changed: 1, OK: 1, Processed: 1},
				"web2": {Failed: true, Failures: 1, Processed: 1},
				"down": {Failed: true, Dark: 1, Processed: 1},
			}
			if !reflect.DeepEqual(j.Hosts, want) {
				t.Errorf("hosts %+v\nwant %+v", j.Hosts, want)
			}
			if j.Failures != nil {
				t.Errorf("failures %v, want none", j.Failures)
			}
		})
	}
}
