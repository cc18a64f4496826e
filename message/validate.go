package message

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/herald-notify/herald"
)

// events are the custom message keys, in the order problems are reported.
var events = []string{"started", "success", "error", "running", "approved", "timed_out", "denied"}

// ApprovalEvents are a workflow approval's events, which AWX nests under
// "workflow_approval" and Herald keeps beside the job events.
var ApprovalEvents = []string{"running", "approved", "timed_out", "denied"}

const eventInvalid = "Event '%s' invalid, must be one of 'started', 'success', 'error', or 'workflow_approval'"

// Validate checks custom messages on save with AWX's messages: known events
// only, no newline in a one-line message, and every template renders
// against a stub job in strict mode (unknown names are errors).
func Validate(msgs herald.Messages) []string {
	var problems []string
	keys := make([]string, 0, len(msgs))
	for k := range msgs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return eventOrder(keys[i]) < eventOrder(keys[j]) || (eventOrder(keys[i]) == eventOrder(keys[j]) && keys[i] < keys[j])
	})
	var vars map[string]any
	for _, event := range keys {
		if !slices.Contains(events, event) {
			problems = append(problems, fmt.Sprintf(eventInvalid, event))
			continue
		}
		m := msgs[event]
		if m == nil {
			continue
		}
		if vars == nil {
			stub := stubJob()
			vars = jobVars(stub, "https://herald.example.com")
			// As AWX's stub: the approval variables are there for every event.
			for k, v := range approvalVars(&herald.Approval{Name: "Approve the release", Status: herald.ApprovalApproved}, stub, "https://herald.example.com") {
				vars[k] = v
			}
		}
		if m.Message != nil {
			if strings.Contains(*m.Message, "\n") {
				problems = append(problems, fmt.Sprintf("Messages cannot contain newlines (found newline in %s event)", event))
			} else if p := checkTemplate(event, "message", *m.Message, vars); p != "" {
				problems = append(problems, p)
			}
		}
		if m.Body != nil {
			if p := checkTemplate(event, "body", *m.Body, vars); p != "" {
				problems = append(problems, p)
			}
		}
	}
	return problems
}

func eventOrder(e string) int {
	if i := slices.Index(events, e); i >= 0 {
		return i
	}
	return len(events)
}

// checkTemplate renders one template strictly and words the problem as AWX.
func checkTemplate(event, kind, src string, vars map[string]any) string {
	if len(src) > MaxTemplateSize {
		return fmt.Sprintf("Message too large in %s event %s: %d bytes, at most %d", event, kind, len(src), MaxTemplateSize)
	}
	_, err := render(context.Background(), src, vars, true)
	if err == nil {
		return ""
	}
	var undef *undefinedError
	switch {
	case errors.As(err, &undef) && strings.HasPrefix(undef.name, "_"):
		// Jinja's sandbox refuses private attributes such as __class__.
		return fmt.Sprintf("Security error due to field '%s'", undef.name)
	case errors.As(err, &undef):
		return fmt.Sprintf("Field '%s' unavailable", undef.name)
	}
	return fmt.Sprintf("Unable to render message '%s': %s", quoted(src), oneLine(err.Error()))
}

// maxQuoted bounds how much of a template a problem quotes.
const maxQuoted = 200

func quoted(src string) string {
	if len(src) <= maxQuoted {
		return src
	}
	return strings.ToValidUTF8(src[:maxQuoted], "") + "…"
}

// Parse decodes the raw `messages` field, reporting wrong shapes with AWX's
// messages. Unknown events are reported and left out. null gives nil.
func Parse(raw json.RawMessage) (herald.Messages, []string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	top, err := objectFields(raw)
	if err != nil {
		return nil, []string{fmt.Sprintf("Expected dict for 'messages' field, found %s", pyType(raw))}
	}
	msgs := herald.Messages{}
	var problems []string
	for _, ev := range top {
		if ev.key == "workflow_approval" {
			problems = append(problems, parseApproval(ev.value, msgs)...)
			continue
		}
		if !slices.Contains(events[:3], ev.key) {
			problems = append(problems, fmt.Sprintf(eventInvalid, ev.key))
			continue
		}
		problems = append(problems, parseEvent(ev, msgs)...)
	}
	return msgs, problems
}

// parseApproval decodes "workflow_approval": {"running": E, ...} into msgs.
func parseApproval(raw json.RawMessage, msgs herald.Messages) []string {
	if string(raw) == "null" {
		return nil
	}
	subs, err := objectFields(raw)
	if err != nil {
		return []string{fmt.Sprintf("Expected dict for event 'workflow_approval', found %s", pyType(raw))}
	}
	var problems []string
	for _, sub := range subs {
		if !slices.Contains(ApprovalEvents, sub.key) {
			problems = append(problems, fmt.Sprintf("Workflow Approval event '%s' invalid, must be one of 'running', 'approved', 'timed_out', or 'denied'", sub.key))
			continue
		}
		problems = append(problems, parseEvent(sub, msgs)...)
	}
	return problems
}

// parseEvent decodes one event's {"message", "body"} into msgs.
func parseEvent(ev rawField, msgs herald.Messages) []string {
	if string(ev.value) == "null" {
		msgs[ev.key] = nil
		return nil
	}
	inner, err := objectFields(ev.value)
	if err != nil {
		return []string{fmt.Sprintf("Expected dict for event '%s', found %s", ev.key, pyType(ev.value))}
	}
	var problems []string
	m := &herald.CustomMessage{}
	for _, f := range inner {
		var dst **string
		switch f.key {
		case "message":
			dst = &m.Message
		case "body":
			dst = &m.Body
		default:
			problems = append(problems, fmt.Sprintf("Message type '%s' invalid, must be either 'message' or 'body'", f.key))
			continue
		}
		if string(f.value) == "null" {
			*dst = nil
			continue
		}
		var s string
		if json.Unmarshal(f.value, &s) != nil {
			problems = append(problems, fmt.Sprintf("Expected string for '%s', found %s", f.key, pyType(f.value)))
			continue
		}
		*dst = &s
	}
	msgs[ev.key] = m
	return problems
}

type rawField struct {
	key   string
	value json.RawMessage
}

// objectFields splits a JSON object into its keys and raw values in order,
// so problems are reported in the order the user wrote them.
func objectFields(raw json.RawMessage) ([]rawField, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	var fields []rawField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		fields = append(fields, rawField{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return fields, nil
}

// pyType names a JSON value's type as Python does in AWX's messages.
func pyType(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '{':
		return "dict"
	case '[':
		return "list"
	case '"':
		return "str"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}
