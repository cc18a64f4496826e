package message

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/herald-notify/herald"
)

// events are the custom message keys, in the order problems are reported.
var events = []string{"started", "success", "error"}

const eventInvalid = "Event '%s' invalid, must be one of 'started', 'success', or 'error'"

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

var (
	undefinedName = regexp.MustCompile(`Unable to evaluate name "([^"]*)"`)
	undefinedAttr = regexp.MustCompile(`attribute '([^']*)' not found|item '([^']*)' not found`)
)

// checkTemplate renders one template strictly and words the problem as AWX.
func checkTemplate(event, kind, src string, vars map[string]any) string {
	if len(src) > MaxTemplateSize {
		return fmt.Sprintf("Message too large in %s event %s: %d bytes, at most %d", event, kind, len(src), MaxTemplateSize)
	}
	_, err := render(src, vars, true)
	if err == nil {
		return ""
	}
	text := err.Error()
	name := ""
	if m := undefinedName.FindStringSubmatch(text); m != nil {
		name = m[1]
	} else if m := undefinedAttr.FindStringSubmatch(text); m != nil {
		name = m[1] + m[2]
	}
	switch {
	case strings.HasPrefix(name, "_"):
		// Jinja's sandbox refuses private attributes such as __class__.
		return fmt.Sprintf("Security error due to field '%s'", name)
	case name != "":
		return fmt.Sprintf("Field '%s' unavailable", name)
	}
	return fmt.Sprintf("Unable to render message '%s': %s", src, oneLine(text))
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
		if !slices.Contains(events, ev.key) {
			problems = append(problems, fmt.Sprintf(eventInvalid, ev.key))
			continue
		}
		if string(ev.value) == "null" {
			msgs[ev.key] = nil
			continue
		}
		inner, err := objectFields(ev.value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Expected dict for event '%s', found %s", ev.key, pyType(ev.value)))
			continue
		}
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
	}
	return msgs, problems
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
