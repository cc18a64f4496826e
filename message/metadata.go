package message

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/ordered"
)

// timeLayout is how AWX's notification data writes times (microseconds, UTC).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Metadata is the default body: the job's details as JSON indented by 4,
// keys in AWX's order, non-ASCII characters kept.
func Metadata(job *herald.Job, baseURL string) string {
	fields := ordered.Pairs(
		"id", job.ID,
		"name", job.Name,
		"url", uiURL(job, baseURL),
		"created_by", job.CreatedBy,
		"started", timeOrNil(job.Started),
		"finished", timeOrNil(job.Finished),
		"status", job.Status,
		"traceback", job.ResultTraceback,
		"friendly_name", job.Kind.FriendlyName(),
	)
	if job.Kind == herald.KindJob {
		hosts := job.Hosts
		if hosts == nil {
			hosts = map[string]herald.HostSummary{}
		}
		fields = append(fields, ordered.Pairs(
			"inventory", stringOrNil(job.Refs.Inventory),
			"project", stringOrNil(job.Refs.Project),
			"playbook", job.Refs.Playbook,
			"limit", job.Limit,
			"extra_vars", job.ExtraVars,
			"hosts", hosts,
		)...)
	}
	compact, err := fields.AppendJSON(nil)
	if err != nil { // only plain strings, numbers, times and host counts are here
		return "{}"
	}
	return indentJSON(compact)
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
