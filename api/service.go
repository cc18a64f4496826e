package api

import (
	"context"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
	"github.com/herald-notify/herald/notify"
)

// Service is the application layer as the handlers use it, in small parts:
// the handlers only translate HTTP to these calls and their answers back.
type Service interface {
	ObjectService
	JobService
	NotifierService
	NotificationService
	IdentityService
	ApprovalService
	Types() map[string]*notify.Spec
	BaseURL() string // the public URL messages link to
}

// ApprovalService serves workflow approvals.
type ApprovalService interface {
	ListApprovals(ctx context.Context, q herald.Query) ([]*herald.Approval, int, error)
	GetApproval(ctx context.Context, id int64) (*herald.Approval, error)
	CreateApproval(ctx context.Context, workflowJob int64, in app.ApprovalInput) (*herald.Approval, error)
	Decide(ctx context.Context, id int64, approve bool) (*herald.Approval, error)
}

// ObjectService serves the objects notifiers hang on.
type ObjectService interface {
	ListObjects(ctx context.Context, t *herald.ObjectType, q herald.Query) ([]herald.Record, int, error)
	GetObject(ctx context.Context, t *herald.ObjectType, id int64) (herald.Record, error)
	CreateObject(ctx context.Context, t *herald.ObjectType, values map[string]any) (herald.Record, error)
	UpdateObject(ctx context.Context, t *herald.ObjectType, id int64, values map[string]any) (herald.Record, error)
	DeleteObject(ctx context.Context, t *herald.ObjectType, id int64, cascade bool) error
	ObjectName(ctx context.Context, collection string, id int64) string
}

// JobService serves jobs: launches and status reports.
type JobService interface {
	ListJobs(ctx context.Context, kind herald.JobKind, q herald.Query) ([]*herald.Job, int, error)
	GetJob(ctx context.Context, kind herald.JobKind, id int64) (*herald.Job, error)
	Launch(ctx context.Context, r herald.LaunchRequest) (*herald.Job, bool, error)
	Report(ctx context.Context, kind herald.JobKind, id int64, u herald.JobUpdate) (*herald.Job, error)
	JobNotifications(ctx context.Context, kind herald.JobKind, id int64, q herald.Query) ([]*herald.Notification, int, error)
}

// NotifierService serves notifiers and their attachments.
type NotifierService interface {
	ListNotifiers(ctx context.Context, q herald.Query) ([]*herald.Notifier, int, error)
	GetNotifier(ctx context.Context, id int64) (*herald.Notifier, error)
	CreateNotifier(ctx context.Context, in app.NotifierInput) (*herald.Notifier, error)
	UpdateNotifier(ctx context.Context, id int64, in app.NotifierInput, partial bool) (*herald.Notifier, error)
	DeleteNotifier(ctx context.Context, id int64) error
	TestNotifier(ctx context.Context, id int64) (*herald.Notification, error)
	MayAdminister(ctx context.Context, n *herald.Notifier) bool
	ShownConfig(ctx context.Context, n *herald.Notifier) map[string]any
	RecentNotifications(ctx context.Context, notifier int64, n int) ([]*herald.Notification, error)
	Attached(ctx context.Context, t *herald.ObjectType, id int64, trigger herald.Trigger, q herald.Query) ([]*herald.Notifier, int, error)
	Attach(ctx context.Context, a herald.Attachment, detach bool) error
	EffectiveNotifiers(ctx context.Context, t *herald.ObjectType, id int64, trigger herald.Trigger) ([]herald.EffectiveNotifier, error)
	OrganizationNotifiers(ctx context.Context, org int64, q herald.Query) ([]*herald.Notifier, int, error)
}

// NotificationService serves the record of notifications.
type NotificationService interface {
	ListNotifications(ctx context.Context, q herald.Query) ([]*herald.Notification, int, error)
	GetNotification(ctx context.Context, id int64) (*herald.Notification, error)
	NotifierNotifications(ctx context.Context, id int64, q herald.Query) ([]*herald.Notification, int, error)
	Attempts(ctx context.Context, id int64, q herald.Query) ([]*herald.Attempt, int, error)
	RetryNotification(ctx context.Context, id int64) (*herald.Notification, error)
	CancelNotification(ctx context.Context, id int64) (*herald.Notification, error)
	SteerNotifications(ctx context.Context, verb string, f app.SteerFilter) (int64, error)
	NotifierDelivery(ctx context.Context, n *herald.Notifier) (herald.DeliveryState, error)
}

// IdentityService serves logins, users, tokens and roles.
type IdentityService interface {
	LoginBasic(ctx context.Context, username, password, address string) (*app.Actor, error)
	LoginToken(ctx context.Context, text string) (*app.Actor, error)
	Me(ctx context.Context) (*herald.User, error)
	ListUsers(ctx context.Context, q herald.Query) ([]*herald.User, int, error)
	GetUser(ctx context.Context, id int64) (*herald.User, error)
	CreateUser(ctx context.Context, in app.UserInput) (*herald.User, error)
	UpdateUser(ctx context.Context, id int64, in app.UserInput) (*herald.User, error)
	DeleteUser(ctx context.Context, id int64) error
	CreateToken(ctx context.Context, in app.TokenInput) (*herald.Token, string, error)
	ListTokens(ctx context.Context, userID int64) ([]*herald.Token, error)
	DeleteToken(ctx context.Context, id int64) error
	ObjectRoles(ctx context.Context, t *herald.ObjectType, id int64) ([]herald.Role, error)
	GetRole(ctx context.Context, id int64) (*herald.Role, error)
	SetGrant(ctx context.Context, roleID int64, holder string, holderID int64, grant bool) error
	UserRoles(ctx context.Context, userID int64) ([]herald.Role, error)
	TeamRoles(ctx context.Context, teamID int64) ([]herald.Role, error)
}
