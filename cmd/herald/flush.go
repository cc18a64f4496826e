package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// flushSpool is `herald flush`: send the reports that `herald run` and the
// Ansible callback kept while Herald could not take them, oldest first. It
// exits 1 when some are still left (Herald still away), so cron can say so.
func flushSpool(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("flush", getenv, stdout, "Usage: herald flush\n\nSends the reports kept in $XDG_STATE_HOME/herald/spool (or ~/.local/state/herald/spool)\n"+
		"to a running Herald server ($HERALD_URL, with $HERALD_TOKEN or $HERALD_USERNAME/$HERALD_PASSWORD), in order.")
	server := s.String("url", "HERALD_URL", "http://127.0.0.1:8080", "the Herald server")
	timeout := s.Seconds("timeout", "HERALD_TIMEOUT", 10*time.Second, "how long one request to Herald may take (a duration, or seconds)")
	if err := s.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	sp := &spool{dir: spoolDir(getenv)}
	res := sp.flush(ctx, newClient(*server, getenv, *timeout), stderr)
	fmt.Fprintf(stdout, "herald: %d report(s) sent, %d dropped, %d left in %s\n", res.sent, res.dropped, res.left, sp.dir)
	switch {
	case res.err != nil:
		//lint:ignore ST1005 Herald is a name
		return fmt.Errorf("Herald did not take the reports: %w", res.err)
	case res.left > 0:
		return errors.New("another herald is sending the spool now; try again later")
	}
	return nil
}
