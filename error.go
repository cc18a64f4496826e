package herald

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to an HTTP status.
const (
	EINVALID      = "invalid"      // 400: the request is wrong; Fields says where
	EUNAUTHORIZED = "unauthorized" // 401
	EFORBIDDEN    = "forbidden"    // 403
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409: the state forbids it
	EINTERNAL     = "internal"     // 500: never shown in detail
)

// Error is an error the user can act on. Message is safe to show.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field problems for EINVALID ("__all__" for the whole object).
	Fields map[string][]string
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
