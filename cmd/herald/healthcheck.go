package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck is `herald healthcheck`: GET /healthz of the server at --addr
// (the same setting and variable as serve's, so that a container's
// environment serves both), exit 0 on 200 and 1 otherwise.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	s := newSettings("healthcheck", getenv, stdout, "Usage: herald healthcheck [flags]\n\nExits 0 when the server at --addr answers GET /healthz with 200, 1 otherwise.")
	addr := s.String("addr", "HERALD_ADDR", "127.0.0.1:8080", "where the server listens (an unspecified host means this machine)")
	timeout := s.Duration("timeout", "HERALD_HEALTHCHECK_TIMEOUT", 5*time.Second, "how long to wait for the answer")
	if err := s.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := s.noArgs(); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return configErrorf("--addr %s: %v", *addr, err)
	}
	// A server listening on 0.0.0.0 or [::] is reached on loopback.
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	u := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", u, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: %s", u, resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
