package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// runJob is `herald run`: launch a job, report running, run the command,
// report how it ended. Herald's trouble never changes the command's outcome:
// the command always runs and herald run exits with its status, whatever
// Herald answers; what could not be sent waits in the spool (spool.go).
func runJob(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("run", getenv, stdout, "Usage: herald run --template NAME_OR_ID [--kind job|project_update|inventory_update|workflow_job|system_job] -- COMMAND [ARGS...]\n\n"+
		"Runs COMMAND as a job of a running Herald server ($HERALD_URL, with $HERALD_TOKEN or $HERALD_USERNAME/$HERALD_PASSWORD).\n"+
		"COMMAND always runs, and herald run exits with its status; reports Herald could not take wait in\n"+
		"$XDG_STATE_HOME/herald/spool (or ~/.local/state/herald/spool) for the next herald run or herald flush.")
	template := s.String("template", "HERALD_TEMPLATE", "", "the template (name or id) to launch from")
	kind := s.String("kind", "HERALD_KIND", "job", "the kind of job")
	server := s.String("url", "HERALD_URL", "http://127.0.0.1:8080", "the Herald server")
	timeout := s.Seconds("timeout", "HERALD_TIMEOUT", 10*time.Second, "how long one request to Herald may take (a duration, or seconds)")
	if err := s.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	command := s.fs.Args()
	if *template == "" || len(command) == 0 {
		s.fs.Usage()
		return configErrorf("herald run needs --template and a command after --")
	}
	collection, verb, ok := launchPath(*kind)
	if !ok {
		return configErrorf("--kind %q: use job, project_update, inventory_update, workflow_job or system_job", *kind)
	}
	r := &runReporter{
		spool:  &spool{dir: spoolDir(getenv)},
		client: newClient(*server, getenv, *timeout),
		warn:   stderr,
		tail:   tailBuffer{max: 4096},
		launch: spoolLaunch{Collection: collection, Template: *template, Verb: verb, IdempotencyKey: "herald-run-" + randomHex(16)},
	}
	// Reports of earlier runs go first, then this run's launch.
	r.add(spoolEntry{Launch: &r.launch})
	r.send()
	r.add(r.report(map[string]any{"status": "running", "started": time.Now().UTC().Format(time.RFC3339Nano)}))
	r.send()

	reportFile, cleanup := newReportFile()
	defer cleanup()
	code, how, startErr := runCommand(command, childEnv(os.Environ(), r, *kind, reportFile), stdout, stderr, ctx.Done(), &r.tail)

	final := map[string]any{"finished": time.Now().UTC().Format(time.RFC3339Nano)}
	switch {
	case startErr != nil:
		final["status"], final["job_explanation"] = "error", fmt.Sprintf("%s could not be started: %v", command[0], startErr)
		final["result_traceback"] = startErr.Error()
	case how != "":
		final["status"], final["job_explanation"] = "canceled", how
	case code != 0:
		final["status"] = "failed"
	default:
		final["status"] = "successful"
	}
	if code != 0 && startErr == nil {
		final["result_traceback"] = fmt.Sprintf("exit code %d\n%s", code, r.tail.String())
	}
	mergeCallbackReport(final, reportFile, stderr)
	if final["status"] != "failed" && final["status"] != "error" {
		delete(final, "result_traceback") // only a failure has one
	}
	r.add(r.report(final))
	r.down = false // Herald may be back after a long job: one more try
	r.send()
	if r.left > 0 {
		fmt.Fprintf(stderr, "herald: %d report(s) kept in %s; `herald flush` or the next herald run sends them\n", r.left, r.spool.dir)
	}
	if code != 0 {
		return &exitError{code}
	}
	return nil
}

// runReporter sends one run's reports through the spool, in order after
// any older ones.
type runReporter struct {
	spool  *spool
	client *client
	warn   io.Writer
	launch spoolLaunch
	job    string // the job's API path, once Herald said it
	down   bool   // Herald failed this run once: keep reports for the end
	left   int    // entries still in the spool after the last send
	warned bool
	tail   tailBuffer
}

// report is an entry patching this run's job.
func (r *runReporter) report(patch map[string]any) spoolEntry {
	if r.job != "" {
		return spoolEntry{Job: r.job, Patch: patch}
	}
	return spoolEntry{Launch: &r.launch, Patch: patch}
}

func (r *runReporter) add(e spoolEntry) {
	if err := r.spool.add(e); err != nil {
		fmt.Fprintf(r.warn, "herald: could not keep a report in %s: %v\n", r.spool.dir, err)
	}
}

// send flushes the spool unless Herald already failed this run.
func (r *runReporter) send() {
	if r.down {
		return
	}
	res := r.spool.flush(context.Background(), r.client, r.warn)
	if job := res.jobs[r.launch.IdempotencyKey]; job != "" {
		r.job = job
	}
	r.left = res.left
	if res.err != nil {
		r.down = true
		if !r.warned {
			r.warned = true
			fmt.Fprintf(r.warn, "herald: Herald did not take the report (%v); the command runs all the same\n", res.err)
		}
	}
}

// childEnv is the command's environment: Herald's address and the job, so
// that a reporter inside (the Ansible callback) adds to this one job; never
// the password.
func childEnv(env []string, r *runReporter, kind, reportFile string) []string {
	out := make([]string, 0, len(env)+4)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "HERALD_PASSWORD", "HERALD_URL", "HERALD_JOB_ID", "HERALD_JOB_KIND", "HERALD_REPORT_FILE":
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "HERALD_URL="+r.client.base, "HERALD_JOB_KIND="+kind, "HERALD_REPORT_FILE="+reportFile)
	if id := jobID(r.job); id != "" {
		out = append(out, "HERALD_JOB_ID="+id)
	}
	return out
}

// jobID is the id at the end of a job path ("/api/v1/jobs/7/" → "7").
func jobID(path string) string {
	id := filepath.Base(strings.TrimRight(path, "/"))
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return ""
	}
	return id
}

// runCommand runs the command with its output passed through (and its tail
// kept for the report) and SIGINT and SIGTERM passed to it. how is why it
// was stopped ("" when it ended by itself); code is its exit status, 128 +
// the signal when a signal ended it, 127 when it could not be started.
func runCommand(command, env []string, stdout, stderr io.Writer, done <-chan struct{}, tail *tailBuffer) (code int, how string, startErr error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = env
	cmd.Stdin = os.Stdin
	cmd.Stdout, cmd.Stderr = io.MultiWriter(stdout, tail), io.MultiWriter(stderr, tail)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 127, "", err
	}
	exited := make(chan struct{})
	stopped := make(chan string, 1)
	go func() {
		var how string
		for {
			select {
			case sig := <-sigs:
				if how == "" {
					how = fmt.Sprintf("herald run got %s and passed it to the command", signalName(sig))
					stopped <- how
				}
				// A Ctrl-C at the terminal reached the command already (it is
				// in our process group); passing it again would be a second one.
				if sig != syscall.SIGINT || !terminalSentIt() {
					cmd.Process.Signal(sig)
				}
			case <-done:
				if how == "" {
					how = "herald run was stopped"
					stopped <- how
				}
				cmd.Process.Signal(syscall.SIGTERM)
				done = nil
			case <-exited:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(exited)
	select {
	case how = <-stopped:
	default:
	}
	if err == nil {
		return 0, how, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			if how == "" && (ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM) {
				how = fmt.Sprintf("the command was ended by %s", signalName(ws.Signal()))
			}
			return 128 + int(ws.Signal()), how, nil
		}
		return ee.ExitCode(), how, nil
	}
	return 1, how, nil
}

func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// terminalSentIt reports whether our process group is the foreground of the
// terminal on standard input: a SIGINT then came from Ctrl-C, which the
// kernel sent to the whole group, the command included.
func terminalSentIt() bool {
	var pgrp int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, 0, uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
		return false
	}
	return int(pgrp) == syscall.Getpgrp()
}

// newReportFile is where the Ansible callback, run inside, leaves the
// playbook's results (hosts, failures) for the final report.
// It is in a directory of its own (mode 0700), so no one else can put it there.
func newReportFile() (string, func()) {
	dir, err := os.MkdirTemp("", "herald-run-")
	if err != nil {
		return "", func() {}
	}
	// The callback creates it; absent means no callback ran.
	return filepath.Join(dir, "report.json"), func() { os.RemoveAll(dir) }
}

// mergeCallbackReport adds what a callback inside reported (host counts,
// hosts, failures) to the final report. The status stays herald run's: it
// saw how the command ended.
func mergeCallbackReport(final map[string]any, path string, warn io.Writer) {
	if path == "" {
		return
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var got map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(data, &got)
	}
	if err != nil {
		fmt.Fprintf(warn, "herald: the callback's report %s is unreadable: %v\n", path, err)
		return
	}
	for _, k := range []string{"host_status_counts", "hosts", "failures"} {
		if v, ok := got[k]; ok {
			final[k] = v
		}
	}
	// Ctrl-C sent to the playbook alone: it exits 99, and the callback saw why.
	var status string
	json.Unmarshal(got["status"], &status)
	if status == "canceled" && final["status"] == "failed" {
		final["status"], final["job_explanation"] = "canceled", "the playbook was interrupted"
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func launchPath(kind string) (collection, verb string, ok bool) {
	switch kind {
	case "job":
		return "job_templates", "launch", true
	case "project_update":
		return "projects", "update", true
	case "inventory_update":
		return "inventory_sources", "update", true
	case "workflow_job":
		return "workflow_job_templates", "launch", true
	case "system_job":
		return "system_job_templates", "launch", true
	}
	return "", "", false
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return strings.ToValidUTF8(string(t.buf), "") }
