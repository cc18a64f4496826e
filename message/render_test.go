package message

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

func str(s string) *string { return &s }

func TestRenderDefaults(t *testing.T) {
	job := playbookJob()
	subject := Subject(job, base)
	other := herald.Messages{"success": {Message: str("custom")}}
	tests := []struct {
		name     string
		typ      string
		msgs     herald.Messages
		trigger  herald.Trigger
		wantBody string
	}{
		{"email", "email", nil, herald.TriggerError, EmailBody(job, base)},
		{"webhook", "webhook", nil, herald.TriggerError, Metadata(job, base)},
		{"slack", "slack", nil, herald.TriggerError, Metadata(job, base)},
		{"other trigger customised", "email", other, herald.TriggerError, EmailBody(job, base)},
		{"null entry", "webhook", herald.Messages{"error": nil}, herald.TriggerError, Metadata(job, base)},
		{"both fields null", "webhook", herald.Messages{"error": {}}, herald.TriggerError, Metadata(job, base)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotSubject, gotBody := Render(tt.typ, tt.msgs, tt.trigger, job, base)
			if gotSubject != subject {
				t.Errorf("subject = %q, want %q", gotSubject, subject)
			}
			if gotBody != tt.wantBody {
				t.Errorf("body =\n%s\nwant\n%s", gotBody, tt.wantBody)
			}
		})
	}
}

func TestRenderCustom(t *testing.T) {
	tests := []struct {
		name, message, body string
		wantSubject         string
		wantBody            string
	}{
		{
			name:        "AWX default message",
			message:     "{{ job_friendly_name }} #{{ job.id }} '{{ job.name }}' {{ job.status }}: {{ url }}",
			wantSubject: "Job #42 'Déploiement <prod> & co' failed: https://herald.example.com/#/jobs/playbook/42",
		},
		{
			name:        "job fields",
			message:     "{{ job.type }} {{ job.url }} {{ job.failed }} {{ job.elapsed }} {{ job.launch_type }} {{ job.limit }} {{ job.playbook }} {{ job.created }} {{ job.finished }}",
			wantSubject: "job /api/v1/jobs/42/ True 7.969386 manual web* fail.yml 2020-07-28T20:43:30.000000Z 2020-07-28T20:43:44.936072Z",
		},
		{
			name:        "summary fields",
			message:     "{{ job.summary_fields.inventory.id }}/{{ job.summary_fields.inventory.name }} {{ job.summary_fields.project.id }} {{ job.summary_fields.job_template.name }} {{ job.summary_fields.unified_job_template.id }} {{ job.summary_fields.created_by.username }}",
			wantSubject: "3/Demo Inventory 4 Deploy JT 9 bianca",
		},
		{
			name:        "filters",
			message:     "{{ job.nothing | default('none') }} {{ job.status | upper }} {{ ['a', 'b'] | join(', ') }} {{ job.host_status_counts.ok + 1 }}",
			wantSubject: "none FAILED a, b 4",
		},
		{
			name:        "tojson",
			message:     "{{ job.summary_fields.inventory | tojson }}",
			wantSubject: `{"id":3,"name":"Demo Inventory"}`,
		},
		{
			name:        "loop",
			message:     "{% for h in ['a', 'b', 'c'] %}{{ loop.index }}={{ h }}{% if not loop.last %};{% endif %}{% endfor %}",
			wantSubject: "1=a;2=b;3=c",
		},
		{
			name:        "message made one line",
			message:     "one\r\ntwo\nthree\rfour",
			wantSubject: "one two three four",
		},
		{
			name:        "body keeps lines and sees job_metadata",
			message:     "s",
			body:        "Result:\n{{ job_metadata }}",
			wantSubject: "s",
			wantBody:    "Result:\n" + playbookMetadata,
		},
		{
			name:        "blank body guarded",
			message:     "s",
			body:        "{% if false %}x{% endif %}  \n ",
			wantSubject: "s",
			wantBody:    "The template rendering return a blank body.\r\nPlease check the template.\r\nRefer to https://github.com/ansible/awx/issues/13983\r\nfor further information.",
		},
		{
			name:        "private attribute prints nothing",
			message:     "[{{ job.__class__ }}]",
			wantSubject: "[]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &herald.CustomMessage{Message: str(tt.message)}
			if tt.body != "" {
				m.Body = str(tt.body)
			}
			subject, body := Render("email", herald.Messages{"error": m}, herald.TriggerError, playbookJob(), base)
			if subject != tt.wantSubject {
				t.Errorf("subject =\n %q\nwant\n %q", subject, tt.wantSubject)
			}
			wantBody := tt.wantBody
			if tt.body == "" {
				wantBody = EmailBody(playbookJob(), base)
			}
			if body != wantBody {
				t.Errorf("body =\n%q\nwant\n%q", body, wantBody)
			}
		})
	}
}

// TestRenderHostile checks that hostile templates end quickly with an error
// text in place of the message, read no file and never crash.
func TestRenderHostile(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"include a file", "{% include '/etc/hostname' %}", "ControlStructure 'include' not found"},
		{"import a file", "{% import '/etc/passwd' as p %}", "ControlStructure 'import' not found"},
		{"extends a file", "{% extends '/etc/passwd' %}", "ControlStructure 'extends' not found"},
		{"range too long", "{% for i in range(10000000) %}x{% endfor %}", "range() produces more than 100000 items"},
		{"range of a float", "{% for i in range(10**7) %}x{% endfor %}", "range() arguments must be integers"},
		{"range total", "{% set a = range(100000) %}{% set b = range(100000) %}{{ b | length }}", "range() calls produce more than 150000 items in all"},
		{"nested loops", "{% for i in range(100000) %}{% for j in [1, 2] %}{% endfor %}{% endfor %}", "template runs more than 150000 loop iterations"},
		{"panic in gonja", "{{ '%s-%d' % (job.name, job.id) }}", "template failed: runtime error: integer divide by zero"},
		{"huge output", "{% for i in range(20000) %}{{ 'x' * 100 }}{% endfor %}", "rendered text is larger than 1048576 bytes"},
		{"huge padding filter", "{{ job.name | center(1000000000) }}", "a numeric argument is too large"},
		{"huge padding method", "{{ job.name.ljust(1000000000) }}", "a numeric argument is too large"},
		{"recursive macro", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "macros nest deeper than 100 calls"},
		{"recursive loop", "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "recursive loops are not allowed"},
		{"mutating a list", "{% set l = [1] %}{{ l.append(2) }}", "unknown method 'append'"},
		{"mutating a dict", "{% set d = {} %}{{ d.update({'a': 1}) }}", "unknown method 'update'"},
		{"template too large", strings.Repeat("x", MaxTemplateSize+1), "template is larger than 65536 bytes"},
	}
	// The caps, not the timer, must stop these; a long time bound keeps a
	// slow machine (or -race) from turning a cap error into a timeout.
	old := renderBudget
	renderBudget = time.Minute
	t.Cleanup(func() { renderBudget = old })
	hostname, _ := os.ReadFile("/etc/hostname")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := herald.Messages{"error": {Message: str(tt.template), Body: str(tt.template)}}
			subject, body := Render("webhook", msgs, herald.TriggerError, playbookJob(), base)
			for _, got := range []string{subject, body} {
				if !strings.Contains(got, tt.want) {
					t.Errorf("got %.300q, want it to contain %q", got, tt.want)
				}
				if len(got) > 2*maxErrorText {
					t.Errorf("error text is %d bytes long", len(got))
				}
				if strings.Contains(got, "goroutine ") {
					t.Errorf("error text carries a stack: %.300q", got)
				}
				if h := strings.TrimSpace(string(hostname)); h != "" && strings.Contains(got, h) && !strings.Contains(tt.template, h) {
					t.Errorf("output contains the host name %q read from /etc/hostname", h)
				}
			}
		})
	}
}
