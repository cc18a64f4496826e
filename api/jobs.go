package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/ordered"
)

// jobJSON renders a job of any kind (docs/api.md §3).
func (s *server) jobJSON(r *http.Request, j *herald.Job) ordered.Object {
	self := objectURL(j.Kind.Collection(), j.ID)
	var counts any
	if j.HostStatusCounts != nil {
		counts = j.HostStatusCounts
	}
	hosts := map[string]herald.HostSummary{}
	if j.Hosts != nil {
		hosts = j.Hosts
	}
	failures := []herald.Failure{}
	if j.Failures != nil {
		failures = j.Failures
	}
	related := ordered.Pairs("notifications", self+"notifications/")
	summary := ordered.Pairs()
	out := ordered.Pairs(
		"id", j.ID, "type", string(j.Kind), "url", self, "name", j.Name, "status", j.Status, "failed", j.Failed,
		"created", fmtTime(j.Created), "modified", fmtTime(j.Modified), "started", fmtTimePtr(j.Started), "finished", fmtTimePtr(j.Finished),
		"elapsed", j.Elapsed(), "launch_type", j.LaunchType, "created_by", j.CreatedBy, "result_traceback", j.ResultTraceback,
		"job_explanation", j.JobExplanation, "extra_vars", j.ExtraVars, "limit", j.Limit, "host_status_counts", counts, "hosts", hosts,
		"failures", failures, "organization", j.Organization,
	)
	link := func(field, collection string, id int64, name string) {
		out.Set(field, id)
		related.Set(field, objectURL(collection, id))
		summary.Set(field, ordered.Pairs("id", id, "name", name))
	}
	field := j.Kind.TemplateField()
	link(field, herald.ObjectTypeByName(field).Collection, j.Template, j.Refs.TemplateName)
	if j.Organization != nil {
		link("organization", "organizations", *j.Organization, j.Refs.OrganizationName)
	}
	switch j.Kind {
	case herald.KindJob:
		out.Set("playbook", j.Refs.Playbook)
		out.Set("project", j.Refs.ProjectID)
		out.Set("inventory", j.Refs.InventoryID)
		if j.Refs.ProjectID != nil {
			link("project", "projects", *j.Refs.ProjectID, j.Refs.Project)
		}
		if j.Refs.InventoryID != nil {
			link("inventory", "inventories", *j.Refs.InventoryID, j.Refs.Inventory)
		}
	case herald.KindAdHocCommand:
		out.Set("module_name", j.ModuleName)
		out.Set("module_args", j.ModuleArgs)
	}
	out.Set("related", related)
	out.Set("summary_fields", summary)
	return out
}

func (s *server) listJobs(kind herald.JobKind) http.HandlerFunc {
	return listHandler(s,
		func(ctx context.Context, q herald.Query) ([]*herald.Job, int, error) {
			return s.svc.ListJobs(ctx, kind, q)
		},
		s.jobJSON)
}

func (s *server) getJob(kind herald.JobKind) http.HandlerFunc {
	return getHandler(s, func(ctx context.Context, id int64) (*herald.Job, error) { return s.svc.GetJob(ctx, kind, id) }, s.jobJSON)
}

// launch starts a job from an object: launch/, update/, or POST ad_hoc_commands/.
func (s *server) launch(kind herald.JobKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fields, ok := s.decode(w, r, kind != herald.KindAdHocCommand)
		if !ok {
			return
		}
		fe := fieldErrors{}
		req := herald.LaunchRequest{Kind: kind, IdempotencyKey: r.Header.Get("Idempotency-Key")}
		if len(req.IdempotencyKey) > 255 {
			fe.add("Idempotency-Key", "Ensure this header has no more than 255 characters.")
		}
		if kind == herald.KindAdHocCommand {
			if inv, _ := fe.ref(fields, "inventory", true); inv != nil {
				req.Template = *inv
			}
			req.ModuleName, _ = fe.str(fields, "module_name", false, 256)
			if req.ModuleName == "" {
				req.ModuleName = "command"
			}
			req.ModuleArgs, _ = fe.str(fields, "module_args", false, 0)
		} else {
			id, ok := pathID(w, r)
			if !ok {
				return
			}
			req.Template = id
		}
		if raw, ok := fields["extra_vars"]; ok {
			ev, err := herald.NormalizeExtraVars(raw)
			if err != nil {
				fe.add("extra_vars", "%s", err.Error())
			}
			req.ExtraVars = ev
		}
		req.Limit, _ = fe.str(fields, "limit", false, 1024)
		if err := fe.err(); err != nil {
			s.writeError(w, r, err)
			return
		}
		j, created, err := s.svc.Launch(r.Context(), req)
		if err != nil {
			if herald.ErrorCode(err) == herald.ENOTFOUND && kind == herald.KindAdHocCommand {
				err = herald.FieldError("inventory", "Invalid pk \"%d\" - object does not exist.", req.Template)
			}
			s.writeError(w, r, err)
			return
		}
		out := s.jobJSON(r, j)
		out.Set(string(kind), j.ID) // AWX answers a launch with {"job": N, ...}
		w.Header().Set("Location", objectURL(kind.Collection(), j.ID))
		status := http.StatusCreated
		if !created {
			status = http.StatusOK
		}
		writeJSON(w, status, out)
	}
}

// updateJob takes a status report (PATCH <kind>/N/) and fires the triggers.
func (s *server) updateJob(kind herald.JobKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		u, err := jobUpdate(fields)
		if err != nil {
			// A missing job is a 404 before any complaint about the report.
			if _, gerr := s.svc.GetJob(r.Context(), kind, id); gerr != nil {
				err = gerr
			}
			s.writeError(w, r, err)
			return
		}
		j, err := s.svc.Report(r.Context(), kind, id, u)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.jobJSON(r, j))
	}
}

func jobUpdate(fields map[string]json.RawMessage) (herald.JobUpdate, error) {
	fe := fieldErrors{}
	var u herald.JobUpdate
	if st, ok := fe.str(fields, "status", false, 32); ok {
		if !herald.ValidJobStatus(st) {
			fe.add("status", "\"%s\" is not a valid choice.", st)
		}
		u.Status = st
	}
	for name, dst := range map[string]**time.Time{"started": &u.Started, "finished": &u.Finished} {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			continue
		}
		var v string
		t, err := time.Time{}, json.Unmarshal(raw, &v)
		if err == nil {
			t, err = time.Parse(time.RFC3339Nano, v)
		}
		if err != nil {
			fe.add(name, "Datetime has wrong format. Use RFC 3339, e.g. 2026-11-24T10:00:00Z.")
			continue
		}
		*dst = &t
	}
	for name, dst := range map[string]**string{"result_traceback": &u.ResultTraceback, "job_explanation": &u.JobExplanation} {
		if v, ok := fe.str(fields, name, false, 0); ok {
			*dst = &v
		}
	}
	if raw, ok := fields["host_status_counts"]; ok && string(raw) != "null" {
		var c herald.HostCounts
		if err := strictJSON(raw, &c); err != nil || !nonNegative(c.OK, c.Changed, c.Failed, c.Dark, c.Skipped, c.Processed, c.Rescued, c.Ignored, c.Failures) {
			fe.add("host_status_counts", "Expected an object of non-negative integer counts (ok, changed, failed, dark, skipped, processed, rescued, ignored, failures).")
		} else {
			u.HostStatusCounts = &c
		}
	}
	if raw, ok := fields["hosts"]; ok && string(raw) != "null" {
		if h, err := hostSummaries(raw); err != nil {
			fe.add("hosts", "%s", err.Error())
		} else {
			u.Hosts = h
		}
	}
	if raw, ok := fields["failures"]; ok && string(raw) != "null" {
		var f []herald.Failure
		if err := strictJSON(raw, &f); err != nil {
			fe.add("failures", "Expected a list of objects of strings (host, task, action, msg).")
		} else {
			u.Failures = clipFailures(f)
		}
	}
	return u, fe.err()
}

// hostSummaries reads hosts in AWX's shape: each host's "failed" a boolean,
// the eight counts non-negative integers. failed is set as AWX sets it, true
// exactly when the host was unreachable or had failures, whatever was sent.
func hostSummaries(raw json.RawMessage) (map[string]herald.HostSummary, error) {
	var h map[string]herald.HostSummary
	if err := strictJSON(raw, &h); err != nil {
		//lint:ignore ST1005 the text is the field error the API answers, a sentence as AWX's
		return nil, errors.New(`Expected an object of host names to objects of AWX's shape: {"failed": false, "changed": 0, "dark": 0, "failures": 0, "ok": 1, "processed": 1, "skipped": 0, "rescued": 0, "ignored": 0}.`)
	}
	if h == nil {
		h = map[string]herald.HostSummary{}
	}
	for name, r := range h {
		if name == "" || !nonNegative(r.Changed, r.Dark, r.Failures, r.OK, r.Processed, r.Skipped, r.Rescued, r.Ignored) {
			//lint:ignore ST1005 the text is the field error the API answers, a sentence as AWX's
			return nil, fmt.Errorf("Host %q: the host name must not be empty and its counts must be non-negative integers.", name)
		}
		r.Failed = r.Dark > 0 || r.Failures > 0
		h[name] = r
	}
	return h, nil
}

func nonNegative(counts ...int) bool {
	for _, c := range counts {
		if c < 0 {
			return false
		}
	}
	return true
}

// clipFailures keeps the first herald.MaxFailures failures, each text cut to
// herald.MaxFailureLen characters: a report is never refused for its length.
func clipFailures(f []herald.Failure) []herald.Failure {
	if f == nil {
		f = []herald.Failure{}
	}
	if len(f) > herald.MaxFailures {
		f = f[:herald.MaxFailures]
	}
	for i := range f {
		for _, s := range []*string{&f[i].Host, &f[i].Task, &f[i].Action, &f[i].Msg} {
			*s = clip(*s, herald.MaxFailureLen)
		}
	}
	return f
}

// clip cuts s to at most n characters (runes).
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func strictJSON(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
