package message

import (
	"context"
	"errors"
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
			name:        "tojson as Jinja's",
			message:     "{{ job.summary_fields.inventory | tojson }}",
			wantSubject: `{"id": 3, "name": "Demo Inventory"}`,
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
// text in place of the message, read no file and never crash. Templates
// that run out of a budget leave the default message with a note instead.
func TestRenderHostile(t *testing.T) {
	tests := []struct {
		name, template, want string
		limit                bool // a budget: the default text, with a note
	}{
		{"include a file", "{% include '/etc/hostname' %}", "statement 'include' is not allowed in a message", false},
		{"import a file", "{% import '/etc/passwd' as p %}", "statement 'import' is not allowed in a message", false},
		{"extends a file", "{% extends '/etc/passwd' %}", "statement 'extends' is not allowed in a message", false},
		{"macro", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "statement 'macro' is not allowed in a message", false},
		{"recursive loop", "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "recursive loops are not allowed", false},
		{"range too long", "{% for i in range(10000000) %}x{% endfor %}", "range() produces more than 100000 items", true},
		{"range of a float", "{% for i in range(10.0**7) %}x{% endfor %}", "range() arguments must be integers", false},
		{"nested loops", "{% for i in range(100000) %}{% for j in [1, 2, 3, 4, 5] %}{% endfor %}{% endfor %}", errSteps.Error(), true},
		{"integer division by zero", "{{ 1 // 0 }}", "integer division or modulo by zero", false},
		{"modulo by zero", "{{ job.id % 0 }}", "integer division or modulo by zero", false},
		{"division by zero", "{{ job.id / 0 }}", "division by zero", false},
		{"float division by zero", "{{ 1.5 // 0.0 }}", "float floor division by zero", false},
		{"integer overflow", "{{ 9223372036854775807 + 1 }}", "integer result too large", false},
		{"power overflow", "{{ 2 ** 1000 }}", "integer result too large", false},
		{"format of a tuple", "{{ '%s-%d' % (job.name, 'x') }}", "%d format: a number is required, not str", false},
		{"huge output", "{% for i in range(20000) %}{{ 'x' * 100 }}{% endfor %}", "rendered text is larger than 1048576 bytes", true},
		{"huge padding filter", "{{ job.name | center(1000000000) }}", errArgument.Error(), true},
		{"huge padding method", "{{ job.name.ljust(1000000000) }}", errArgument.Error(), true},
		{"huge format width", "{{ '%1000000000s' % 'x' }}", errArgument.Error(), true},
		{"mutating a list", "{% set l = [1] %}{{ l.append(2) }}", "'list' object has no method 'append'", false},
		{"mutating a dict", "{% set d = {} %}{{ d.update({'a': 1}) }}", "'dict' object has no method 'update'", false},
		{"item assignment", "{% set job['name'] = 'x' %}", "only a name or a namespace attribute can be set", false},
		{"private method", "{{ job.name.__class__() }}", "access to attribute '__class__' is unsafe", false},
		{"str.format", "{{ '{:>1000000000}'.format(1) }}", "str.format is not allowed", false},
		{"deep parentheses", strings.Repeat("{{ ", 1) + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + " }}", "template nests deeper than 100 levels", false},
		{"deep blocks", strings.Repeat("{% if 1 %}", 2000) + strings.Repeat("{% endif %}", 2000), "template nests deeper than 100 levels", false},
		{"deep namespace list", "{% set ns = namespace(a=1) %}{% for i in range(1000) %}{% set ns.a = [ns.a] %}{% endfor %}{{ ns.a }}", errDepth.Error(), true},
		{"template too large", strings.Repeat("x", MaxTemplateSize+1), "template is larger than 65536 bytes", false},
	}
	// The step and byte limits, not the clock, must stop these; a long
	// time budget keeps a slow machine (-race) from turning one into a timeout.
	old := renderBudget
	renderBudget = time.Minute
	t.Cleanup(func() { renderBudget = old })
	hostname, _ := os.ReadFile("/etc/hostname")
	job := playbookJob()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := herald.Messages{"error": {Message: str(tt.template), Body: str(tt.template)}}
			subject, body := Render("email", msgs, herald.TriggerError, job, base)
			if tt.limit {
				if want := Subject(job, base) + " (custom message not used: " + tt.want + ")"; subject != want {
					t.Errorf("subject = %.300q, want %q", subject, want)
				}
				if want := "Custom body not used: " + tt.want + "\n\n" + EmailBody(job, base); body != want {
					t.Errorf("body = %.300q, want %.300q", body, want)
				}
				// Other types' bodies are the default JSON, which their receivers parse.
				if _, hook := Render("webhook", msgs, herald.TriggerError, job, base); hook != Metadata(job, base) {
					t.Errorf("webhook body = %.300q, want the default", hook)
				}
			}
			for _, got := range []string{subject, body} {
				if !strings.Contains(got, tt.want) {
					t.Errorf("got %.300q, want it to contain %q", got, tt.want)
				}
				if !tt.limit && len(got) > 2*maxErrorText {
					t.Errorf("error text is %d bytes long", len(got))
				}
				if strings.Contains(got, "goroutine ") || strings.Contains(got, "template failed") {
					t.Errorf("error text shows an internal failure: %.300q", got)
				}
				if h := strings.TrimSpace(string(hostname)); h != "" && strings.Contains(got, h) && !strings.Contains(tt.template, h) {
					t.Errorf("output contains the host name %q read from /etc/hostname", h)
				}
			}
		})
	}
}

// TestRenderTimeBudget runs a template that stays within every other
// limit for longer than the time budget: the evaluator sees the deadline
// in its loop and stops there.
func TestRenderTimeBudget(t *testing.T) {
	old := renderBudget
	renderBudget = time.Millisecond
	t.Cleanup(func() { renderBudget = old })
	src := "{% for i in range(100000) %}{% for j in range(9) %}{{ j }}{% endfor %}{% endfor %}"
	start := time.Now()
	_, err := render(context.Background(), src, nil, false)
	// A million steps take tens of milliseconds: the clock stops this first.
	if !errors.Is(err, errTime) {
		t.Fatalf("render = %v, want the time budget's error", err)
	}
	t.Logf("stopped after %s", time.Since(start))
}

// TestRenderContextCancelled checks a render looks at its context: a
// cancelled one stops at once.
func TestRenderContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := renderContext(ctx, "{% for i in range(1000) %}{{ i }}{% endfor %}", nil, false)
	if !isLimit(err) {
		t.Fatalf("render = %v, want it stopped", err)
	}
}

// TestRenderSlots fills every render slot: a render waits for one no
// longer than its budget, then falls back with a note.
func TestRenderSlots(t *testing.T) {
	for range cap(renderSlots) {
		renderSlots <- struct{}{}
	}
	t.Cleanup(func() {
		for range cap(renderSlots) {
			<-renderSlots
		}
	})
	old := renderBudget
	renderBudget = 20 * time.Millisecond
	t.Cleanup(func() { renderBudget = old })
	job := playbookJob()
	subject, _ := Render("email", herald.Messages{"error": {Message: str("{{ job.name }}")}}, herald.TriggerError, job, base)
	if want := Subject(job, base) + " (custom message not used: " + errBusy.Error() + ")"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
}

// TestRenderOddArguments are inputs the fuzzers found or could find:
// each renders or fails as a template error, never inside the evaluator.
func TestRenderOddArguments(t *testing.T) {
	for src, want := range map[string]string{
		"{{ 'abc' | truncate(5, false, '', -3) }}": "abc",
		"{{ '\xc3'[0] }}":                          "\xc3",
		"{{ ([] * 1000000000) | length }}":         "0",
		"{{ 'abc'[1:100:2] }}{{ 'abc'[-100:] }}":   "babc",
	} {
		got, err := render(context.Background(), src, nil, false)
		if err != nil || got != want {
			t.Errorf("render(%q) = %q, %v; want %q", src, got, err, want)
		}
	}
}
