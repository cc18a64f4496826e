package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// runJob is `herald run`: launch a job, report running, run the command,
// report how it ended. Herald's trouble never changes the command's outcome:
// the command runs and its exit status is returned even if reports fail.
func runJob(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("run", getenv, stderr, "Usage: herald run --template NAME_OR_ID [--kind job|project_update|inventory_update|workflow_job|system_job] -- COMMAND [ARGS...]\n\nRuns COMMAND as a job of a running Herald server ($HERALD_URL, with $HERALD_TOKEN or $HERALD_USERNAME/$HERALD_PASSWORD).")
	template := s.String("template", "HERALD_TEMPLATE", "", "the template (name or id) to launch from")
	kind := s.String("kind", "HERALD_KIND", "job", "the kind of job")
	server := s.String("url", "HERALD_URL", "http://127.0.0.1:8080", "the Herald server")
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
	c := &client{base: strings.TrimRight(*server, "/"), token: getenv("HERALD_TOKEN"), user: getenv("HERALD_USERNAME"), pass: getenv("HERALD_PASSWORD")}
	id, err := c.resolve(ctx, collection, *template)
	if err != nil {
		return err
	}
	var job struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	if err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/%s/%d/%s/", collection, id, verb), map[string]any{}, &job); err != nil {
		return fmt.Errorf("launch: %w", err)
	}
	report := func(body map[string]any) {
		if err := c.do(context.WithoutCancel(ctx), "PATCH", job.URL, body, nil); err != nil {
			fmt.Fprintf(stderr, "herald: could not report %v: %v\n", body["status"], err)
		}
	}
	report(map[string]any{"status": "running"})

	tail := &tailBuffer{max: 4096}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stdout, cmd.Stderr = io.MultiWriter(stdout, tail), io.MultiWriter(stderr, tail)
	runErr := cmd.Run()
	code := 0
	if runErr != nil {
		code = 1
		var ee *exec.ExitError
		if errors.As(runErr, &ee) && ee.ExitCode() >= 0 {
			code = ee.ExitCode()
		}
	}
	status, explanation := "successful", ""
	switch {
	case ctx.Err() != nil:
		status, explanation = "canceled", "herald run was interrupted"
	case runErr != nil && code == 1 && !isExitError(runErr):
		status, explanation = "error", runErr.Error()
	case code != 0:
		status = "failed"
	}
	report(map[string]any{"status": status, "job_explanation": explanation,
		"result_traceback": fmt.Sprintf("exit code %d\n%s", code, tail.String())})
	if code != 0 {
		return &exitError{code}
	}
	return nil
}

func isExitError(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
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

// client is a small client of the Herald API.
type client struct {
	base, token, user, pass string
}

func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// resolve finds a template by id or by exact name.
func (c *client) resolve(ctx context.Context, collection, nameOrID string) (int64, error) {
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		return id, nil
	}
	var page struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if err := c.do(ctx, "GET", "/api/v1/"+collection+"/?name="+url.QueryEscape(nameOrID), nil, &page); err != nil {
		return 0, err
	}
	switch len(page.Results) {
	case 0:
		return 0, configErrorf("no %s named %q", strings.TrimSuffix(collection, "s"), nameOrID)
	case 1:
		return page.Results[0].ID, nil
	}
	return 0, configErrorf("%d %s are named %q; give the id", len(page.Results), collection, nameOrID)
}
