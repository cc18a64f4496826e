package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/ordered"
)

// maxBody caps a request body: a notifier or job report is a few KiB.
const maxBody = 1 << 20

// timeFormat is how every timestamp is shown (docs/api.md §1).
const timeFormat = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if o, ok := v.(ordered.Object); ok {
		if b, err := o.AppendJSON(make([]byte, 0, 2048)); err == nil {
			w.WriteHeader(status)
			w.Write(append(b, '\n'))
			return
		}
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func detail(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]any{"detail": fmt.Sprintf(format, args...)})
}

// writeError answers with the status and body an error's code calls for.
// Internal errors are logged and answered without detail: never SQL, a
// stack or a secret.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *herald.Error
	if !errors.As(err, &e) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		detail(w, http.StatusInternalServerError, "A server error occurred.")
		return
	}
	switch e.Code {
	case herald.EINVALID:
		if e.Fields != nil {
			writeJSON(w, http.StatusBadRequest, e.Fields)
		} else {
			detail(w, http.StatusBadRequest, "%s", e.Message)
		}
	case herald.ENOTFOUND:
		detail(w, http.StatusNotFound, "Not found.")
	case herald.ECONFLICT:
		detail(w, http.StatusConflict, "%s", e.Message)
	case herald.EFORBIDDEN:
		detail(w, http.StatusForbidden, "%s", e.Message)
	case herald.EUNAUTHORIZED:
		detail(w, http.StatusUnauthorized, "%s", e.Message)
	case herald.ETOOMANY:
		retryAfter(w, e.RetryAfter)
		detail(w, http.StatusTooManyRequests, "%s", e.Message)
	case herald.EUNAVAILABLE:
		s.log.Warn("request refused", "method", r.Method, "path", r.URL.Path, "err", err)
		retryAfter(w, 30*time.Second)
		detail(w, http.StatusServiceUnavailable, "%s", e.Message)
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		detail(w, http.StatusInternalServerError, "A server error occurred.")
	}
}

// errBody is a request body problem with its status.
type errBody struct {
	status int
	msg    string
}

func (e *errBody) Error() string { return e.msg }

// readBody reads a JSON request body into a map of raw fields, enforcing the
// size cap and content type. An empty body is an empty object when allowEmpty.
func readBody(w http.ResponseWriter, r *http.Request, allowEmpty bool) (map[string]json.RawMessage, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &errBody{http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is larger than %d bytes.", maxBody)}
		}
		return nil, &errBody{http.StatusBadRequest, "Could not read the request body."}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		if allowEmpty {
			return map[string]json.RawMessage{}, nil
		}
		return nil, &errBody{http.StatusBadRequest, "JSON parse error - Expecting value: the request body is empty."}
	}
	// A body must say it is JSON: a form a page of another site posts
	// (text/plain, or no type) is refused, so that it cannot ride on
	// credentials a browser holds.
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, &errBody{http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type \"%s\" in request; send Content-Type: application/json.", ct)}
	}
	// encoding/json turns invalid UTF-8 into U+FFFD without a word: a name
	// would be stored other than sent. JSON text is UTF-8 (RFC 8259 §8.1).
	if !utf8.Valid(data) {
		return nil, &errBody{http.StatusBadRequest, fmt.Sprintf("JSON parse error - the request body is not valid UTF-8 (at byte %d).", invalidUTF8At(data))}
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &errBody{http.StatusBadRequest, "JSON parse error - " + jsonErrorText(err)}
	}
	if _, ok := raw.(map[string]any); !ok {
		return nil, &errBody{http.StatusBadRequest, "JSON parse error - expected a JSON object."}
	}
	var fields map[string]json.RawMessage
	json.Unmarshal(data, &fields)
	return fields, nil
}

// invalidUTF8At is the offset of the first byte that is not valid UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return err.Error()
}

// decode reads the body and answers the error itself; ok reports whether to go on.
func (s *server) decode(w http.ResponseWriter, r *http.Request, allowEmpty bool) (map[string]json.RawMessage, bool) {
	fields, err := readBody(w, r, allowEmpty)
	if err != nil {
		var eb *errBody
		if errors.As(err, &eb) {
			detail(w, eb.status, "%s", eb.msg)
		} else {
			s.writeError(w, r, err)
		}
		return nil, false
	}
	return fields, true
}

// fieldErrors collects per-field messages while a body is checked.
type fieldErrors map[string][]string

func (f fieldErrors) add(field, format string, args ...any) {
	f[field] = append(f[field], fmt.Sprintf(format, args...))
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return herald.FieldErrors(f)
}

// str reads a string field; null is refused.
func (f fieldErrors) str(fields map[string]json.RawMessage, name string, required bool, maxLen int) (string, bool) {
	raw, ok := fields[name]
	if !ok {
		if required {
			f.add(name, "This field is required.")
		}
		return "", false
	}
	if string(raw) == "null" {
		f.add(name, "This field may not be null.")
		return "", false
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		f.add(name, "Not a valid string.")
		return "", false
	}
	if required && strings.TrimSpace(v) == "" {
		f.add(name, "This field may not be blank.")
		return "", false
	}
	if maxLen > 0 && len([]rune(v)) > maxLen {
		f.add(name, "Ensure this field has no more than %d characters.", maxLen)
		return "", false
	}
	return v, true
}

// ref reads an id field; present reports whether it was given, val is nil for null.
func (f fieldErrors) ref(fields map[string]json.RawMessage, name string, required bool) (val *int64, present bool) {
	raw, ok := fields[name]
	if !ok {
		if required {
			f.add(name, "This field is required.")
		}
		return nil, false
	}
	if string(raw) == "null" {
		if required {
			f.add(name, "This field may not be null.")
			return nil, false
		}
		return nil, true
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil || v <= 0 {
		f.add(name, "Incorrect type. Expected pk value, received %s.", jsonType(raw))
		return nil, false
	}
	return &v, true
}

func jsonType(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "":
		return "nothing"
	case s[0] == '"':
		return "str"
	case s[0] == '{':
		return "dict"
	case s[0] == '[':
		return "list"
	case s == "true" || s == "false":
		return "bool"
	case s == "null":
		return "null"
	}
	if strings.ContainsAny(s, ".eE") {
		return "float"
	}
	return "int"
}
