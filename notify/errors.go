package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
)

// Class says whether a failed attempt is worth another.
type Class int

const (
	ClassTransient Class = iota // connection refused or reset, timeout, 429, 5xx: retry
	ClassPermanent              // other 4xx, bad credentials, invalid configuration: fail now
	ClassRefused                // the destination guard refused the address: fail now
)

func (c Class) String() string {
	switch c {
	case ClassPermanent:
		return "permanent"
	case ClassRefused:
		return "refused"
	}
	return "transient"
}

// Final reports whether a failure of class c ends the notification at once.
func (c Class) Final() bool { return c == ClassPermanent || c == ClassRefused }

// Error is a classified send failure.
type Error struct {
	Class      Class
	RetryAfter time.Duration // what the receiver asked for; 0 when it did not say
	Err        error
	Answer     Answer // what the receiver answered, when it did
}

// AnswerMax is how much of an answer the attempt log keeps. An Answer
// holds twice that, so that a secret the receiver repeats across the cut
// is still whole when the log removes it.
const AnswerMax = 1024

// Answer is what a receiver answered one attempt: its HTTP status or SMTP
// reply code (0 when none came back) and the start of its body.
type Answer struct {
	Code int
	Body []byte // at most 2 × AnswerMax bytes
}

// NewAnswer keeps code and the start of body.
func NewAnswer(code int, body []byte) Answer {
	return Answer{Code: code, Body: bytes.Clone(body[:min(len(body), 2*AnswerMax)])}
}

// HTTPAnswer is the answer of an HTTP request.
func HTTPAnswer(resp *http.Response, body []byte) Answer {
	if resp == nil {
		return Answer{}
	}
	return NewAnswer(resp.StatusCode, body)
}

// WithAnswer records on err (made by Permanent or Transient) what the
// receiver answered; other errors are wrapped as transient.
func WithAnswer(err error, a Answer) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Class: ClassTransient, Err: err, Answer: a}
	}
	e.Answer = a
	return err
}

// AnswerOf returns what the receiver answered an attempt: the error's
// answer when it has one, else the result's.
func AnswerOf(res Result, err error) Answer {
	var e *Error
	if errors.As(err, &e) && (e.Answer.Code != 0 || len(e.Answer.Body) > 0) {
		return e.Answer
	}
	return res.Answer
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &Error{Class: ClassPermanent, Err: err} }

// Permanentf is Permanent(fmt.Errorf(...)).
func Permanentf(format string, args ...any) error { return Permanent(fmt.Errorf(format, args...)) }

// Transient marks err as worth retrying, after retryAfter when the receiver said so.
func Transient(err error, retryAfter time.Duration) error {
	return &Error{Class: ClassTransient, RetryAfter: retryAfter, Err: err}
}

// Classify returns the class of err and the delay the receiver asked for.
// A refused destination anywhere in err is ClassRefused, however a sender
// wrapped it. Errors not made by Permanent or Transient are transient: a
// sender that does not know is better retried than dropped.
func Classify(err error) (Class, time.Duration) {
	if _, ok := Refused(err); ok {
		return ClassRefused, 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class, e.RetryAfter
	}
	return ClassTransient, 0
}

// MaxResponseBody caps how much of a receiver's answer is read.
const MaxResponseBody = 64 << 10

// ReadBody reads at most MaxResponseBody bytes of resp's body and closes it.
func ReadBody(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBody))
	return b
}

// StatusError classifies a non-success HTTP answer: 408, 425, 429 and 5xx are
// transient (honouring Retry-After), every other status is permanent. prefix
// starts the message ("Error sending notification mattermost").
func StatusError(prefix string, resp *http.Response, body []byte) error {
	err := fmt.Errorf("%s: %d %s", prefix, resp.StatusCode, snippet(body))
	answer := HTTPAnswer(resp, body)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode >= 500:
		return &Error{Class: ClassTransient, RetryAfter: RetryAfter(resp.Header.Get("Retry-After"), time.Now()), Err: err, Answer: answer}
	}
	return &Error{Class: ClassPermanent, Err: err, Answer: answer}
}

// RetryAfter parses a Retry-After header: seconds or an HTTP date. 0 when absent or bad.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// snippet shortens a receiver's answer for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// RequestError classifies an error from http.Client.Do: every transport
// failure (refused, reset, timeout, TLS) is transient, except a certificate
// that does not verify, which will not fix itself.
func RequestError(prefix string, err error) error {
	if r, ok := Refused(err); ok {
		// The guard's own words say it all; the request and dial wrappers
		// around them only repeat the address.
		return &Error{Class: ClassRefused, Err: fmt.Errorf("%s: %w", prefix, r)}
	}
	msg := err.Error()
	if strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate") {
		return Permanentf("%s: %v", prefix, err)
	}
	return Transient(fmt.Errorf("%s: %w", prefix, err), 0)
}

// PostJSON posts payload as JSON to url and returns the answer's status and
// body (capped). A transport failure or a non-2xx answer comes back as a
// classified error under prefix; a redirect is not followed, so it is an
// error too: nothing was posted.
func PostJSON(ctx context.Context, client *http.Client, url, userAgent, prefix string, payload any) (*http.Response, []byte, error) {
	resp, answer, err := SendJSON(ctx, client, url, userAgent, prefix, payload)
	if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		err = StatusError(prefix, resp, answer)
	}
	return resp, answer, err
}

// SendJSON posts payload as JSON to url and returns the answer, whatever
// its status, for the sender to judge. A transport failure is classified
// under prefix, without the URL: webhook URLs carry their credentials.
func SendJSON(ctx context.Context, client *http.Client, url, userAgent, prefix string, payload any) (*http.Response, []byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, nil, Permanentf("%s: %w", prefix, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, Permanentf("%s: bad URL", prefix)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, RequestError(prefix, err)
	}
	return resp, ReadBody(resp), nil
}
