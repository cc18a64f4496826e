package message

import (
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

// TestRenderMemoryBounded feeds templates that would build gigabytes: each
// must end with the limit's error while the heap stays small. Without the
// limits each allocates at least 1 GiB, so the TotalAlloc bound fails
// even when a sample misses the peak. Not parallel: it reads the whole
// process's heap.
func TestRenderMemoryBounded(t *testing.T) {
	old := renderTimeout
	renderTimeout = time.Minute // the caps, not the timer, must stop these
	t.Cleanup(func() { renderTimeout = old })
	double := func(stmt string, n int) string { return strings.Repeat(stmt, n) }
	tests := []struct {
		name, template, want string
	}{
		{"string doubled 40 times", "{% set a = 'x' * 1000 %}" + double("{% set a = a ~ a %}", 40) + "{{ a }}", errValueSize.Error()},
		{"string doubled with +", "{% set a = 'xy' %}" + double("{% set a = a + a %}", 40) + "{{ a }}", errValueSize.Error()},
		{"string times a billion", "{{ 'x' * 1000000000 }}", errValueSize.Error()},
		{"string times a computed billion", "{{ 'x' * (10 ** 9) | int }}", errValueSize.Error()},
		{"string times a length", "{% set n = 'x' * 100000 %}{{ 'x' * (n | length) * (n | length) }}", errValueSize.Error()},
		{"list doubled 40 times", "{% set a = ['x' * 1000, 2, 3] %}" + double("{% set a = a + a %}", 40) + "{{ a | length }}", errValueSize.Error()},
		{"list nested 40 times", "{% set a = ['xxxxxxxx'] %}" + double("{% set a = [a, a] %}", 40) + "{{ a }}", errValueSize.Error()},
		{"nested list joined", "{% set a = ['xxxxxxxx'] %}" + double("{% set a = [a, a] %}", 40) + "{{ a | join(',') }}", errValueSize.Error()},
		{"nested list compared", "{% set a = ['x'] %}" + double("{% set a = [a, a] %}", 40) + "{{ 'x' < a }}", errValueSize.Error()},
		{"nested list as dict key", "{% set a = ['x'] %}" + double("{% set a = [a, a] %}", 40) + "{{ {a: 1}['k'] }}", errValueSize.Error()},
		{"nested list method", "{% set a = ['x'] %}" + double("{% set a = [a, a] %}", 40) + "{{ a.copy() }}", errValueSize.Error()},
		{"list times a billion", "{% set a = [1] * 1000000000 %}{{ 'x' * 1000000000 }}", errValueSize.Error()},
		// A loop's {% set %} stays in the loop; a dict item outlives it.
		{"list built by loops", "{% set j = job %}{% set j['l'] = ['x' * 1000] %}{% for i in range(40) %}{% set j['l'] = j['l'] + j['l'] %}{% endfor %}{{ j['l'] | join }}", errValueSize.Error()},
		{"join by itself", "{% set a = 'x' * 100000 %}{{ [a, a, a, a, a, a, a, a, a, a, a] | join(a) }}", errValueSize.Error()},
		{"nested joins", "{% set j = job %}{% set j['s'] = 'x' * 10 %}{% for i in range(20) %}{% set j['s'] = [j['s'], j['s'], j['s']] | join(j['s']) %}{% endfor %}{{ j['s'] }}", errValueSize.Error()},
		{"str.join by itself", "{% set a = 'x' * 100000 %}{{ a.join([a, a, a, a, a, a, a, a, a, a, a]) }}", errValueSize.Error()},
		{"replace every gap", "{% set a = 'x' * 100000 %}{{ a | replace('', a) }}", errValueSize.Error()},
		{"replace method", "{% set a = 'x' * 100000 %}{{ a.replace('x', a) }}", errValueSize.Error()},
		{"indent every line", "{% set a = 'x\n' * 100000 %}{{ a | indent(10000) }}", errValueSize.Error()},
		{"indent by a string", "{% set a = 'x\n' * 100000 %}{{ a | indent(a) }}", errValueSize.Error()},
		{"format widths", "{{ ('%1000000d' * 1000) | format(1) }}", errValueSize.Error()},
		{"expand tabs", "{% set a = '\t' * 100000 %}{{ a.expandtabs('', 10000) }}", errValueSize.Error()},
		{"tojson indent", "{{ range(100000) | list | tojson(indent=10000) }}", errValueSize.Error()},
		{"string to list", "{% set a = 'x' * 1000000 %}{{ a | list | length }}", errItems.Error()},
		{"string split", "{% set a = 'x,' * 500000 %}{{ a.split(',') | length }}", errItems.Error()},
		{"loop over a long string", "{% for c in 'x' * 1000000 %}{% endfor %}", errIterations.Error()},
		{"macro captures", "{% macro m() %}{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}{% endmacro %}{{ m() | length }}", errWritten.Error()},
		{"set block captures", "{% set s %}{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}{% endset %}{{ s | length }}", errWritten.Error()},
		{"filter block captures", "{% filter upper %}{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}{% endfilter %}", errWritten.Error()},
		{"cyclic dict printed", "{% set j = job %}{% set j['x'] = j %}{{ job }}", errValueSize.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var subject, body string
			peak, total := peakHeap(t, func() {
				msgs := herald.Messages{"error": {Message: str(tt.template), Body: str(tt.template)}}
				subject, body = Render("webhook", msgs, herald.TriggerError, playbookJob(), base)
			})
			for _, got := range []string{subject, body} {
				if !strings.Contains(got, tt.want) {
					t.Errorf("got %.300q, want it to contain %q", got, tt.want)
				}
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
	t.Parallel()
	tests := []struct {
		name, template string
		wantLen        int
	}{
		{"string near the cap", "{{ ('x' * 1000000) | length }}", 7},
		{"output at the cap", "{{ 'x' * 1048576 }}", 1 << 20},
		{"doubling 10 times", "{% set a = 'x' * 1000 %}" + strings.Repeat("{% set a = a ~ a %}", 10) + "{{ a | length }}", 7},
		{"long list joined", "{{ range(100000) | join(',') | length }}", 6},
		{"list joined", "{{ (['abc'] * 3) }}{{ ['a', 'b'] + ['c'] }}", len("0['a', 'b', 'c']")},
		{"macro output", "{% macro m() %}{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}{% endmacro %}{{ m() | length }}", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := render(tt.template, jobVars(playbookJob(), base), false)
			if err != nil || len(out) != tt.wantLen {
				t.Errorf("render = %.100q (%d bytes), %v; want %d bytes", out, len(out), err, tt.wantLen)
			}
		})
	}
}
