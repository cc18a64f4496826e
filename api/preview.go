package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/message"
)

// previewTriggers are the events a notifier's messages are written for.
var previewTriggers = []herald.Trigger{herald.TriggerStarted, herald.TriggerSuccess, herald.TriggerError}

// previewStatus is the status a sample job has when each trigger fires.
var previewStatus = map[herald.Trigger]string{
	herald.TriggerStarted: herald.StatusRunning, herald.TriggerSuccess: herald.StatusSuccessful, herald.TriggerError: herald.StatusFailed,
}

// templateError is one problem of one template, with the line (1-based, 0
// when unknown) it was found at, so an editor can mark it.
type templateError struct {
	Trigger string `json:"trigger"`
	Field   string `json:"field"` // "message" or "body"
	Line    int    `json:"line"`
	Error   string `json:"error"`
}

// previewMessages renders custom messages without saving them (POST
// notifiers/preview/ {notification_type, messages, job: {kind, id} | null}):
// against the given job, or a sample one, each trigger's subject and body as
// it would be sent; or 400 with every template's problems and their lines.
func (s *server) previewMessages(w http.ResponseWriter, r *http.Request) {
	fields, ok := s.decode(w, r, false)
	if !ok {
		return
	}
	fe := fieldErrors{}
	typ, _ := fe.str(fields, "notification_type", true, 64)
	if typ != "" && s.svc.Types()[typ] == nil {
		fe.add("notification_type", "\"%s\" is not a valid choice; the choices are %s.", typ, strings.Join(typeNames(s.svc.Types()), ", "))
	}
	msgs, problems := message.Parse(fields["messages"])
	for _, p := range problems {
		fe.add("messages", "%s", p)
	}
	var job *herald.Job
	if raw, ok := fields["job"]; ok && string(raw) != "null" {
		var ref struct {
			Kind herald.JobKind `json:"kind"`
			ID   int64          `json:"id"`
		}
		if err := json.Unmarshal(raw, &ref); err != nil || !ref.Kind.Valid() || ref.ID <= 0 {
			fe.add("job", "Expected {\"kind\": one of the job kinds, \"id\": a job id}, or null for a sample job.")
		} else if j, err := s.svc.GetJob(r.Context(), ref.Kind, ref.ID); err != nil {
			if herald.ErrorCode(err) != herald.ENOTFOUND {
				s.writeError(w, r, err)
				return
			}
			fe.add("job", "No %s %d.", ref.Kind, ref.ID)
		} else {
			job = j
		}
	}
	if err := fe.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if errs := templateErrors(msgs); len(errs) > 0 {
		all := make([]string, len(errs))
		for i, e := range errs {
			all[i] = e.Error
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"messages": all, "template_errors": errs})
		return
	}
	out := map[string]any{}
	for _, tr := range previewTriggers {
		j := job
		if j == nil {
			j = sampleJob(previewStatus[tr])
		}
		subject, body := message.Render(typ, msgs, tr, j, s.svc.BaseURL())
		custom := msgs[string(tr)] != nil
		out[string(tr)] = map[string]any{"subject": subject, "body": body, "custom": custom}
	}
	writeJSON(w, http.StatusOK, out)
}

// templateErrors checks each template on its own, so each problem is tied
// to its trigger and field, and finds the line it is at.
func templateErrors(msgs herald.Messages) []templateError {
	var out []templateError
	for _, tr := range previewTriggers {
		m := msgs[string(tr)]
		if m == nil {
			continue
		}
		for _, f := range []struct {
			name string
			src  *string
		}{{"message", m.Message}, {"body", m.Body}} {
			if f.src == nil {
				continue
			}
			for _, p := range validateOne(f.name, *f.src) {
				out = append(out, templateError{Trigger: string(tr), Field: f.name, Line: problemLine(f.name, *f.src, p), Error: p})
			}
		}
	}
	return out
}

func validateOne(field, src string) []string {
	m := &herald.CustomMessage{}
	if field == "message" {
		m.Message = &src
	} else {
		m.Body = &src
	}
	return message.Validate(herald.Messages{"error": m})
}

// problemLine finds the line of src a problem is at. The template engine
// does not say, so: an unknown field is at the first line naming it; any
// other problem is at the first line whose inclusion makes the template
// fail the same way (found by bisection; the parser reports the first
// error it meets, so a shorter prefix fails differently or not at all).
func problemLine(field, src, problem string) int {
	lines := strings.SplitAfter(src, "\n")
	if len(lines) == 1 {
		return 1
	}
	var name string
	if _, err := fmt.Sscanf(problem, "Field '%s", &name); err == nil {
		name = strings.TrimSuffix(name, "'")
		for i, l := range lines {
			if strings.Contains(l, name) {
				return i + 1
			}
		}
		return 0
	}
	want := problemText(src, problem)
	same := func(n int) bool {
		prefix := strings.Join(lines[:n], "")
		for _, p := range validateOne(field, prefix) {
			if problemText(prefix, p) == want {
				return true
			}
		}
		return false
	}
	lo, hi := 1, len(lines) // the answer is in [lo, hi]: all of src fails that way
	for lo < hi {
		mid := (lo + hi) / 2
		if same(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// problemText is a problem without the template's source it quotes and
// without the position the engine gives (for an unclosed tag that is where
// the input ended, not where the tag began).
func problemText(src, problem string) string {
	return enginePosition.ReplaceAllString(strings.TrimPrefix(problem, "Unable to render message '"+src+"': "), "")
}

var enginePosition = regexp.MustCompile(`\bline \d+(, col(umn)? \d+)?: |\(Line: \d+ Col: \d+, ?`)

// sampleJob is the job a preview renders against when none is named.
func sampleJob(status string) *herald.Job {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	end := start.Add(90 * time.Second)
	id := int64(1)
	j := &herald.Job{
		Object: herald.Object{ID: 1, Created: start, Modified: end}, Kind: herald.KindJob,
		Name: "Sample Job", Status: status, Failed: status == herald.StatusFailed, Started: &start,
		LaunchType: "manual", CreatedBy: "admin", ExtraVars: "{}", Limit: "all", Template: 1,
		Refs: herald.JobRefs{TemplateName: "Sample Job", Project: "Sample Project", Inventory: "Sample Inventory",
			Playbook: "site.yml", InventoryID: &id, ProjectID: &id},
	}
	if herald.Finished(status) {
		j.Finished = &end
		counts := herald.HostCounts{OK: 2, Changed: 1, Processed: 1}
		if j.Failed {
			counts = herald.HostCounts{OK: 1, Failed: 1, Failures: 1, Processed: 1}
		}
		j.HostStatusCounts = &counts
		j.Hosts = map[string]herald.HostSummary{"web1.example.com": {
			Failed: j.Failed, Changed: counts.Changed, Failures: counts.Failures, OK: counts.OK, Processed: 1}}
		if j.Failed {
			j.Failures = []herald.Failure{{Host: "web1.example.com", Task: "Install nginx", Action: "ansible.builtin.apt",
				Msg: "No package matching 'ngnix' is available"}}
		}
	}
	return j
}
