package message

import (
	"context"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

// heapObjects is the heap's bytes in objects, live or not yet swept.
const heapObjects = "/memory/classes/heap/objects:bytes"

// peakHeap runs f and returns how far the heap grew above where it was
// before, sampled every millisecond, and the bytes f allocated in all.
func peakHeap(t *testing.T, f func()) (peak, total uint64) {
	t.Helper()
	runtime.GC()
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done, max := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: heapObjects}}
		var top uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			top = maxU(top, s[0].Value.Uint64())
			select {
			case <-done:
				max <- top
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	top := <-max
	runtime.ReadMemStats(&after)
	if top > base {
		peak = top - base
	}
	return peak, after.TotalAlloc - before.TotalAlloc
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// TestRenderMemoryBounded feeds templates that would build gigabytes or
// run for hours: each must end with the limit's error while the heap stays
// small. Without the limits each allocates at least 1 GiB, so the
// TotalAlloc bound fails even when a sample misses the peak. Not parallel:
// it reads the whole process's heap.
func TestRenderMemoryBounded(t *testing.T) {
	old := renderBudget
	renderBudget = time.Minute // the step and byte limits, not the clock, must stop these
	t.Cleanup(func() { renderBudget = old })
	double := func(stmt string, n int) string { return strings.Repeat(stmt, n) }
	nested := "{% set ns = namespace(a=['xxxxxxxx']) %}" + double("{% set ns.a = [ns.a, ns.a] %}", 40)
	tests := []struct {
		name, template, want string
	}{
		{"string doubled 40 times", "{% set a = 'x' * 1000 %}" + double("{% set a = a ~ a %}", 40) + "{{ a }}", errValueSize.Error()},
		{"string doubled with +", "{% set a = 'xy' %}" + double("{% set a = a + a %}", 40) + "{{ a }}", errValueSize.Error()},
		{"string times a billion", "{{ 'x' * 1000000000 }}", errValueSize.Error()},
		{"string times a computed billion", "{{ 'x' * (10 ** 9) | int }}", errValueSize.Error()},
		{"string times a length", "{% set n = 'x' * 100000 %}{{ 'x' * (n | length) * (n | length) }}", errValueSize.Error()},
		{"list doubled 40 times", "{% set a = ['x' * 1000, 2, 3] %}" + double("{% set a = a + a %}", 40) + "{{ a | length }}", errItems.Error()},
		{"list nested 40 times", nested + "{{ ns.a }}", errValueSize.Error()},
		{"nested list joined", nested + "{{ ns.a | join(',') }}", errValueSize.Error()},
		{"nested list compared", nested + "{% set b = ns.a %}{{ ns.a == b }}", errSteps.Error()},
		{"nested list searched", nested + "{{ ns.a in [1, ns.a] }}", errSteps.Error()},
		{"nested list encoded", nested + "{{ ns.a | tojson }}", errValueSize.Error()},
		{"empty list times a billion, a thousand times", "{% for i in range(1000) %}{% set a = [] * 1000000000 %}{% endfor %}{{ 'x' * 1000000000 }}", errValueSize.Error()},
		{"list times a billion", "{% set a = [1] * 1000000000 %}{{ 'x' * 1000000000 }}", errItems.Error()},
		// A loop's {% set %} stays in the loop; a namespace outlives it.
		{"list built by loops", "{% set ns = namespace(l=['x' * 1000]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | join }}", errItems.Error()},
		{"join by itself", "{% set a = 'x' * 100000 %}{{ [a, a, a, a, a, a, a, a, a, a, a] | join(a) }}", errValueSize.Error()},
		{"nested joins", "{% set ns = namespace(s='x' * 10) %}{% for i in range(20) %}{% set ns.s = [ns.s, ns.s, ns.s] | join(ns.s) %}{% endfor %}{{ ns.s }}", errValueSize.Error()},
		{"str.join by itself", "{% set a = 'x' * 100000 %}{{ a.join([a, a, a, a, a, a, a, a, a, a, a]) }}", errValueSize.Error()},
		{"replace every gap", "{% set a = 'x' * 100000 %}{{ a | replace('', a) }}", errValueSize.Error()},
		{"replace method", "{% set a = 'x' * 100000 %}{{ a.replace('x', a) }}", errValueSize.Error()},
		{"indent every line", "{% set a = 'x\n' * 100000 %}{{ a | indent(10000) }}", errValueSize.Error()},
		{"indent by a string", "{% set a = 'x\n' * 100000 %}{{ a | indent(a) }}", errValueSize.Error()},
		{"format widths", "{{ ('%1000000d' * 1000) | format(1) }}", errArgument.Error()},
		{"tabs widened", "{% set a = '\t' * 100000 %}{{ a | replace('\t', ' ' * 10000) }}", errValueSize.Error()},
		{"tojson indent", "{{ range(100000) | list | tojson(indent=10000) }}", errValueSize.Error()},
		{"string to list", "{% set a = 'x' * 1000000 %}{{ a | list | length }}", errItems.Error()},
		{"string split", "{% set a = 'x,' * 500000 %}{{ a.split(',') | length }}", errItems.Error()},
		{"loop over a long string", "{% for c in 'x' * 1000000 %}{% endfor %}", errItems.Error()},
		{"captures in a loop", "{% for i in range(1000) %}{% set s %}{{ 'x' * 1000000 }}{% endset %}{% endfor %}", errWritten.Error()},
		{"set block captures", "{% set s %}{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}{% endset %}{{ s | length }}", errOutput.Error()},
		{"filter block captures", "{% filter upper %}{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}{% endfilter %}", errOutput.Error()},
		{"upper of a megabyte in a loop", "{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.upper() %}{% endfor %}", errMemory.Error()},
		{"scan of a megabyte in a loop", "{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.count('b') %}{% endfor %}", errSteps.Error()},
	}
	job := playbookJob()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var subject, body string
			peak, total := peakHeap(t, func() {
				msgs := herald.Messages{"error": {Message: str(tt.template), Body: str(tt.template)}}
				subject, body = Render("email", msgs, herald.TriggerError, job, base)
			})
			if want := Subject(job, base) + " (custom message not used: " + tt.want + ")"; subject != want {
				t.Errorf("subject = %.300q, want %q", subject, want)
			}
			if !strings.HasPrefix(body, "Custom body not used: "+tt.want+"\n\n") {
				t.Errorf("body = %.300q, want the note %q", body, tt.want)
			}
			if peak > 64<<20 {
				t.Errorf("heap grew by %d MiB", peak>>20)
			}
			if total > 1<<30 {
				t.Errorf("render allocated %d MiB in all", total>>20)
			}
		})
	}
	t.Run("validate", func(t *testing.T) {
		src := "{% set a = 'x' * 1000 %}" + double("{% set a = a ~ a %}", 40) + "{{ a }}"
		var problems []string
		peak, total := peakHeap(t, func() {
			problems = Validate(herald.Messages{"error": {Body: &src}})
		})
		if len(problems) != 1 || !strings.Contains(problems[0], errValueSize.Error()) {
			t.Errorf("problems = %.300q, want the value-size error", problems)
		}
		if peak > 64<<20 || total > 1<<30 {
			t.Errorf("heap grew by %d MiB, %d MiB allocated in all", peak>>20, total>>20)
		}
	})
}

// TestRenderLargeButAllowed checks the limits leave room: values and
// output up to their caps still render.
func TestRenderLargeButAllowed(t *testing.T) {
	old := renderBudget
	renderBudget = time.Minute
	t.Cleanup(func() { renderBudget = old })
	tests := []struct {
		name, template string
		wantLen        int
	}{
		{"string near the cap", "{{ ('x' * 1000000) | length }}", 7},
		{"output at the cap", "{{ 'x' * 1048576 }}", 1 << 20},
		{"doubling 10 times", "{% set a = 'x' * 1000 %}" + strings.Repeat("{% set a = a ~ a %}", 10) + "{{ a | length }}", 7},
		{"long list joined", "{{ range(100000) | join(',') | length }}", 6},
		{"lists repeated and added", "{{ (['abc'] * 3) }}{{ ['a', 'b'] + ['c'] }}", len("['abc', 'abc', 'abc']['a', 'b', 'c']")},
		{"captured output", "{% set s %}{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}{% endset %}{{ s | length }}", 7},
		{"a loop over every host", "{% for i in range(20000) %}{{ i }}{% endfor %}", 88890},
		{"a megabyte upper-cased a few times", "{% set s = 'a' * 1000000 %}{% for i in range(10) %}{% set t = s.upper() %}{% endfor %}{{ s.upper() | length }}", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := render(context.Background(), tt.template, jobVars(playbookJob(), base), false)
			if err != nil || len(out) != tt.wantLen {
				t.Errorf("render = %.100q (%d bytes), %v; want %d bytes", out, len(out), err, tt.wantLen)
			}
		})
	}
}
