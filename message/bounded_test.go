package message

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

// cpuTime is the CPU the whole process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bigJob is a job of a large inventory: many hosts make job_metadata
// hundreds of kilobytes, and its counts are what a template multiplies.
func bigJob(ok int) *herald.Job {
	j := playbookJob()
	j.HostStatusCounts = &herald.HostCounts{OK: ok, Processed: ok}
	j.Hosts = map[string]herald.HostSummary{}
	for i := range 2000 {
		j.Hosts[fmt.Sprintf("host-%05d.example.com", i)] = herald.HostSummary{OK: 2, Changed: 1, Processed: 1}
	}
	return j
}

// TestHostileTemplatesBounded runs the issue's templates, and families of
// them growing from n = 1k to 30k, both on save (Validate) and at send
// time (Render): after each is refused or rendered, the CPU it took, the
// heap left and the goroutines running must all be bounded. With gonja,
// `{{ job.a.a… }}` of n = 4000 took 15 s of CPU and left 56 MiB, and the
// loop of upper() calls ran on for minutes after its 2 s limit.
// Not parallel: it measures the whole process.
func TestHostileTemplatesBounded(t *testing.T) {
	// Generous bounds, so a loaded machine or -race does not fail them: a
	// render runs in one goroutine, so its CPU is at most its wall time,
	// which MessageBudget ends. Wall time is only logged: on a starved
	// machine it says nothing about Herald (TestRenderTimeBudget checks
	// that the clock stops a render).
	const (
		cpuBound  = 2 * 500 * time.Millisecond // per call of two renders (subject and body)
		heapBound = 64 << 20
	)
	type family struct {
		name string
		src  func(n int) string
		job  func(n int) *herald.Job
	}
	families := []family{
		{"attribute chain", func(n int) string { return "{{ job" + strings.Repeat(".a", n) + " }}" }, nil},
		{"upper of a megabyte n times", func(n int) string {
			return fmt.Sprintf("{%% set s = 'a' * 1000000 %%}{%% for i in range(%d) %%}{%% set t = s.upper() %%}{%% endfor %%}", n)
		}, nil},
		{"range of the job's counts", func(int) string {
			return "{% for i in range(job.host_status_counts.ok * 20) %}{% set t = job_metadata.upper() %}{% endfor %}done"
		}, func(n int) *herald.Job { return bigJob(n / 20) }},
		{"nested loops", func(n int) string {
			return fmt.Sprintf("{%% for i in range(%d) %%}{%% for j in range(%d) %%}{{ i * j }}{%% endfor %%}{%% endfor %%}", n, n)
		}, nil},
		{"doubling", func(n int) string {
			return "{% set ns = namespace(s='ab') %}{% for i in range(" + fmt.Sprint(n) + ") %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
		}, nil},
	}
	sizes := []int{1000, 2000, 4000, 8000, 16000, 30000}
	// The issue's own three, first, with what each must give.
	note := func(err error) string { return " (custom message not used: " + err.Error() + ")" }
	issue := []struct {
		name, src   string
		saveProblem string // "" if it passes validation
		sendSubject func(j *herald.Job) []string
	}{
		{"issue: 8 KB attribute chain", "{{ job" + strings.Repeat(".a", 4000) + " }}", "Unable to render message",
			func(*herald.Job) []string { return []string{"line 1: template nests deeper than 100 levels"} }},
		{"issue: upper loop", "{% set s = 'a' * 1000000 %}{% for i in range(100000) %}{% set t = s.upper() %}{% endfor %}",
			"Unable to render message", func(j *herald.Job) []string {
				return []string{Subject(j, base) + note(errMemory), Subject(j, base) + note(errTime), Subject(j, base) + note(errSteps)}
			}},
		// Cheap on the stub job (ok = 1), so it passes validation.
		{"issue: range(ok * 20)", "{% for i in range(job.host_status_counts.ok * 20) %}{% set t = job_metadata.upper() %}{% endfor %}", "",
			func(j *herald.Job) []string {
				return []string{Subject(j, base) + note(errMemory), Subject(j, base) + note(errTime), Subject(j, base) + note(errSteps)}
			}},
	}
	// The budgets as they are in production.
	old := renderBudget
	renderBudget = MessageBudget
	t.Cleanup(func() { renderBudget = old })
	runtime.GC()
	goroutines := runtime.NumGoroutine()
	heap0 := liveHeap()
	check := func(t *testing.T, name string, f func()) {
		t.Helper()
		cpu0, wall0 := cpuTime(t), time.Now()
		f()
		wall, cpu := time.Since(wall0), cpuTime(t)-cpu0
		heap := int64(liveHeap()) - int64(heap0)
		t.Logf("%-40s cpu %6.1f ms  wall %6.1f ms  heap %+6.2f MiB", name, cpu.Seconds()*1000, wall.Seconds()*1000, float64(heap)/(1<<20))
		if cpu > cpuBound {
			t.Errorf("%s: took %s of CPU, want under %s", name, cpu, cpuBound)
		}
		if heap > heapBound {
			t.Errorf("%s: left the heap %d MiB larger", name, heap>>20)
		}
		if n := runtime.NumGoroutine(); n > goroutines {
			t.Errorf("%s: %d goroutines running, %d before", name, n, goroutines)
		}
	}
	real := bigJob(5000) // range(100000): allowed by the range limit, stopped by the budgets
	for _, c := range issue {
		src := c.src
		check(t, c.name+" (save)", func() {
			p := Validate(herald.Messages{"error": {Body: &src}})
			if c.saveProblem == "" && len(p) != 0 || c.saveProblem != "" && (len(p) != 1 || !strings.HasPrefix(p[0], c.saveProblem)) {
				t.Errorf("%s: Validate = %.300q, want %q", c.name, p, c.saveProblem)
			}
		})
		check(t, c.name+" (send)", func() {
			subject, _ := Render("email", herald.Messages{"error": {Message: &src, Body: &src}}, herald.TriggerError, real, base)
			if want := c.sendSubject(real); !slices.Contains(want, subject) {
				t.Errorf("%s: subject = %.200q, want one of %q", c.name, subject, want)
			}
		})
	}
	defer func() {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			t.Logf("process peak RSS %d MiB", ru.Maxrss>>10)
		}
	}()
	for _, f := range families {
		for _, n := range sizes {
			src := f.src(n)
			if len(src) > MaxTemplateSize {
				continue
			}
			job := playbookJob()
			if f.job != nil {
				job = f.job(n)
			}
			name := fmt.Sprintf("%s n=%d", f.name, n)
			check(t, name+" (save)", func() { Validate(herald.Messages{"error": {Body: &src}}) })
			check(t, name+" (send)", func() {
				Render("webhook", herald.Messages{"error": {Message: &src, Body: &src}}, herald.TriggerError, job, base)
			})
		}
	}
}
