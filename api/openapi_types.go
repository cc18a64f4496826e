package api

import (
	"time"

	"github.com/herald-notify/herald"
)

// The shapes of request bodies and answers, for the OpenAPI document only:
// handlers read bodies field by field and answer with maps, and these say
// what those are (docs/api.md). jsonschema.go reflects over them; a type
// named fooDoc is the component Foo. TestOpenAPIAnswersMatch checks real
// answers against them.

// resourceDoc is what every object has (docs/api.md §1).
type resourceDoc struct {
	ID            int64             `json:"id"`
	Type          string            `json:"type"`
	URL           string            `json:"url"`
	Related       map[string]string `json:"related" doc:"links to its sub-resources"`
	SummaryFields map[string]any    `json:"summary_fields" doc:"id and name of the objects it points to"`
	Created       time.Time         `json:"created"`
	Modified      time.Time         `json:"modified"`
}

type notifierDoc struct {
	resourceDoc
	Name                      string                           `json:"name"`
	Description               string                           `json:"description"`
	Organization              *int64                           `json:"organization"`
	NotificationType          string                           `json:"notification_type"`
	NotificationConfiguration map[string]any                   `json:"notification_configuration" doc:"per type (docs/api.md §4); secrets shown as $encrypted$"`
	Messages                  map[string]*herald.CustomMessage `json:"messages" doc:"custom messages per trigger: started, success, error"`
	Enabled                   bool                             `json:"enabled" doc:"false pauses it: its notifications are held pending"`
	RateLimit                 *float64                         `json:"rate_limit" doc:"deliveries per second; null for none (Slack: 1 per channel)"`
}

type notifierBodyDoc struct {
	Name                      string                           `json:"name" required:"true"`
	Description               string                           `json:"description"`
	Organization              *int64                           `json:"organization" doc:"required except for superusers"`
	NotificationType          string                           `json:"notification_type" required:"true"`
	NotificationConfiguration map[string]any                   `json:"notification_configuration" required:"true" doc:"per type (docs/api.md §4); $encrypted$ keeps a stored secret"`
	Messages                  map[string]*herald.CustomMessage `json:"messages"`
	Enabled                   *bool                            `json:"enabled" doc:"false pauses it (default true)"`
	RateLimit                 *float64                         `json:"rate_limit" doc:"deliveries per second; null for none"`
}

// attemptDoc is one row of a notification's attempt log.
type attemptDoc struct {
	Number       int       `json:"number"`
	Started      time.Time `json:"started"`
	Duration     float64   `json:"duration" doc:"seconds"`
	Outcome      string    `json:"outcome" enum:"successful,transient,permanent,refused"`
	StatusCode   *int      `json:"status_code" doc:"HTTP status or SMTP reply code; null when none came back"`
	Error        string    `json:"error"`
	Response     string    `json:"response" doc:"the answer's first 1,024 bytes, secrets removed"`
	Destinations []string  `json:"destinations" doc:"those this attempt reached"`
	Instance     string    `json:"instance"`
}

// steerFilterDoc picks the notifications of a bulk retry or cancel (at least one key).
type steerFilterDoc struct {
	Notifier   *int64     `json:"notifier"`
	Status     *string    `json:"status" enum:"pending,successful,failed,canceled"`
	CreatedGTE *time.Time `json:"created__gte"`
	CreatedLT  *time.Time `json:"created__lt"`
	Job        *int64     `json:"job"`
}

// steerCountDoc answers a bulk retry or cancel.
type steerCountDoc struct {
	Count int64 `json:"count" doc:"how many notifications it changed"`
}

type jobRefDoc struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
}

type notificationDoc struct {
	resourceDoc
	Notifier          int64      `json:"notifier"`
	NotificationType  string     `json:"notification_type"`
	Status            string     `json:"status" enum:"pending,successful,failed,canceled"`
	Error             string     `json:"error"`
	NotificationsSent int        `json:"notifications_sent"`
	Recipients        string     `json:"recipients"`
	Subject           string     `json:"subject"`
	Body              any        `json:"body" doc:"a JSON body as JSON, a text body (e-mail) as text"`
	Job               *jobRefDoc `json:"job" doc:"null for a test notification"`
	Trigger           string     `json:"trigger" enum:"started,success,error,test"`
	Attempts          int        `json:"attempts"`
	NextAttemptAt     *time.Time `json:"next_attempt_at"`
	LastAttemptAt     *time.Time `json:"last_attempt_at"`
}

// testNotificationDoc answers POST notifiers/N/test/.
type testNotificationDoc struct {
	notificationDoc
	Notification int64 `json:"notification" doc:"the new notification's id"`
}

// jobDoc is what the six kinds share; jobSchema adds each kind's template
// link and fields.
type jobDoc struct {
	resourceDoc
	Name             string                        `json:"name"`
	Status           string                        `json:"status" enum:"pending,waiting,running,successful,failed,error,canceled"`
	Failed           bool                          `json:"failed"`
	Started          *time.Time                    `json:"started"`
	Finished         *time.Time                    `json:"finished"`
	Elapsed          float64                       `json:"elapsed" doc:"seconds"`
	LaunchType       string                        `json:"launch_type"`
	CreatedBy        string                        `json:"created_by"`
	ResultTraceback  string                        `json:"result_traceback"`
	JobExplanation   string                        `json:"job_explanation"`
	ExtraVars        string                        `json:"extra_vars" doc:"JSON text"`
	Limit            string                        `json:"limit"`
	HostStatusCounts *herald.HostCounts            `json:"host_status_counts"`
	Hosts            map[string]herald.HostSummary `json:"hosts" doc:"each host's result, in AWX's shape"`
	Failures         []herald.Failure              `json:"failures" doc:"at most 100"`
	Organization     *int64                        `json:"organization"`
}

type jobUpdateDoc struct {
	Status           string                        `json:"status" enum:"pending,waiting,running,successful,failed,error,canceled"`
	Started          *time.Time                    `json:"started"`
	Finished         *time.Time                    `json:"finished"`
	ResultTraceback  string                        `json:"result_traceback"`
	JobExplanation   string                        `json:"job_explanation"`
	HostStatusCounts *herald.HostCounts            `json:"host_status_counts"`
	Hosts            map[string]herald.HostSummary `json:"hosts"`
	Failures         []herald.Failure              `json:"failures"`
}

type launchDoc struct {
	ExtraVars any    `json:"extra_vars" doc:"an object, or its JSON text"`
	Limit     string `json:"limit"`
}

type adHocCommandBodyDoc struct {
	Inventory  int64  `json:"inventory" required:"true"`
	ModuleName string `json:"module_name" doc:"command when not given"`
	ModuleArgs string `json:"module_args"`
	ExtraVars  any    `json:"extra_vars" doc:"an object, or its JSON text"`
	Limit      string `json:"limit"`
}

type attachDoc struct {
	ID           int64 `json:"id" required:"true" doc:"the notifier"`
	Disassociate bool  `json:"disassociate" doc:"present: detach instead"`
}

type effectiveNotifiersDoc struct {
	Trigger string `json:"trigger" enum:"started,success,error"`
	Results []struct {
		Notifier struct {
			ID               int64  `json:"id"`
			Name             string `json:"name"`
			NotificationType string `json:"notification_type"`
		} `json:"notifier"`
		Levels []herald.Level `json:"levels"`
	} `json:"results"`
}

type tokenBodyDoc struct {
	Description string     `json:"description"`
	Scope       string     `json:"scope" enum:"write,read" doc:"write by default"`
	Expires     *time.Time `json:"expires" doc:"default one year; null for never"`
}

type tokenDoc struct {
	ID          int64      `json:"id"`
	Type        string     `json:"type"`
	URL         string     `json:"url"`
	User        int64      `json:"user"`
	Description string     `json:"description"`
	Scope       string     `json:"scope" enum:"write,read"`
	Expires     *time.Time `json:"expires"`
	Created     time.Time  `json:"created"`
}

type newTokenDoc struct {
	tokenDoc
	Token string `json:"token" doc:"the token text, shown only in this answer"`
}

type pingDoc struct {
	Version  string `json:"version"`
	Database string `json:"database" enum:"sqlite,postgres"`
	Instance string `json:"instance"`
}

type healthDoc struct {
	Status string `json:"status" enum:"ok,unavailable"`
	Detail string `json:"detail,omitempty"`
}

// detailDoc is the answer of most errors (docs/api.md §1).
type detailDoc struct {
	Detail string `json:"detail"`
}

type userDoc struct {
	resourceDoc
	Username        string     `json:"username"`
	FirstName       string     `json:"first_name"`
	LastName        string     `json:"last_name"`
	Email           string     `json:"email"`
	IsSuperuser     bool       `json:"is_superuser"`
	IsSystemAuditor bool       `json:"is_system_auditor"`
	LastLogin       *time.Time `json:"last_login"`
	Password        string     `json:"password" doc:"always $encrypted$"`
}

type userBodyDoc struct {
	Username        string `json:"username" required:"true"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Email           string `json:"email"`
	IsSuperuser     bool   `json:"is_superuser" doc:"only a superuser sets it"`
	IsSystemAuditor bool   `json:"is_system_auditor" doc:"only a superuser sets it"`
	Password        string `json:"password" required:"true" doc:"write-only, at least 8 characters"`
	Organization    *int64 `json:"organization" doc:"the organization the new user joins (organization admins)"`
}

type roleDoc struct {
	ID           int64             `json:"id"`
	Type         string            `json:"type"`
	URL          string            `json:"url"`
	Name         string            `json:"name"`
	ResourceType string            `json:"resource_type"`
	ResourceID   int64             `json:"resource_id"`
	Related      map[string]string `json:"related"`
}

// grantDoc grants a role to a user or team, or takes it back.
type grantDoc struct {
	ID           int64 `json:"id" required:"true" doc:"the user or team"`
	Disassociate bool  `json:"disassociate" doc:"present: take the role back"`
}

type workflowApprovalDoc struct {
	resourceDoc
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	Status             string     `json:"status" enum:"pending,approved,denied,timed_out"`
	Timeout            int64      `json:"timeout" doc:"seconds; 0 for none"`
	TimedOut           bool       `json:"timed_out"`
	Expires            *time.Time `json:"expires"`
	WorkflowJob        int64      `json:"workflow_job"`
	ApprovedOrDeniedBy string     `json:"approved_or_denied_by"`
}

type approvalBodyDoc struct {
	Name        string `json:"name" required:"true"`
	Description string `json:"description"`
	Timeout     int64  `json:"timeout" doc:"seconds; 0 for none"`
}

type apiRootDoc struct {
	Description       string            `json:"description"`
	CurrentVersion    string            `json:"current_version"`
	AvailableVersions map[string]string `json:"available_versions"`
}

type notificationTypeDoc struct {
	NotificationType string `json:"notification_type"`
	Label            string `json:"label"`
	Recipients       string `json:"recipients" doc:"the configuration key that names the destinations"`
	Fields           []struct {
		Key      string `json:"key"`
		Label    string `json:"label"`
		Type     string `json:"type" doc:"string, integer, boolean, list or object"`
		Required bool   `json:"required"`
		Secret   bool   `json:"secret"`
		Default  any    `json:"default"`
	} `json:"fields"`
}

type previewBodyDoc struct {
	NotificationType string                           `json:"notification_type" required:"true"`
	Messages         map[string]*herald.CustomMessage `json:"messages"`
	Job              *jobRefDoc                       `json:"job" doc:"a job to render for; null or absent for a sample job"`
}

type renderedDoc struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Custom  bool   `json:"custom" doc:"rendered from the notifier's own template"`
}
