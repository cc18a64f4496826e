// Package herald holds Herald's domain: the objects notifiers hang on, jobs and
// their life, notifiers, notifications and the typed errors the API maps to
// status codes. It imports nothing of the project; every other package builds on it.
package herald

import "time"

// Version is the service version, set at build time with -ldflags.
var Version = "0.1.0-dev"

// Object is the part every stored object shares.
type Object struct {
	ID       int64     `json:"id"`
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
}

// Organization owns projects, inventories and notifiers.
type Organization struct {
	Object
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Project is a source of playbooks; updating it is a project update job.
type Project struct {
	Object
	Name         string `json:"name"`
	Description  string `json:"description"`
	Organization int64  `json:"organization"`
	SCMType      string `json:"scm_type"`
	SCMURL       string `json:"scm_url"`
}

// Inventory is a set of hosts; ad hoc commands run against one.
type Inventory struct {
	Object
	Name         string `json:"name"`
	Description  string `json:"description"`
	Organization int64  `json:"organization"`
}

// InventorySource fills an inventory; updating it is an inventory update job.
type InventorySource struct {
	Object
	Name        string `json:"name"`
	Description string `json:"description"`
	Inventory   int64  `json:"inventory"`
	Source      string `json:"source"`
}

// JobTemplate launches playbook jobs.
type JobTemplate struct {
	Object
	Name         string `json:"name"`
	Description  string `json:"description"`
	Project      int64  `json:"project"`
	Inventory    *int64 `json:"inventory"`
	Playbook     string `json:"playbook"`
	Organization int64  `json:"organization"` // read-only: the project's
}

// WorkflowJobTemplate launches workflow jobs.
type WorkflowJobTemplate struct {
	Object
	Name         string `json:"name"`
	Description  string `json:"description"`
	Organization int64  `json:"organization"`
}

// SystemJobTemplate launches housekeeping (system) jobs.
type SystemJobTemplate struct {
	Object
	Name        string `json:"name"`
	Description string `json:"description"`
	JobType     string `json:"job_type"`
}
