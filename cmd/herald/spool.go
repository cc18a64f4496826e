package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// The spool keeps the reports `herald run` and the Ansible callback could
// not send, one JSON file each, and sends them in order later (the next
// `herald run`, or `herald flush`). File names sort in the order written;
// a file is written under a temporary name and renamed, so a reader never
// sees half of one. The callback (ansible_collections/herald/notify) writes
// the same format: keep the two in step.

// spoolEntry is one report. Job is the job's API path when it was known;
// otherwise Launch says how to find the job again (a launch with the run's
// Idempotency-Key returns the same job), so that a report of a run whose
// launch never reached Herald still lands on one job.
type spoolEntry struct {
	Version int            `json:"version"`
	Created time.Time      `json:"created"`
	Job     string         `json:"job,omitempty"`
	Launch  *spoolLaunch   `json:"launch,omitempty"`
	Patch   map[string]any `json:"patch,omitempty"`
}

// spoolLaunch is a launch: POST /api/v1/<collection>/<template id>/<verb>/.
type spoolLaunch struct {
	Collection     string `json:"collection"`
	Template       string `json:"template"` // name or id
	Verb           string `json:"verb"`
	IdempotencyKey string `json:"idempotency_key"`
}

type spool struct{ dir string }

// spoolDir is $XDG_STATE_HOME/herald/spool, or ~/.local/state/herald/spool.
func spoolDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "herald", "spool")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".local", "state", "herald", "spool")
}

// add writes e as the newest entry.
func (s *spool) add(e spoolEntry) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	e.Version = 1
	if e.Created.IsZero() {
		e.Created = time.Now().UTC()
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// Nanoseconds, zero-padded, then the process: names sort as written.
	name := fmt.Sprintf("%020d-%d.json", time.Now().UnixNano(), os.Getpid())
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.dir, name))
}

// names lists the entries, oldest first.
func (s *spool) names() ([]string, error) {
	des, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, de := range des {
		if n := de.Name(); !de.IsDir() && strings.HasSuffix(n, ".json") && !strings.HasPrefix(n, ".") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// lock holds the spool for one sender at a time, so that two `herald run`s
// do not send an entry twice. It waits up to wait for another sender (one
// flush takes milliseconds while Herald answers); false when it gave up.
func (s *spool) lock(wait time.Duration) (unlock func(), ok bool) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, false
	}
	f, err := os.OpenFile(filepath.Join(s.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, false
		}
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, true
}

// flushResult says what a flush did.
type flushResult struct {
	sent, dropped, left int
	jobs                map[string]string // idempotency key → job path, of launches done
	err                 error             // why it stopped early: Herald unreachable or refusing for now
}

// flush sends the entries in order. It stops at the first that Herald cannot
// take now (unreachable, 5xx, 429, bad credentials), leaving it and those
// after it for later; one Herald refuses for good (a report of a finished
// job, a template that does not exist) is dropped with a warning, since no
// retry could succeed.
func (s *spool) flush(ctx context.Context, c *client, warn io.Writer) flushResult {
	r := flushResult{jobs: map[string]string{}}
	unlock, ok := s.lock(c.timeout)
	if !ok {
		names, _ := s.names()
		r.left = len(names)
		return r
	}
	defer unlock()
	names, err := s.names()
	if err != nil {
		r.err = err
		return r
	}
	for i, name := range names {
		path := filepath.Join(s.dir, name)
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		var e spoolEntry
		if err == nil {
			err = json.Unmarshal(data, &e)
		}
		if err != nil {
			fmt.Fprintf(warn, "herald: dropping unreadable spool entry %s: %v\n", name, err)
			os.Remove(path)
			r.dropped++
			continue
		}
		err = c.sendEntry(ctx, e, r.jobs)
		var he *httpError
		switch {
		case err == nil:
			r.sent++
		case errors.As(err, &he) && he.permanent():
			fmt.Fprintf(warn, "herald: dropping a report Herald refuses (%s): %v\n", name, err)
			r.dropped++
		default:
			r.err, r.left = err, len(names)-i
			return r
		}
		os.Remove(path)
	}
	return r
}

// sendEntry sends one entry, launching first when the job is not known.
func (c *client) sendEntry(ctx context.Context, e spoolEntry, jobs map[string]string) error {
	job := e.Job
	if job == "" {
		if e.Launch == nil {
			return &httpError{status: 400, msg: "an entry with neither a job nor a launch"}
		}
		if job = jobs[e.Launch.IdempotencyKey]; job == "" {
			var err error
			if job, err = c.launch(ctx, *e.Launch); err != nil {
				return err
			}
			jobs[e.Launch.IdempotencyKey] = job
		}
	}
	if e.Patch == nil {
		return nil
	}
	return c.do(ctx, "PATCH", job, e.Patch, nil)
}

// launch launches (or, with the same Idempotency-Key, finds again) a job
// and returns its API path.
func (c *client) launch(ctx context.Context, l spoolLaunch) (string, error) {
	id, err := c.resolve(ctx, l.Collection, l.Template)
	if err != nil {
		return "", err
	}
	var job struct {
		URL string `json:"url"`
	}
	err = c.doWith(ctx, "POST", fmt.Sprintf("/api/v1/%s/%d/%s/", l.Collection, id, l.Verb), map[string]any{}, &job,
		map[string]string{"Idempotency-Key": l.IdempotencyKey})
	if err == nil && job.URL == "" {
		err = errors.New("the launch answer has no job url")
	}
	return job.URL, err
}
