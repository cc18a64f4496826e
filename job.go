package herald

import (
	"encoding/json"
	"fmt"
	"time"
)

// JobKind is one of the six kinds of job.
type JobKind string

const (
	KindJob             JobKind = "job"
	KindProjectUpdate   JobKind = "project_update"
	KindInventoryUpdate JobKind = "inventory_update"
	KindAdHocCommand    JobKind = "ad_hoc_command"
	KindWorkflowJob     JobKind = "workflow_job"
	KindSystemJob       JobKind = "system_job"
)

// JobKinds lists every kind in a stable order.
var JobKinds = []JobKind{KindJob, KindProjectUpdate, KindInventoryUpdate, KindAdHocCommand, KindWorkflowJob, KindSystemJob}

type kindInfo struct{ collection, friendly, uiSegment, templateField string }

var kinds = map[JobKind]kindInfo{
	KindJob:             {"jobs", "Job", "playbook", "job_template"},
	KindProjectUpdate:   {"project_updates", "Project Update", "project", "project"},
	KindInventoryUpdate: {"inventory_updates", "Inventory Update", "inventory", "inventory_source"},
	KindAdHocCommand:    {"ad_hoc_commands", "AdHoc Command", "command", "inventory"},
	KindWorkflowJob:     {"workflow_jobs", "Workflow Job", "workflow", "workflow_job_template"},
	KindSystemJob:       {"system_jobs", "System Job", "system", "system_job_template"},
}

// TemplateField is the object type (and API field) a job of this kind is
// launched from ("inventory" for ad hoc commands).
func (k JobKind) TemplateField() string { return kinds[k].templateField }

// Valid reports whether k is one of the six kinds.
func (k JobKind) Valid() bool { _, ok := kinds[k]; return ok }

// Collection is the API collection of the kind ("project_updates").
func (k JobKind) Collection() string { return kinds[k].collection }

// FriendlyName is the kind as messages say it ("Project Update").
func (k JobKind) FriendlyName() string { return kinds[k].friendly }

// UIPath is the console path of job id of this kind ("/#/jobs/project/7").
func (k JobKind) UIPath(id int64) string { return fmt.Sprintf("/#/jobs/%s/%d", kinds[k].uiSegment, id) }

// Job statuses.
const (
	StatusPending    = "pending"
	StatusWaiting    = "waiting"
	StatusRunning    = "running"
	StatusSuccessful = "successful"
	StatusFailed     = "failed"
	StatusError      = "error"
	StatusCanceled   = "canceled"
)

// Finished reports whether status is final.
func Finished(status string) bool {
	switch status {
	case StatusSuccessful, StatusFailed, StatusError, StatusCanceled:
		return true
	}
	return false
}

// ValidJobStatus reports whether s is a job status at all.
func ValidJobStatus(s string) bool {
	switch s {
	case StatusPending, StatusWaiting, StatusRunning:
		return true
	}
	return Finished(s)
}

// Trigger is the event a notifier is attached for.
type Trigger string

const (
	TriggerStarted Trigger = "started"
	TriggerSuccess Trigger = "success"
	TriggerError   Trigger = "error"
	TriggerAny     Trigger = "any" // an attachment list only: fires with success and error
	// TriggerApprovals fires on a workflow approval's events; its list is on
	// organizations and workflow job templates only.
	TriggerApprovals Trigger = "approvals"
	// TriggerChanged fires, besides success or error, when a finished job
	// changed something (Job.Changed); "any" does not include it.
	TriggerChanged Trigger = "changed"
)

// AttachTriggers are the attachment lists, in the order the API shows them.
var AttachTriggers = []Trigger{TriggerError, TriggerSuccess, TriggerAny, TriggerStarted, TriggerChanged}

// TriggerFor returns the trigger a job status fires, and false for none.
func TriggerFor(status string) (Trigger, bool) {
	switch status {
	case StatusRunning:
		return TriggerStarted, true
	case StatusSuccessful:
		return TriggerSuccess, true
	case StatusFailed, StatusError, StatusCanceled:
		return TriggerError, true
	}
	return "", false
}

// HostCounts are a job's per-host or total result counts.
type HostCounts struct {
	OK        int `json:"ok"`
	Changed   int `json:"changed"`
	Failed    int `json:"failed"`
	Dark      int `json:"dark"`
	Skipped   int `json:"skipped"`
	Processed int `json:"processed"`
	Rescued   int `json:"rescued"`
	Ignored   int `json:"ignored"`
	Failures  int `json:"failures"`
}

// HostSummary is one host's result in AWX's own shape (its JobHostSummary):
// Failed is true exactly when Dark or Failures is above 0; the fields are in
// AWX's order, so that bodies read as AWX's do.
type HostSummary struct {
	Failed    bool `json:"failed"`
	Changed   int  `json:"changed"`
	Dark      int  `json:"dark"`
	Failures  int  `json:"failures"`
	OK        int  `json:"ok"`
	Processed int  `json:"processed"`
	Skipped   int  `json:"skipped"`
	Rescued   int  `json:"rescued"`
	Ignored   int  `json:"ignored"`
}

// Failure is one failed or unreachable task of a job, so that a message can
// say which host failed which task, and why.
type Failure struct {
	Host   string `json:"host"`
	Task   string `json:"task"`
	Action string `json:"action"`
	Msg    string `json:"msg"`
}

// Limits of a job's failures: what a report carries past them is dropped.
const (
	MaxFailures   = 100
	MaxFailureLen = 1024 // characters of each text of a Failure
)

// Job is one run of any kind. Template is the id of the object it was launched
// from (job template, project, inventory source, inventory for ad hoc commands,
// workflow job template or system job template).
type Job struct {
	Object
	Kind             JobKind                `json:"-"`
	Name             string                 `json:"name"`
	Status           string                 `json:"status"`
	Failed           bool                   `json:"failed"`
	Started          *time.Time             `json:"started"`
	Finished         *time.Time             `json:"finished"`
	LaunchType       string                 `json:"launch_type"`
	CreatedBy        string                 `json:"created_by"`
	ResultTraceback  string                 `json:"result_traceback"`
	JobExplanation   string                 `json:"job_explanation"`
	ExtraVars        string                 `json:"extra_vars"`
	Limit            string                 `json:"limit"`
	ModuleName       string                 `json:"module_name,omitempty"`
	ModuleArgs       string                 `json:"module_args,omitempty"`
	HostStatusCounts *HostCounts            `json:"host_status_counts"`
	Hosts            map[string]HostSummary `json:"hosts"`
	Failures         []Failure              `json:"failures"`
	Template         int64                  `json:"-"`
	Organization     *int64                 `json:"organization"`
	// Names resolved for messages; filled by the store on read.
	Refs JobRefs `json:"-"`
}

// JobRefs are the names of the objects around a job, as messages show them.
type JobRefs struct {
	TemplateName     string
	OrganizationName string
	Project          string
	Inventory        string
	Playbook         string
	InventoryID      *int64
	ProjectID        *int64
}

// Elapsed is the job's run time in seconds.
func (j *Job) Elapsed() float64 {
	if j.Started == nil || j.Finished == nil {
		return 0
	}
	return j.Finished.Sub(*j.Started).Seconds()
}

// JobUpdate is a status report from whatever runs the job (PATCH <kind>/N/).
type JobUpdate struct {
	Status           string
	Started          *time.Time
	Finished         *time.Time
	ResultTraceback  *string
	JobExplanation   *string
	HostStatusCounts *HostCounts
	Hosts            map[string]HostSummary
	Failures         []Failure // nil: not reported; empty: none
}

// HasDetails reports whether the update carries anything besides the status.
func (u JobUpdate) HasDetails() bool {
	return u.ResultTraceback != nil || u.JobExplanation != nil || u.HostStatusCounts != nil || u.Hosts != nil || u.Failures != nil
}

// Changed reports whether the job changed something on a host: the changed
// trigger's condition.
func (j *Job) Changed() bool {
	if j.HostStatusCounts != nil && j.HostStatusCounts.Changed > 0 {
		return true
	}
	for _, h := range j.Hosts {
		if h.Changed > 0 {
			return true
		}
	}
	return false
}

// LaunchRequest holds what a launch accepts.
type LaunchRequest struct {
	Kind           JobKind
	Template       int64 // see Job.Template
	ExtraVars      string
	Limit          string
	ModuleName     string
	ModuleArgs     string
	CreatedBy      string
	IdempotencyKey string
}

// NormalizeExtraVars accepts an object or its JSON text and returns the JSON text.
func NormalizeExtraVars(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return "{}", nil
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			return "", fmt.Errorf("extra_vars must be a JSON object or its text")
		}
		return s, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("extra_vars must be a JSON object or its text")
	}
	return string(raw), nil
}

// Apply applies a status report to j (docs/api.md §3) and says whether the status
// moved. Details (host counts, traceback) may arrive without a move, for a
// finished job too; a finished job never changes status again.
func (j *Job) Apply(u JobUpdate, now time.Time) (moved bool, err error) {
	if u.Status == "" || u.Status == j.Status {
		j.applyDetails(u)
		return false, nil
	}
	if Finished(j.Status) {
		return false, Errorf(ECONFLICT, "Job %d is already %s.", j.ID, j.Status)
	}
	if !ValidJobStatus(u.Status) {
		return false, FieldError("status", "\"%s\" is not a valid choice.", u.Status)
	}
	if (u.Status == StatusPending || u.Status == StatusWaiting) && j.Status == StatusRunning {
		return false, Errorf(ECONFLICT, "Job %d is running; it cannot go back to %s.", j.ID, u.Status)
	}
	now = now.UTC().Truncate(time.Microsecond)
	j.Status = u.Status
	switch {
	case u.Started != nil:
		t := u.Started.UTC().Truncate(time.Microsecond)
		j.Started = &t
	case j.Started == nil && (u.Status == StatusRunning || Finished(u.Status)):
		j.Started = &now
	}
	if Finished(u.Status) {
		if u.Finished != nil {
			t := u.Finished.UTC().Truncate(time.Microsecond)
			j.Finished = &t
		} else {
			j.Finished = &now
		}
		j.Failed = u.Status != StatusSuccessful
	}
	j.applyDetails(u)
	return true, nil
}

// applyDetails applies the parts of a report other than the status.
func (j *Job) applyDetails(u JobUpdate) {
	if u.ResultTraceback != nil {
		j.ResultTraceback = *u.ResultTraceback
	}
	if u.JobExplanation != nil {
		j.JobExplanation = *u.JobExplanation
	}
	if u.HostStatusCounts != nil {
		j.HostStatusCounts = u.HostStatusCounts
	}
	if u.Hosts != nil {
		j.Hosts = u.Hosts
	}
	if u.Failures != nil {
		j.Failures = u.Failures
	}
}
