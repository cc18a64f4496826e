// Command herald is Herald's one binary: `herald serve` runs the service,
// `herald run` wraps any command as a job, `herald flush` sends the reports
// it kept while Herald was away, `herald version` says which build,
// `herald healthcheck` asks a running server whether it is alive (the
// container image's health check: a scratch image has no curl), and
// `herald completion bash|zsh` prints shell completion.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/herald-notify/herald/internal/buildinfo"
)

func main() {
	// SIGHUP stops cleanly too (docs/api.md §0): a server whose terminal or
	// session went away should finish its attempts and hand back its claims,
	// not die in the middle of them. There is nothing to reload.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
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
		fmt.Fprintln(stderr, "herald:", oneLine(ce))
		return 2
	default:
		fmt.Fprintln(stderr, "herald:", oneLine(err))
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
  herald notifications list|retry|cancel ...
                            see, send again or stop notifications of a running server
  herald notifier pause|resume|test NAME_OR_ID
                            hold, release or test a notifier of a running server
  herald version            print the version, the commit and the Go version
  herald healthcheck [--addr ADDR]
                            exit 0 if the server at ADDR answers /healthz
  herald completion bash|zsh
                            print shell completion (source it from your shell's rc file)

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
	case "notifications":
		return notificationsCmd(ctx, args[1:], getenv, stdout, stderr)
	case "notifier":
		return notifierCmd(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		if len(args) > 1 {
			return configErrorf("unexpected argument %q: herald version takes none", args[1])
		}
		fmt.Fprint(stdout, buildinfo.Read())
		return nil
	case "healthcheck":
		return healthcheck(ctx, args[1:], getenv, stdout)
	case "completion":
		return completion(ctx, args[1:], getenv, stdout)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return configErrorf("unknown command %q", args[0])
}
