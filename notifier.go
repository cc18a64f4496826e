package herald

import "time"

// Notifier is one configured destination (an e-mail list, a Slack channel set,
// a webhook...). Config holds secret keys as stored: encrypted text that only
// the delivery engine decrypts, and the API shows as "$encrypted$".
type Notifier struct {
	Object
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Organization *int64         `json:"organization"`
	Type         string         `json:"notification_type"`
	Config       map[string]any `json:"notification_configuration"`
	Messages     Messages       `json:"messages"`
	// Generated holds the secrets Herald made for this save ("generate"), in
	// clear, for its answer to show once; never stored, never read back.
	Generated map[string]string `json:"-"`
	// Paused (the API's enabled false) holds its notifications pending.
	Paused bool `json:"-"`
	// RateLimit caps its deliveries per second (nil: no cap of its own).
	RateLimit *float64 `json:"rate_limit"`
}

// Circuit breaker states of a notifier.
const (
	CircuitClosed   = "closed"
	CircuitOpen     = "open"
	CircuitHalfOpen = "half_open"
)

// DeliveryState is how a notifier's deliveries are being held back, shared
// by every instance.
type DeliveryState struct {
	Circuit             string     `json:"circuit"`
	Since               *time.Time `json:"since"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	Opened              int        `json:"-"` // openings since it last closed
	OpenUntil           *time.Time `json:"-"`
	RateLimitedUntil    *time.Time `json:"-"`
	RateLimited         bool       `json:"rate_limited"`
}

// Messages are a notifier's custom messages per trigger ("started", "success",
// "error"); a missing or nil entry means the default.
type Messages map[string]*CustomMessage

// CustomMessage is a Jinja2 template for the one-line message and/or the body.
type CustomMessage struct {
	Message *string `json:"message"`
	Body    *string `json:"body"`
}

// Attachment is a notifier attached to an object's trigger list.
type Attachment struct {
	ObjectType string // "organization", "project", "inventory_source", "job_template", "workflow_job_template", "system_job_template"
	ObjectID   int64
	Trigger    Trigger
	Notifier   int64
}

// Level says where an effective notifier comes from.
type Level struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
	List string `json:"list"`
}

// EffectiveNotifier is a notifier a job would collect and the levels it comes from.
type EffectiveNotifier struct {
	Notifier Notifier
	Levels   []Level
}
