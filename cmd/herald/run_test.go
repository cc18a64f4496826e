package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// TestRunReportsTheCommand runs `herald run` in-process against a real
// server: the job goes pending → running → its outcome, with the exit code
// and output tail, and herald run exits as the command did.
func TestRunReportsTheCommand(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Cron", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Nightly backup", "project": 1})
	env := map[string]string{"HERALD_URL": s.URL, "HERALD_USERNAME": "admin", "HERALD_PASSWORD": heraldtest.AdminPassword, "XDG_STATE_HOME": t.TempDir(), "HERALD_TIMEOUT": "300s"}
	getenv := func(k string) string { return env[k] }

	tests := []struct {
		name, script, status string
		code                 int
	}{
		{"success", "echo all good", "successful", 0},
		{"failure", "echo disk full >&2; exit 3", "failed", 3},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"run", "--template", "Nightly backup", "--", "sh", "-c", tt.script}, getenv, &stdout, &stderr)
			var ee *exitError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("run: %v (stderr %s)", err, stderr.String())
			case tt.code != 0 && (!errors.As(err, &ee) || ee.code != tt.code):
				t.Fatalf("run returned %v, want exit status %d", err, tt.code)
			}
			job := s.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/jobs/%d/", i+1), nil)
			tb, _ := job["result_traceback"].(string)
			if job["status"] != tt.status || job["started"] == nil || job["finished"] == nil {
				t.Fatalf("job = %v", job)
			}
			// Only a failure has a traceback.
			if wantTB := tt.code != 0; wantTB != strings.Contains(tb, fmt.Sprintf("exit code %d", tt.code)) || (!wantTB && tb != "") {
				t.Errorf("result_traceback %q for exit code %d", tb, tt.code)
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, strings.Fields(tt.script)[1]) {
				t.Errorf("the command's output did not pass through: %q", out)
			}
		})
	}
}

func TestRunNeedsATemplateAndACommand(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"run", "--", "true"}, func(string) string { return "" }, &stderr, &stderr)
	var ce *configError
	if !errors.As(err, &ce) || exitCode(err, &stderr) != 2 {
		t.Fatalf("got %v, want a configuration error (exit 2)", err)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"bad duration":     {"HERALD_RETRY_BASE": "soon"},
		"lease too short":  {"HERALD_LEASE": "1s", "HERALD_ATTEMPT_TIMEOUT": "5s"},
		"bad database url": {"HERALD_DATABASE_URL": "mysql://x"},
		"postgres no key":  {"HERALD_DATABASE_URL": "postgres://postgres@127.0.0.1:1/x"},
		"short key":        {"HERALD_SECRET_KEY": "too short"},
	} {
		t.Run(name, func(t *testing.T) {
			env["HERALD_DATA_DIR"] = t.TempDir()
			var out bytes.Buffer
			err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &out, &out)
			if code := exitCode(err, &out); code != 2 {
				t.Fatalf("exit %d, want 2 (err %v)", code, err)
			}
		})
	}
}

func TestServeRefusesBadAllowDestinations(t *testing.T) {
	for name, args := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"variable, link-local": {map[string]string{"HERALD_ALLOW_DESTINATIONS": "127.0.0.1,169.254.169.254"}, nil, "HERALD_ALLOW_DESTINATIONS"},
		"variable, garbage":    {map[string]string{"HERALD_ALLOW_DESTINATIONS": "10.0.0.0/33"}, nil, "HERALD_ALLOW_DESTINATIONS"},
		"flag, garbage":        {map[string]string{}, []string{"--allow-destinations", "not a name"}, "allow-destinations"},
	} {
		t.Run(name, func(t *testing.T) {
			args.env["HERALD_DATA_DIR"] = t.TempDir()
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, args.args...), func(k string) string { return args.env[k] }, &out, &out)
			if code := exitCode(err, &out); code != 2 || !strings.Contains(err.Error()+out.String(), args.want) {
				t.Fatalf("exit %d, err %v, output %q; want 2 naming %s", code, err, out.String(), args.want)
			}
		})
	}
}
