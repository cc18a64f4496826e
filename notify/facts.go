package notify

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Facts are what a person needs of a job at a glance, read back from a
// notification's body: the default body is the job's details as JSON
// (message.Metadata), so the chat types can show them as a card, an embed or
// a few lines instead of the raw JSON. A custom body, or a test's, is kept as
// the text it is.
type Facts struct {
	Job       bool   // the body is the default job JSON; the fields below are set
	ID        int64  // job id
	Kind      string // "Job", "Project Update"...
	Name      string
	Status    string // "successful", "failed"...
	URL       string // the job's page
	CreatedBy string
	Started   string
	Finished  string
	Elapsed   string // "1m5s", when both times are known
	Inventory string
	Project   string
	Playbook  string
	Limit     string
	Traceback string // the last lines of the traceback
	// FailedHosts are the hosts with failures or unreachable, sorted, each
	// with its counts: "web1 (failures 2, unreachable 1)".
	FailedHosts []string
	// Failures are failed tasks, when the body lists them ("failures").
	Failures []Failure
	// Text is a custom or test body, when the body is not the default JSON.
	Text string
}

// Failure is one failed task.
type Failure struct {
	Host, Task, Msg string
}

// Fact is one labelled line.
type Fact struct {
	Title, Value string
}

// maxTraceback is how much of a traceback a glance shows, in characters.
const maxTraceback = 500

// ParseFacts reads a notification body.
func ParseFacts(body string) Facts {
	t := strings.TrimSpace(body)
	var raw map[string]json.RawMessage
	if !strings.HasPrefix(t, "{") || json.Unmarshal([]byte(t), &raw) != nil {
		return Facts{Text: body}
	}
	if _, ok := raw["friendly_name"]; !ok {
		// A test notification's {"body": "Test Notification N url"} says its text.
		var test struct {
			Body string `json:"body"`
		}
		if len(raw) == 1 && json.Unmarshal([]byte(t), &test) == nil && test.Body != "" {
			return Facts{Text: test.Body}
		}
		return Facts{Text: body}
	}
	var j struct {
		ID           int64                      `json:"id"`
		Name         string                     `json:"name"`
		URL          string                     `json:"url"`
		CreatedBy    string                     `json:"created_by"`
		Started      *string                    `json:"started"`
		Finished     *string                    `json:"finished"`
		Status       string                     `json:"status"`
		Traceback    string                     `json:"traceback"`
		FriendlyName string                     `json:"friendly_name"`
		Inventory    *string                    `json:"inventory"`
		Project      *string                    `json:"project"`
		Playbook     string                     `json:"playbook"`
		Limit        string                     `json:"limit"`
		Hosts        map[string]json.RawMessage `json:"hosts"`
		Failures     []struct {
			Host   string `json:"host"`
			Task   string `json:"task"`
			Action string `json:"action"`
			Msg    string `json:"msg"`
		} `json:"failures"`
	}
	if json.Unmarshal([]byte(t), &j) != nil {
		return Facts{Text: body}
	}
	f := Facts{Job: true, ID: j.ID, Kind: j.FriendlyName, Name: j.Name, Status: j.Status, URL: j.URL,
		CreatedBy: j.CreatedBy, Started: deref(j.Started), Finished: deref(j.Finished), Inventory: deref(j.Inventory),
		Project: deref(j.Project), Playbook: j.Playbook, Limit: j.Limit, Traceback: tail(j.Traceback, maxTraceback)}
	if s, err := time.Parse(time.RFC3339Nano, f.Started); err == nil {
		if e, err := time.Parse(time.RFC3339Nano, f.Finished); err == nil && !e.Before(s) {
			f.Elapsed = e.Sub(s).Round(time.Second).String()
		}
	}
	for host, counts := range j.Hosts {
		if desc := hostFailure(counts); desc != "" {
			f.FailedHosts = append(f.FailedHosts, host+" ("+desc+")")
		}
	}
	sort.Strings(f.FailedHosts)
	for _, x := range j.Failures {
		f.Failures = append(f.Failures, Failure{Host: x.Host, Task: x.Task, Msg: x.Msg})
	}
	return f
}

// hostFailure describes a host's failures and unreachability, "" when it had none.
// The counts come as numbers; "failed" is a number or, in AWX's shape, a boolean.
func hostFailure(raw json.RawMessage) string {
	var c map[string]any
	if json.Unmarshal(raw, &c) != nil {
		return ""
	}
	failures, _ := c["failures"].(float64)
	dark, _ := c["dark"].(float64)
	var parts []string
	if failures > 0 {
		parts = append(parts, fmt.Sprintf("failures %d", int(failures)))
	}
	if dark > 0 {
		parts = append(parts, fmt.Sprintf("unreachable %d", int(dark)))
	}
	if len(parts) == 0 {
		if b, ok := c["failed"].(bool); ok && b {
			parts = append(parts, "failed")
		} else if n, ok := c["failed"].(float64); ok && n > 0 {
			parts = append(parts, "failed")
		}
	}
	return strings.Join(parts, ", ")
}

// Title is "Job #42 'deploy'".
func (f Facts) Title() string {
	return fmt.Sprintf("%s #%d '%s'", f.Kind, f.ID, f.Name)
}

// List is the facts worth a line, in the order a person reads them: the
// status, where the job ran, who started it and when, then what failed.
// Empty facts are left out.
func (f Facts) List() []Fact {
	if !f.Job {
		return nil
	}
	var out []Fact
	add := func(title, value string) {
		if strings.TrimSpace(value) != "" {
			out = append(out, Fact{title, value})
		}
	}
	add("Status", f.Status)
	add("Project", f.Project)
	add("Playbook", f.Playbook)
	add("Inventory", f.Inventory)
	add("Limit", f.Limit)
	add("Launched by", f.CreatedBy)
	add("Started", f.Started)
	add("Finished", f.Finished)
	add("Elapsed", f.Elapsed)
	add("Failed hosts", strings.Join(f.FailedHosts, ", "))
	for i, x := range f.Failures {
		if i == 5 {
			add("More failures", fmt.Sprintf("%d more", len(f.Failures)-5))
			break
		}
		add("Failed task", strings.TrimSpace(fmt.Sprintf("%s: %s: %s", x.Host, x.Task, x.Msg)))
	}
	add("Traceback", f.Traceback)
	return out
}

// Severity is how a status reads at a glance: "good", "bad", "neutral" or
// "info" (running, or not a job).
func (f Facts) Severity() string {
	switch f.Status {
	case "successful":
		return "good"
	case "failed", "error":
		return "bad"
	case "canceled":
		return "neutral"
	}
	return "info"
}

// PlainText is the facts as "Title: value" lines, or the custom text.
func (f Facts) PlainText() string {
	if !f.Job {
		return f.Text
	}
	var b strings.Builder
	for _, x := range f.List() {
		fmt.Fprintf(&b, "%s: %s\n", x.Title, x.Value)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// tail keeps the last n characters of s, where a traceback says what broke.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n:])
}

// Truncate cuts s to at most n characters, marking the cut with "…".
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	return string(r[:n-1]) + "…"
}
