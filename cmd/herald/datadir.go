package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
)

// warnOpenDirectory warns when others may read or enter dir, which holds
// the database and the key: MkdirAll's 0700 applies only to a new directory.
func warnOpenDirectory(log *slog.Logger, dir string) {
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("the data directory is open to other users; restrict it to the owner",
		"dir", dir, "mode", fi.Mode().Perm().String(), "fix", "chmod 700 "+dir)
}

// holdsData reports whether a SQLite database file exists at path with
// something in it: its secrets need the key it was created with.
func holdsData(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Size() > 0
}

// missing reports whether path does not exist.
func missing(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}
