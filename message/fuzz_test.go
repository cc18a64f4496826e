package message

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

// fuzzSeeds are templates near every limit and every construct.
var fuzzSeeds = []string{
	"{{ job.name }}",
	"{% for i in range(3) %}{{ i }}{% endfor %}",
	"{{ '%s-%d' % (job.name, job.id) }}",
	"{{ job.__class__ }}",
	"{% include '/etc/hostname' %}",
	"{{ 1 % 0 }}", "{{ 1 // 0 }}", "{{ 2 ** 64 }}", "{{ -9223372036854775807 - 1 }}",
	"{{ 'x' * -1 }}",
	"{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
	"{{ job.missing.deeper }}",
	"{% if %}", "{{", "{%- raw -%} {{ x }} {%- endraw -%}", "{# c #}{{- 1 -}}",
	"{% set x = job.id // 0 %}{{ x }}",
	"{{ job.summary_fields | dictsort | batch(3) | list }}",
	"{% set a = 'x' * 1000 %}{% set a = a ~ a %}{% set a = [a, a] %}{{ a | join(a) }}",
	"{{ 'x' * 1000000000 }}{{ [1] * 1000000000 }}",
	"{% set s %}{{ job.name | replace('', job.name) | indent(10) }}{% endset %}{{ s.split() }}",
	"{% set ns = namespace(a=[1]) %}{% for i in range(50) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a == ns.a }}",
	"{% for k, v in job.host_status_counts.items() if v > 0 %}{{ loop.index }}{{ k }}={{ v }}{% else %}none{% endfor %}",
	"{{ job.name | truncate(5) | center(20) | tojson(indent=2) }} {{ [3, 1] | sort(reverse=true) | unique | map('string') | join }}",
	"{{ {'a': [1, 2.5, none, true]} | to_nice_json }} {{ 'a,b'.split(',')[::-1] }} {{ 'é'[0] }}",
	"{% for i in range(job.host_status_counts.ok * 20) %}{% set t = job_metadata.upper() %}{% endfor %}",
}

// FuzzRender feeds arbitrary templates to Render, Validate and Parse: none
// may panic or fail inside the evaluator, and a subject is always one line.
func FuzzRender(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add(seed)
	}
	job := playbookJob()
	f.Fuzz(func(t *testing.T, src string) {
		msgs := herald.Messages{"error": {Message: &src, Body: &src}}
		subject, body := Render("email", msgs, herald.TriggerError, job, base)
		for _, c := range subject {
			if c == '\n' || c == '\r' {
				t.Fatalf("subject %q has a line break", subject)
			}
		}
		for _, got := range []string{subject, body} {
			if strings.Contains(got, "template failed") {
				t.Fatalf("the evaluator failed: %.500q", got)
			}
		}
		if len(body) > MaxOutputSize+len(EmailBody(job, base))+200 {
			t.Fatalf("body is %d bytes", len(body))
		}
		Validate(msgs)
		raw, _ := json.Marshal(map[string]any{"error": map[string]any{"message": src}})
		Parse(raw)
		Parse(json.RawMessage(src))
	})
}

// FuzzEvaluate parses and evaluates arbitrary templates, strict or not,
// and checks that the evaluator kept within every budget and never
// failed itself. The time budget is long so steps and bytes, which do
// not depend on the machine, are what stop a template.
func FuzzEvaluate(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	vars := jobVars(bigJob(5000), base)
	f.Fuzz(func(t *testing.T, src string, strict bool) {
		if len(src) > MaxTemplateSize {
			return
		}
		body, err := parse(src)
		if err != nil {
			var se *syntaxError
			if !errors.As(err, &se) {
				t.Fatalf("parse error of type %T: %v", err, err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, e, err := execute(ctx, body, vars, strict)
		var internal internalError
		if errors.As(err, &internal) {
			t.Fatalf("the evaluator failed: %v", err)
		}
		if e == nil {
			return
		}
		if len(out) > MaxOutputSize {
			t.Fatalf("output is %d bytes", len(out))
		}
		// A budget is checked as it is spent, so it ends at most one charge over.
		if e.steps > maxSteps+MaxValueSize {
			t.Fatalf("%d steps", e.steps)
		}
		if e.allocated > maxAllocated+4*MaxValueSize {
			t.Fatalf("%d bytes built", e.allocated)
		}
		if e.written > maxWritten+MaxOutputSize {
			t.Fatalf("%d bytes written", e.written)
		}
		if e.depth != 0 && err == nil {
			t.Fatalf("depth %d left after a render", e.depth)
		}
	})
}
