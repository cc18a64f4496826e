package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
	"github.com/herald-notify/herald/store"
)

// admin runs the operator's own commands against the database a server
// uses, while servers run: `herald admin reset-password USERNAME`.
func admin(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "reset-password" {
		fmt.Fprint(stderr, adminUsage)
		return configErrorf("herald admin: give a command: reset-password USERNAME")
	}
	s := newSettings("admin reset-password", getenv, stdout, adminUsage)
	dataDir := s.String("data-dir", "HERALD_DATA_DIR", "./herald-data", "where the SQLite database lives (as for serve)")
	database := s.String("database", "HERALD_DATABASE_URL", "", "the database, as for serve (default sqlite: in the data dir)")
	if err := s.parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	rest := s.fs.Args()
	if len(rest) != 1 {
		return configErrorf("herald admin reset-password takes one USERNAME")
	}
	username := rest[0]
	password := getenv("HERALD_ADMIN_PASSWORD")
	if password == "" {
		fmt.Fprintf(stderr, "New password for %s (then Enter): ", username)
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return configErrorf("no new password on standard input or in HERALD_ADMIN_PASSWORD")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	dbURL := *database
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(*dataDir, "herald.db")
		if _, err := os.Stat(filepath.Join(*dataDir, "herald.db")); err != nil {
			return configErrorf("--data-dir %s holds no database: %v", *dataDir, err)
		}
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	err = app.New(app.Config{Store: st}).ResetPassword(ctx, username, password)
	switch herald.ErrorCode(err) {
	case "":
		fmt.Fprintf(stdout, "The password of %s is changed; its tokens are revoked.\n", username)
		return nil
	case herald.ENOTFOUND:
		return configErrorf("no user called %q", username)
	case herald.EINVALID:
		return configErrorf("the password must have at least 8 characters")
	}
	return err
}

const adminUsage = `Usage: herald admin reset-password [flags] USERNAME

Sets USERNAME's password, read from standard input or HERALD_ADMIN_PASSWORD,
and revokes its tokens. It works while servers run, on the same database.
`
