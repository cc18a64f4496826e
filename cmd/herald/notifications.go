package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
)

// notificationsCmd is `herald notifications list|retry|cancel`, for a
// person on call: see what failed, send it again, or stop it.
func notificationsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "Usage:\n  herald notifications list [--status STATUS] [--notifier NAME_OR_ID]\n" +
		"  herald notifications retry|cancel ID...\n  herald notifications retry|cancel --notifier NAME_OR_ID [--status STATUS]\n\n" +
		"Talks to a running Herald server ($HERALD_URL, with $HERALD_TOKEN or $HERALD_USERNAME/$HERALD_PASSWORD)."
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return configErrorf("herald notifications needs list, retry or cancel")
	}
	verb := args[0]
	if verb != "list" && verb != "retry" && verb != "cancel" {
		fmt.Fprintln(stderr, usage)
		return configErrorf("herald notifications: unknown verb %q", verb)
	}
	s := newSettings("notifications "+verb, getenv, stderr, usage)
	status := s.String("status", "", "", "only notifications with this status (pending, successful, failed, canceled)")
	notifier := s.String("notifier", "", "", "only the notifications of this notifier (name or id)")
	server := s.String("url", "HERALD_URL", "http://127.0.0.1:8080", "the Herald server")
	if err := s.parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	c := apiClient(*server, getenv)
	var notifierID int64
	if *notifier != "" {
		id, err := c.resolve(ctx, "notifiers", *notifier)
		if err != nil {
			return err
		}
		notifierID = id
	}
	if verb == "list" {
		return listNotifications(ctx, c, *status, notifierID, stdout)
	}
	ids := s.fs.Args()
	switch {
	case len(ids) > 0 && (notifierID != 0 || *status != ""):
		return configErrorf("herald notifications %s: give ids or --notifier/--status, not both", verb)
	case len(ids) == 0 && notifierID == 0 && *status == "":
		return configErrorf("herald notifications %s: give notification ids, or --notifier and/or --status", verb)
	case len(ids) == 0:
		filter := map[string]any{}
		if notifierID != 0 {
			filter["notifier"] = notifierID
		}
		if *status != "" {
			filter["status"] = *status
		}
		var out struct {
			Count int `json:"count"`
		}
		if err := c.do(ctx, "POST", "/api/v1/notifications/"+verb+"/", filter, &out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d notifications\n", pastTense(verb), out.Count)
		return nil
	}
	failed := 0
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return configErrorf("%q is not a notification id", raw)
		}
		var n struct {
			Status string `json:"status"`
		}
		if err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/notifications/%d/%s/", id, verb), nil, &n); err != nil {
			fmt.Fprintf(stderr, "herald: notification %d: %v\n", id, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "notification %d: %s\n", id, n.Status)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d notifications could not be %s", failed, len(ids), pastTense(verb))
	}
	return nil
}

func pastTense(verb string) string {
	if verb == "cancel" {
		return "canceled"
	}
	return "retried"
}

// listNotifications prints one line per notification, newest first.
func listNotifications(ctx context.Context, c *client, status string, notifier int64, stdout io.Writer) error {
	q := url.Values{"order_by": {"-id"}, "page_size": {"200"}}
	if status != "" {
		q.Set("status", status)
	}
	if notifier != 0 {
		q.Set("notifier", strconv.FormatInt(notifier, 10))
	}
	var page struct {
		Count   int `json:"count"`
		Results []struct {
			ID       int64  `json:"id"`
			Notifier int64  `json:"notifier"`
			Type     string `json:"notification_type"`
			Status   string `json:"status"`
			Attempts int    `json:"attempts"`
			Created  string `json:"created"`
			Error    string `json:"error"`
			Summary  struct {
				Notifier struct {
					Name string `json:"name"`
				} `json:"notifier"`
			} `json:"summary_fields"`
		} `json:"results"`
	}
	if err := c.do(ctx, "GET", "/api/v1/notifications/?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tATTEMPTS\tNOTIFIER\tCREATED\tERROR")
	for _, n := range page.Results {
		errText := n.Error
		if len(errText) > 80 {
			errText = errText[:80] + "…"
		}
		fmt.Fprintf(w, "%d\t%s\t%d\t%s (%d, %s)\t%s\t%s\n", n.ID, n.Status, n.Attempts, n.Summary.Notifier.Name, n.Notifier, n.Type, n.Created,
			strings.ReplaceAll(errText, "\n", " "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if page.Count > len(page.Results) {
		fmt.Fprintf(stdout, "(%d of %d shown, newest first)\n", len(page.Results), page.Count)
	}
	return nil
}

// notifierCmd is `herald notifier pause|resume|test NAME_OR_ID`.
func notifierCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "Usage: herald notifier pause|resume|test NAME_OR_ID\n\n" +
		"pause holds the notifier's notifications (nothing is dropped), resume sends them, test sends a test message.\n" +
		"Talks to a running Herald server ($HERALD_URL, with $HERALD_TOKEN or $HERALD_USERNAME/$HERALD_PASSWORD)."
	if len(args) == 0 || (args[0] != "pause" && args[0] != "resume" && args[0] != "test") {
		fmt.Fprintln(stderr, usage)
		return configErrorf("herald notifier needs pause, resume or test")
	}
	verb := args[0]
	s := newSettings("notifier "+verb, getenv, stderr, usage)
	server := s.String("url", "HERALD_URL", "http://127.0.0.1:8080", "the Herald server")
	if err := s.parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if s.fs.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
		return configErrorf("herald notifier %s needs one notifier name or id", verb)
	}
	c := apiClient(*server, getenv)
	id, err := c.resolve(ctx, "notifiers", s.fs.Arg(0))
	if err != nil {
		return err
	}
	if verb == "test" {
		var n struct {
			ID int64 `json:"id"`
		}
		if err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", id), nil, &n); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "test notification %d queued: /api/v1/notifications/%d/\n", n.ID, n.ID)
		return nil
	}
	var n struct {
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
	}
	if err := c.do(ctx, "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", id), map[string]any{"enabled": verb == "resume"}, &n); err != nil {
		return err
	}
	state := "paused: its notifications are held"
	if n.Enabled {
		state = "enabled: held notifications go out now"
	}
	fmt.Fprintf(stdout, "notifier %d (%s) %s\n", id, n.Name, state)
	return nil
}

// apiClient is the client of the CLI verbs, from the same settings as herald run.
func apiClient(server string, getenv func(string) string) *client {
	return &client{base: strings.TrimRight(server, "/"), token: getenv("HERALD_TOKEN"), user: getenv("HERALD_USERNAME"), pass: getenv("HERALD_PASSWORD")}
}
