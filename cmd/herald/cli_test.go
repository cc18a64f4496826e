package main

// Tests of the command line as a user meets it: help, stray words, one-line
// errors naming the setting with the right exit status, nothing created on
// disk by a start that fails, signals, version and shell completion.

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testKey = "a-test-secret-key-of-at-least-32-bytes!!"

// runCLI runs herald in-process with env as its whole environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

// oneLineNaming checks that stderr is one line that names every word of want.
func oneLineNaming(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if n := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); n != 0 || stderr == "" {
		t.Fatalf("want one line on stderr, got %d:\n%s", n+1, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not name %q", stderr, w)
		}
	}
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Fatalf("%s holds %d entries after a failed start, want none (first: %s)", dir, len(entries), entries[0].Name())
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	for _, cmd := range []string{"serve", "run", "healthcheck", "completion"} {
		t.Run(cmd, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, cmd, "--help")
			if code != 0 || stderr != "" || !strings.Contains(stdout, "Usage: herald "+cmd) {
				t.Fatalf("herald %s --help: exit %d, stdout %q, stderr %q; want exit 0 with the help on stdout", cmd, code, stdout, stderr)
			}
		})
	}
	_, stdout, _ := runCLI(t, nil, "serve", "-h")
	for _, f := range []string{"--addr", "$HERALD_ADDR", "--log-level", "$HERALD_LOG_LEVEL", "--data-dir"} {
		if !strings.Contains(stdout, f) {
			t.Errorf("serve --help does not list %s", f)
		}
	}
}

// TestStrayArgument: the flag package stops at the first word that is not a
// flag, so without the check every flag after it was silently dropped.
func TestStrayArgument(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	code, _, stderr := runCLI(t, nil, "serve", "--data-dir", dir, "oops", "--addr", ":9")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	oneLineNaming(t, stderr, `"oops"`)
	emptyDir(t, dir)
}

func TestServeConfigurationErrors(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		names []string
	}{
		{"short secret key", map[string]string{"HERALD_SECRET_KEY": "too short"}, nil, []string{"HERALD_SECRET_KEY", "32 bytes"}},
		{"short key file", nil, []string{"--secret-key-file", writeFile(t, tmp, "short.key", "abc")}, []string{"--secret-key-file"}},
		{"missing key file", nil, []string{"--secret-key-file", filepath.Join(tmp, "nosuch.key")}, []string{"--secret-key-file"}},
		{"bad log level", map[string]string{"HERALD_LOG_LEVEL": "loud"}, nil, []string{"--log-level"}},
		{"bad flag", nil, []string{"--nosuch"}, []string{"-nosuch", "herald serve --help"}},
		{"bad variable", map[string]string{"HERALD_WORKERS": "many"}, nil, []string{"HERALD_WORKERS"}},
		{"bad database url", map[string]string{"HERALD_DATABASE_URL": "mysql://x"}, nil, []string{"HERALD_DATABASE_URL"}},
		{"postgres without key", map[string]string{"HERALD_DATABASE_URL": "postgres://postgres@127.0.0.1:1/x"}, nil, []string{"HERALD_SECRET_KEY"}},
		{"sqlite outside the data dir", nil, []string{"--database", "sqlite:" + filepath.Join(tmp, "nonexistent", "dir", "h.db")}, []string{"--database", filepath.Join(tmp, "nonexistent", "dir")}},
		{"zero timeout", nil, []string{"--attempt-timeout", "0s"}, []string{"--attempt-timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, tt.args...)
			code, _, stderr := runCLI(t, tt.env, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			oneLineNaming(t, stderr, tt.names...)
			emptyDir(t, dir)
		})
	}
	if _, err := os.Stat(filepath.Join(tmp, "nonexistent")); !os.IsNotExist(err) {
		t.Fatalf("a directory was created outside the data dir: %v", err)
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPortInUseCreatesNothing: the port is bound before the data dir, the
// key, the database and the admin are made.
func TestPortInUseCreatesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "data")
	code, _, stderr := runCLI(t, map[string]string{"HERALD_ADMIN_PASSWORD": "pw"}, "serve", "--addr", ln.Addr().String(), "--data-dir", dir)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (stderr %q)", code, stderr)
	}
	oneLineNaming(t, stderr, "--addr", ln.Addr().String())
	emptyDir(t, dir)
}

// TestUnreachableDatabase: exit 1, one line naming the setting and the host,
// without pgx's several lines and without the password.
func TestUnreachableDatabase(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := dead.Addr().String()
	dead.Close() // nothing listens there now
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"HERALD_SECRET_KEY": testKey, "HERALD_DATABASE_URL": "postgres://herald:hunter2-secret@" + host + "/herald"}
	code, _, stderr := runCLI(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (stderr %q)", code, stderr)
	}
	oneLineNaming(t, stderr, "--database", "HERALD_DATABASE_URL", host)
	if strings.Contains(stderr, "hunter2") {
		t.Fatalf("the password is in the message: %s", stderr)
	}
	emptyDir(t, dir)
}

func TestSighupStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald")
	}
	p := mustServe(t, nil, "--data-dir", t.TempDir())
	if err := p.signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second): // against hanging only
		t.Fatal("herald did not stop on SIGHUP")
	}
	if st := p.wait(); st.ExitCode() != 0 || !strings.Contains(p.logText(), "msg=stopped") {
		t.Fatalf("after SIGHUP: %v, log:\n%s\nwant exit 0 after the clean stop", st, p.logText())
	}
}

func TestVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald")
	}
	out, err := exec.Command(heraldBinary(t), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"herald 0.1.0-dev\n", "\nrevision: ", "\ntime: ", "\ngo: " + runtime.Version() + "\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("herald version = %q, want it to contain %q", out, want)
		}
	}
}

// TestBashCompletion runs the generated function in bash as the shell does.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	_, script, _ := runCLI(t, nil, "completion", "bash")
	complete := func(words ...string) string {
		t.Helper()
		prog := script + "\nCOMP_WORDS=(" + strings.Join(words, " ") + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _herald; echo \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "--norc", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := complete("herald", "se"); got != "serve" {
		t.Errorf("herald se<TAB> = %q, want serve", got)
	}
	if got := complete("herald", "serve", "--data-dir", "x", "--log-l"); got != "--log-level" {
		t.Errorf("herald serve ... --log-l<TAB> = %q, want --log-level", got)
	}
	if got := complete("herald", "run", "--te"); got != "--template" {
		t.Errorf("herald run --te<TAB> = %q, want --template", got)
	}
	if got := complete("herald", "completion", "z"); got != "zsh" {
		t.Errorf("herald completion z<TAB> = %q, want zsh", got)
	}
}

// TestZshCompletion loads the script into a zsh with compinit: it must parse
// and define _herald with every flag of serve.
func TestZshCompletion(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zsh is missing (apt-get install zsh)")
		}
		t.Skip("no zsh (apt-get install zsh)")
	}
	_, script, _ := runCLI(t, nil, "completion", "zsh")
	f := writeFile(t, t.TempDir(), "_herald.zsh", script)
	prog := "autoload -Uz compinit && compinit -u -d " + filepath.Join(t.TempDir(), "zcompdump") + " && source " + f + " && print -r -- $_comps[herald] && whence -w _herald"
	out, err := exec.Command(zsh, "-f", "-c", prog).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "_herald\n_herald: function") {
		t.Fatalf("zsh: %v\n%s", err, out)
	}
	for _, f := range flagsOf(context.Background(), "serve") {
		if !strings.Contains(script, "'--"+f.name+"=[") {
			t.Errorf("zsh completion lacks --%s", f.name)
		}
	}
}

// TestLogLevel: with --log-level warn a whole start, requests and stop log
// no INFO line (the default level logs several: ready, stopping, stopped).
func TestLogLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	cmd := exec.Command(heraldBinary(t), "serve", "--addr", addr, "--data-dir", t.TempDir())
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HERALD_ADMIN_PASSWORD=pw-for-the-test", "HERALD_LOG_LEVEL=warn"}
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	up := false
	for range 600 { // against hanging only
		if resp, err := procClient.Get("http://" + addr + "/api/v1/ping/"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == 200
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	if !up || err != nil {
		t.Fatalf("up %v, exit %v, log:\n%s", up, err, log.String())
	}
	if strings.Contains(log.String(), "level=INFO") {
		t.Fatalf("INFO lines with --log-level warn:\n%s", log.String())
	}
}
