package herald

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The API maps each to an HTTP status.
const (
	EINVALID      = "invalid"      // 400: the request is wrong; Fields says where
	EUNAUTHORIZED = "unauthorized" // 401
	EFORBIDDEN    = "forbidden"    // 403
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409: the state forbids it
	ETOOMANY      = "too_many"     // 429: wait RetryAfter
	EUNAVAILABLE  = "unavailable"  // 503: a resource is exhausted (the database cannot write); retry later
	EINTERNAL     = "internal"     // 500: never shown in detail
)

// ErrStale says a write was refused because the stored row changed since it
// was read; the caller reads it again and decides anew.
var ErrStale = errors.New("changed since it was read")

// Error is an error the user can act on. Message is safe to show.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field problems for EINVALID ("__all__" for the whole object).
	Fields map[string][]string
	// RetryAfter is how long to wait, for ETOOMANY.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %v", e.Code, e.Fields)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors returns an EINVALID error holding per-field messages.
func FieldErrors(fields map[string][]string) *Error {
	return &Error{Code: EINVALID, Fields: fields}
}

// FieldError returns an EINVALID error for one field.
func FieldError(field, format string, args ...any) *Error {
	return FieldErrors(map[string][]string{field: {fmt.Sprintf(format, args...)}})
}

// ErrorCode returns the code of err, EINTERNAL when it is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}
