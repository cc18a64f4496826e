// Command herald is Herald's one binary: `herald serve` runs the service,
// `herald run` wraps any command as a job, `herald flush` sends the reports
// it kept while Herald was away, `herald version` says which build.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/herald-notify/herald"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if len(os.Args) > 1 && os.Args[1] == "run" {
		// herald run passes the signals to its command and reports the job
		// canceled once the command has ended: they must not stop it first.
		stop()
		ctx, stop = context.WithCancel(context.Background())
	}
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// configError is bad configuration: exit status 2 with a one-line message.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{fmt.Sprintf(format, args...)}
}

// exitError carries a wrapped command's exit status (herald run).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error, stderr io.Writer) int {
	var ce *configError
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, "herald:", ce.msg)
		return 2
	default:
		fmt.Fprintln(stderr, "herald:", err)
		return 1
	}
}

const usage = `Herald: job notifications.

Usage:
  herald serve [flags]      run the API, the web console and the delivery workers
  herald run [flags] -- COMMAND [ARGS...]
                            run COMMAND as a job and report it to a running server
  herald import awx FILE    create or update, by name, what 'awx export' wrote
  herald admin reset-password USERNAME
                            set a user's password (from standard input) and revoke its tokens
  herald flush [flags]      send the reports kept while Herald could not be reached
  herald version            print the version

Run "herald serve --help" or "herald run --help" for their flags.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return configErrorf("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "run":
		return runJob(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return importAWX(ctx, args[1:], getenv, stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], getenv, os.Stdin, stdout, stderr)
	case "flush":
		return flushSpool(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "herald", herald.Version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return configErrorf("unknown command %q", args[0])
}
