package app

import (
	"context"
	"time"

	"github.com/herald-notify/herald"
)

// Store is the persistence the application layer needs, in small parts.
type Store interface {
	ObjectStore
	JobStore
	NotifierStore
	NotificationStore
	SteeringStore
	UserStore
	RoleStore
	ApprovalStore
}

// ObjectStore keeps the objects notifiers hang on.
type ObjectStore interface {
	ListObjects(ctx context.Context, t *herald.ObjectType, q herald.Query) ([]herald.Record, int, error)
	GetObject(ctx context.Context, t *herald.ObjectType, id int64) (herald.Record, error)
	ObjectName(ctx context.Context, collection string, id int64) string
	CreateObject(ctx context.Context, t *herald.ObjectType, values map[string]any) (herald.Record, error)
	UpdateObject(ctx context.Context, t *herald.ObjectType, id int64, values map[string]any) (herald.Record, error)
	DeleteObject(ctx context.Context, t *herald.ObjectType, id int64, cascade bool) error
}

// JobStore keeps jobs, and writes a status change with its notifications.
type JobStore interface {
	ListJobs(ctx context.Context, kind herald.JobKind, q herald.Query) ([]*herald.Job, int, error)
	GetJob(ctx context.Context, kind herald.JobKind, id int64) (*herald.Job, error)
	Launch(ctx context.Context, r herald.LaunchRequest) (*herald.Job, bool, error)
	JobForReport(ctx context.Context, kind herald.JobKind, id int64) (*herald.Job, int64, error)
	Fires(ctx context.Context, j *herald.Job, gen int64, trigger herald.Trigger) ([]*herald.Notifier, error)
	SaveReport(ctx context.Context, j *herald.Job, readModified time.Time, news []herald.NewNotification, notifiers []*herald.Notifier) error
}

// NotifierStore keeps notifiers and their attachments.
type NotifierStore interface {
	ListNotifiers(ctx context.Context, q herald.Query) ([]*herald.Notifier, int, error)
	GetNotifier(ctx context.Context, id int64) (*herald.Notifier, error)
	CreateNotifier(ctx context.Context, n *herald.Notifier) (*herald.Notifier, error)
	UpdateNotifier(ctx context.Context, n *herald.Notifier) (*herald.Notifier, error)
	DeleteNotifier(ctx context.Context, id int64) error
	Attach(ctx context.Context, a herald.Attachment) error
	Detach(ctx context.Context, a herald.Attachment) error
	ListAttached(ctx context.Context, objectType string, id int64, trigger herald.Trigger, q herald.Query) ([]*herald.Notifier, int, error)
	ListOrganizationNotifiers(ctx context.Context, org int64, q herald.Query) ([]*herald.Notifier, int, error)
	EffectiveNotifiers(ctx context.Context, objectType string, id int64, trigger herald.Trigger) ([]herald.EffectiveNotifier, error)
}

// NotificationStore keeps the record of notifications.
type NotificationStore interface {
	ListNotifications(ctx context.Context, q herald.Query) ([]*herald.Notification, int, error)
	GetNotification(ctx context.Context, id int64) (*herald.Notification, error)
	RecentNotifications(ctx context.Context, notifier int64, n int) ([]*herald.Notification, error)
	CreateTestNotification(ctx context.Context, n herald.NewNotification) (*herald.Notification, error)
}

// UserStore keeps users, their tokens and their failed logins.
type UserStore interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u *herald.User) error
	ListUsers(ctx context.Context, q herald.Query) ([]*herald.User, int, error)
	GetUser(ctx context.Context, id int64) (*herald.User, error)
	UserByName(ctx context.Context, username string) (*herald.User, error)
	UpdateUser(ctx context.Context, u *herald.User, passwordChanged bool) error
	SetPassword(ctx context.Context, username, hash string) error
	TouchLogin(ctx context.Context, id int64) error
	DeleteUser(ctx context.Context, id int64) error
	UserByToken(ctx context.Context, text string) (*herald.User, *herald.Token, error)
	CreateToken(ctx context.Context, t *herald.Token, text string) error
	ListTokens(ctx context.Context, userID int64) ([]*herald.Token, error)
	GetToken(ctx context.Context, id int64) (*herald.Token, error)
	DeleteToken(ctx context.Context, id int64) error
	LoginFailures(ctx context.Context, username, address string) (int, time.Time, error)
	RecordLogin(ctx context.Context, username, address string, ok bool) error
}

// RoleStore keeps roles and who holds them.
type RoleStore interface {
	EnsureRoles(ctx context.Context, resourceType string, id int64, names []string) ([]herald.Role, error)
	GetRole(ctx context.Context, id int64) (*herald.Role, error)
	SetGrant(ctx context.Context, roleID int64, holder string, holderID int64, grant bool) error
	UserGrants(ctx context.Context, userID int64) ([]herald.Role, error)
	TeamGrants(ctx context.Context, teamID int64) ([]herald.Role, error)
	UsersWithRolesOn(ctx context.Context, resourceType string, ids []int64) ([]int64, error)
}
