package message

import (
	"encoding/json"
	"testing"

	"github.com/herald-notify/herald"
)

// FuzzRender feeds arbitrary templates to Render, Validate and Parse: none
// may panic, and a subject is always one line.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"{{ job.name }}",
		"{% for i in range(3) %}{{ i }}{% endfor %}",
		"{{ '%s-%d' % (job.name, job.id) }}",
		"{{ job.__class__ }}",
		"{% include '/etc/hostname' %}",
		"{{ 1 % 0 }}",
		"{{ 'x' * -1 }}",
		"{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
		"{{ job.missing.deeper }}",
		"{% if %}",
		"{{",
		"{% set x = job.id // 0 %}{{ x }}",
		"{{ job.summary_fields | dictsort | batch(3) | list }}",
		"{% set a = 'x' * 1000 %}{% set a = a ~ a %}{% set a = [a, a] %}{{ a | join(a) }}",
		"{{ 'x' * 1000000000 }}{{ [1] * 1000000000 }}",
		"{% set s %}{{ job.name | replace('', job.name) | indent(10) }}{% endset %}{{ s.split() }}",
	} {
		f.Add(seed)
	}
	job := playbookJob()
	f.Fuzz(func(t *testing.T, src string) {
		msgs := herald.Messages{"error": {Message: &src, Body: &src}}
		subject, _ := Render("email", msgs, herald.TriggerError, job, base)
		for _, c := range subject {
			if c == '\n' || c == '\r' {
				t.Fatalf("subject %q has a line break", subject)
			}
		}
		Validate(msgs)
		raw, _ := json.Marshal(map[string]any{"error": map[string]any{"message": src}})
		Parse(raw)
		Parse(json.RawMessage(src))
	})
}
