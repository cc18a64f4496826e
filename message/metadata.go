package message

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/herald-notify/herald"
)

// timeLayout is how AWX's notification data writes times (microseconds, UTC).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// field is one key of a JSON object written in a fixed order.
type field struct {
	key   string
	value any
}

// Metadata is the default body: the job's details as JSON indented by 4,
// keys in AWX's order, non-ASCII characters kept.
func Metadata(job *herald.Job, baseURL string) string {
	fields := []field{
		{"id", job.ID},
		{"name", job.Name},
		{"url", uiURL(job, baseURL)},
		{"created_by", job.CreatedBy},
		{"started", timeOrNil(job.Started)},
		{"finished", timeOrNil(job.Finished)},
		{"status", job.Status},
		{"traceback", job.ResultTraceback},
		{"friendly_name", job.Kind.FriendlyName()},
	}
	if job.Kind == herald.KindJob {
		hosts := job.Hosts
		if hosts == nil {
			hosts = map[string]herald.HostCounts{}
		}
		fields = append(fields,
			field{"inventory", stringOrNil(job.Refs.Inventory)},
			field{"project", stringOrNil(job.Refs.Project)},
			field{"playbook", job.Refs.Playbook},
			field{"limit", job.Limit},
			field{"extra_vars", job.ExtraVars},
			field{"hosts", hosts},
		)
	}
	return indentJSON(orderedJSON(fields))
}

// orderedJSON writes fields as one compact object in their order; a Go map
// would sort the keys.
func orderedJSON(fields []field) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(marshal(f.key))
		b.WriteByte(':')
		b.Write(marshal(f.value))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// marshal encodes v without HTML escaping, as Python's json.dumps does.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only plain strings, numbers, times and host counts reach here.
		return []byte("null")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func indentJSON(compact []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "    "); err != nil {
		return string(compact)
	}
	return b.String()
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

func stringOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
