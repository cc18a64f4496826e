package herald

import "time"

// Notification statuses.
const (
	NotificationPending    = "pending"
	NotificationSuccessful = "successful"
	NotificationFailed     = "failed"
)

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
