package herald

import "time"

// Notification statuses.
const (
	NotificationPending    = "pending"
	NotificationSuccessful = "successful"
	NotificationFailed     = "failed"
	NotificationCanceled   = "canceled"
)

// ErrPaused is the error a notification of a paused notifier is held with.
const ErrPaused = "notifier paused"

// Notification is one message for one notifier about one event, and the
// record of its delivery. The notifications table is also the delivery queue.
type Notification struct {
	Object
	Notifier          int64      `json:"notifier"`
	NotificationType  string     `json:"notification_type"`
	Status            string     `json:"status"`
	Error             string     `json:"error"`
	NotificationsSent int        `json:"notifications_sent"`
	Recipients        string     `json:"recipients"`
	Subject           string     `json:"subject"`
	Body              string     `json:"-"` // JSON text or plain text
	JobKind           JobKind    `json:"-"` // empty for a test notification
	JobID             int64      `json:"-"`
	Trigger           string     `json:"-"` // "started", "success", "error" or "test"
	Attempts          int        `json:"attempts"`
	NextAttemptAt     *time.Time `json:"next_attempt_at"`
	LastAttemptAt     *time.Time `json:"last_attempt_at"`
	// Delivered lists the destinations already reached, so a retry skips them.
	Delivered []string `json:"-"`
	// AttemptBase counts the attempts of the series before the last retry:
	// the attempt log numbers this series' attempts on from it.
	AttemptBase int `json:"-"`
}

// NewNotification is a notification to write, rendered and ready to send.
type NewNotification struct {
	Notifier   int64
	Type       string
	Recipients string
	Subject    string
	Body       string
	Trigger    string
}

// Attempt outcomes, as the attempt log records them.
const (
	OutcomeSuccessful = "successful"
	OutcomeTransient  = "transient"
	OutcomePermanent  = "permanent"
	OutcomeRefused    = "refused"
)

// Attempt is one delivery attempt of a notification, as the attempt log keeps it.
type Attempt struct {
	Notification int64     `json:"notification"`
	Number       int       `json:"number"`
	Started      time.Time `json:"started"`
	Duration     float64   `json:"duration"` // seconds
	Outcome      string    `json:"outcome"`
	StatusCode   *int      `json:"status_code"` // HTTP or SMTP code; nil when none came back
	Error        string    `json:"error"`
	Response     string    `json:"response"` // the answer's first KiB, secrets removed
	Destinations []string  `json:"destinations"`
	Instance     string    `json:"instance"`
}

// NotificationFilter picks the notifications a bulk retry or cancel acts on.
// Nil fields do not filter.
type NotificationFilter struct {
	Notifier     *int64
	Status       *string
	CreatedGTE   *time.Time
	CreatedLT    *time.Time
	Job          *int64
	Notifiers    []int64 // when not nil, only these notifiers' notifications (what the caller administers)
	AllNotifiers bool    // Notifiers is not applied (a superuser)
}
