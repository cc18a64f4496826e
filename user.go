package herald

import "time"

// User is an account that may call the API (docs/api.md §9).
type User struct {
	ID            int64
	Username      string
	FirstName     string
	LastName      string
	Email         string
	Superuser     bool
	SystemAuditor bool
	LastLogin     *time.Time
	PasswordHash  string // bcrypt; never shown
	Created       time.Time
	Modified      time.Time
}

// Token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Token is a bearer token; its text is only known when it is made.
type Token struct {
	ID          int64
	UserID      int64
	Description string
	Scope       string     // ScopeRead or ScopeWrite
	Expires     *time.Time // nil: never
	Created     time.Time
}

// Role is one role on one object ("admin" of organization 3), as AWX has them.
type Role struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	ResourceType string `json:"resource_type"` // an ObjectType name
	ResourceID   int64  `json:"resource_id"`
}

// Grant is a role held by a user or a team.
type Grant struct {
	Role
	UserID int64 // 0 for a team's grant
	TeamID int64 // 0 for a user's grant
}
