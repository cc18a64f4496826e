package message

import (
	"time"

	"github.com/herald-notify/herald"
)

// jobVars is the template context: `job` holds the fields AWX allows
// (JOB_FIELDS_ALLOWED_LIST, as far as Herald has them), plus
// `job_friendly_name`, `url` and `job_metadata`. Numbers are int64 so they
// print as 42, never 42.0; times are text so templates reach no Go methods.
func jobVars(job *herald.Job, baseURL string) map[string]any {
	return map[string]any{
		"job":               jobFields(job),
		"job_friendly_name": job.Kind.FriendlyName(),
		"url":               uiURL(job, baseURL),
		"job_metadata":      Metadata(job, baseURL),
	}
}

func jobFields(job *herald.Job) map[string]any {
	return map[string]any{
		"id":                 job.ID,
		"name":               job.Name,
		"type":               string(job.Kind),
		"url":                apiURL(job),
		"created":            timeText(job.Created),
		"modified":           timeText(job.Modified),
		"status":             job.Status,
		"failed":             job.Failed,
		"started":            timeOrNil(job.Started),
		"finished":           timeOrNil(job.Finished),
		"elapsed":            job.Elapsed(),
		"launch_type":        job.LaunchType,
		"limit":              job.Limit,
		"playbook":           job.Refs.Playbook,
		"job_explanation":    job.JobExplanation,
		"result_traceback":   job.ResultTraceback,
		"host_status_counts": hostCounts(job.HostStatusCounts),
		"failures":           failures(job.Failures),
		"summary_fields":     summaryFields(job),
	}
}

// hostCounts is always a map, so job.host_status_counts.ok prints nothing rather
// than failing when the job has no counts yet (AWX's ChainableUndefined).
func hostCounts(c *herald.HostCounts) map[string]any {
	if c == nil {
		return map[string]any{}
	}
	return map[string]any{
		"ok": int64(c.OK), "changed": int64(c.Changed), "failed": int64(c.Failed),
		"dark": int64(c.Dark), "skipped": int64(c.Skipped), "processed": int64(c.Processed),
		"rescued": int64(c.Rescued), "ignored": int64(c.Ignored), "failures": int64(c.Failures),
	}
}

// failures is the job's failed tasks as a list of maps of strings, so that a
// message can say `{{ f.host }} failed '{{ f.task }}': {{ f.msg }}`.
func failures(fs []herald.Failure) []any {
	out := make([]any, 0, len(fs))
	for _, f := range fs {
		out = append(out, map[string]any{"host": f.Host, "task": f.Task, "action": f.Action, "msg": f.Msg})
	}
	return out
}

// summaryFields always holds every object, empty when unknown, as
// hostCounts: a.b.c then reads the same on the stub job, where validation
// is strict, and on any real job.
func summaryFields(job *herald.Job) map[string]any {
	ref := func(id *int64, name string) map[string]any {
		m := map[string]any{}
		if id != nil {
			m["id"] = *id
		}
		if name != "" {
			m["name"] = name
		}
		return m
	}
	template := func() map[string]any {
		if job.Template == 0 {
			return map[string]any{}
		}
		return map[string]any{"id": job.Template, "name": job.Refs.TemplateName}
	}
	jobTemplate := map[string]any{}
	if job.Kind == herald.KindJob {
		jobTemplate = template()
	}
	createdBy := map[string]any{}
	if job.CreatedBy != "" {
		createdBy["username"] = job.CreatedBy
	}
	return map[string]any{
		"inventory":            ref(job.Refs.InventoryID, job.Refs.Inventory),
		"project":              ref(job.Refs.ProjectID, job.Refs.Project),
		"job_template":         jobTemplate,
		"unified_job_template": template(),
		"created_by":           createdBy,
	}
}

func timeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// stubJob is the job templates are checked against on save: every field
// set, so only names outside the context are reported.
func stubJob() *herald.Job {
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	end := start.Add(90 * time.Second)
	id := int64(1)
	return &herald.Job{
		Object:           herald.Object{ID: 1, Created: start, Modified: end},
		Kind:             herald.KindJob,
		Name:             "Stub Job",
		Status:           herald.StatusSuccessful,
		Started:          &start,
		Finished:         &end,
		LaunchType:       "manual",
		CreatedBy:        "admin",
		ExtraVars:        "{}",
		Limit:            "all",
		HostStatusCounts: &herald.HostCounts{OK: 1, Processed: 1},
		Hosts:            map[string]herald.HostSummary{"localhost": {OK: 1, Processed: 1}},
		Failures:         []herald.Failure{{Host: "localhost", Task: "Stub task", Action: "command", Msg: "stub failure"}},
		Template:         1,
		Refs: herald.JobRefs{
			TemplateName: "Stub Template", Project: "Stub Project", Inventory: "Stub Inventory",
			Playbook: "site.yml", InventoryID: &id, ProjectID: &id,
		},
	}
}
