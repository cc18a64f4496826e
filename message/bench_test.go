package message

import (
	"testing"

	"github.com/herald-notify/herald"
)

// BenchmarkRender renders an AWX-style message, and hostile templates
// that the budgets stop (their ns/op is what a status change waits).
func BenchmarkRender(b *testing.B) {
	for _, bm := range []struct{ name, src string }{
		{"awx default", "{{ job_friendly_name }} #{{ job.id }} '{{ job.name }}' {{ job.status }}: {{ url }}"},
		{"loop over counts", "{% for k, v in job.host_status_counts | dictsort %}{{ k }}: {{ v }}{{ ', ' if not loop.last }}{% endfor %}"},
		{"json body", `{"text": "{{ job.name | e }}", "hosts": {{ job.summary_fields.inventory | tojson }}, "meta": {{ job_metadata }}}`},
		{"stopped: nested loops", "{% for i in range(100000) %}{% for j in range(100) %}{% endfor %}{% endfor %}"},
		{"stopped: upper loop", "{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.upper() %}{% endfor %}"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			msgs := herald.Messages{"error": {Body: &bm.src}}
			job := playbookJob()
			for b.Loop() {
				Render("webhook", msgs, herald.TriggerError, job, base)
			}
		})
	}
}
