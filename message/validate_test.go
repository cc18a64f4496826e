package message

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald"
)

func TestValidate(t *testing.T) {
	big := strings.Repeat("x", MaxTemplateSize+1)
	tests := []struct {
		name string
		msgs herald.Messages
		want []string
	}{
		{"none", nil, nil},
		{"null events", herald.Messages{"started": nil, "success": {}}, nil},
		{"valid templates", herald.Messages{
			"started": {Message: str("{{ job_friendly_name }} #{{ job.id }} '{{ job.name }}' {{ job.status }}: {{ url }}")},
			"success": {Body: str("{{ job.summary_fields.inventory.name }} {{ job.host_status_counts.ok }}\n{{ job_metadata }}")},
			"error":   {Message: str("{% for k, v in job.host_status_counts.items() %}{{ k }}={{ v }} {% endfor %}"), Body: str("{{ job.result_traceback | default('none') }}")},
		}, nil},
		{"unknown event", herald.Messages{"finished": {Message: str("x")}, "approval": nil},
			[]string{
				"Event 'approval' invalid, must be one of 'started', 'success', 'error', or 'workflow_approval'",
				"Event 'finished' invalid, must be one of 'started', 'success', 'error', or 'workflow_approval'",
			}},
		{"newline in message", herald.Messages{"success": {Message: str("a\nb"), Body: str("a\nb")}},
			[]string{"Messages cannot contain newlines (found newline in success event)"}},
		{"syntax error", herald.Messages{"started": {Message: str("{{ job.name ")}},
			[]string{"Unable to render message '{{ job.name ': "}},
		{"unknown variable", herald.Messages{"started": {Message: str("{{ foo }}")}},
			[]string{"Field 'foo' unavailable"}},
		{"unknown field", herald.Messages{"error": {Body: str("{{ job.extra_vars }}")}},
			[]string{"Field 'extra_vars' unavailable"}},
		{"private attribute", herald.Messages{"error": {Message: str("{{ job.__class__ }}")}},
			[]string{"Security error due to field '__class__'"}},
		{"unknown filter", herald.Messages{"error": {Message: str("{{ job.name | shout }}")}},
			[]string{"Unable to render message '{{ job.name | shout }}': "}},
		{"include", herald.Messages{"error": {Body: str("{% include '/etc/hostname' %}")}},
			[]string{"Unable to render message '{% include '/etc/hostname' %}': line 1: statement 'include' is not allowed in a message"}},
		{"division by zero", herald.Messages{"error": {Message: str("{{ 1 // 0 }}")}},
			[]string{"Unable to render message '{{ 1 // 0 }}': integer division or modulo by zero"}},
		{"undefined with a default", herald.Messages{"error": {Message: str("{{ job.nothing | default('none') }} {% if nope is defined %}{% endif %}")}}, nil},
		{"undefined deep in a chain", herald.Messages{"error": {Message: str("{{ job" + strings.Repeat(".a", 90) + " }}")}},
			[]string{"Field 'a' unavailable"}},
		{"chain too deep", herald.Messages{"error": {Message: str("{{ job" + strings.Repeat(".a", 30000) + " }}")}},
			[]string{"Unable to render message '{{ job" + strings.Repeat(".a", 97) + "…': line 1: template nests deeper than 100 levels"}},
		{"undefined in a loop", herald.Messages{"error": {Body: str("{% for h in job.hosts %}{{ h }}{% endfor %}")}},
			[]string{"Field 'hosts' unavailable"}},
		{"over budget on the stub job", herald.Messages{"error": {Body: str("{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.upper() %}{% endfor %}")}},
			[]string{"Unable to render message '{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.upper() %}{% endfor %}': "}}, // a budget's error follows
		{"too large", herald.Messages{"started": {Body: &big}},
			[]string{"Message too large in started event body: 65537 bytes, at most 65536"}},
		{"events in order", herald.Messages{
			"error":   {Message: str("{{ e }}")},
			"started": {Message: str("{{ s }}")},
			"success": {Message: str("{{ u }}")},
		}, []string{"Field 's' unavailable", "Field 'u' unavailable", "Field 'e' unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Validate(tt.msgs)
			if len(got) != len(tt.want) {
				t.Fatalf("Validate = %q, want %q", got, tt.want)
			}
			for i := range got {
				// A trailing ": " in want means the render error follows.
				if strings.HasSuffix(tt.want[i], ": ") {
					if !strings.HasPrefix(got[i], tt.want[i]) {
						t.Errorf("problem %d = %q, want prefix %q", i, got[i], tt.want[i])
					}
				} else if got[i] != tt.want[i] {
					t.Errorf("problem %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		want  herald.Messages
		probs []string
	}{
		{"null", `null`, nil, nil},
		{"empty", ``, nil, nil},
		{"valid", `{"started": null, "success": {"message": "m", "body": null}, "error": {"body": "b"}}`,
			herald.Messages{"started": nil, "success": {Message: str("m")}, "error": {Body: str("b")}}, nil},
		{"list", `["a"]`, nil, []string{"Expected dict for 'messages' field, found list"}},
		{"string", `"a"`, nil, []string{"Expected dict for 'messages' field, found str"}},
		{"number", `5`, nil, []string{"Expected dict for 'messages' field, found int"}},
		{"event not a dict", `{"started": "x", "error": [1]}`, herald.Messages{},
			[]string{"Expected dict for event 'started', found str", "Expected dict for event 'error', found list"}},
		{"unknown event", `{"finished": {"message": "x"}, "success": {"message": "y"}}`,
			herald.Messages{"success": {Message: str("y")}},
			[]string{"Event 'finished' invalid, must be one of 'started', 'success', 'error', or 'workflow_approval'"}},
		{"unknown message type", `{"started": {"msg": "x", "body": "b"}}`,
			herald.Messages{"started": {Body: str("b")}},
			[]string{"Message type 'msg' invalid, must be either 'message' or 'body'"}},
		{"wrong value types", `{"started": {"message": 5, "body": 1.5}, "error": {"message": true, "body": {"a": 1}}}`,
			herald.Messages{"started": {}, "error": {}},
			[]string{
				"Expected string for 'message', found int",
				"Expected string for 'body', found float",
				"Expected string for 'message', found bool",
				"Expected string for 'body', found dict",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := Parse(json.RawMessage(tt.raw))
			if !reflect.DeepEqual(probs, tt.probs) {
				t.Errorf("problems = %q, want %q", probs, tt.probs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages = %s, want %s", dump(got), dump(tt.want))
			}
		})
	}
}

func dump(m herald.Messages) string {
	b, _ := json.Marshal(m)
	return string(b)
}
