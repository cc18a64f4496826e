package message

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Custom messages are rendered by this package's own evaluator of the
// Jinja subset AWX messages use (lexer.go, parser.go, eval.go): it runs in
// the caller's goroutine, so a render that runs out of any budget stops
// there, leaves no goroutine behind and frees all it built. It reads no
// file and reaches no Go value but the job's fields.

// Limits of one render.
const (
	MaxTemplateSize = 64 << 10 // bytes of template source
	MaxOutputSize   = 1 << 20  // bytes of rendered text
	MaxRange        = 100000   // items of one range() call, as Jinja's sandbox
	MaxValueSize    = 1 << 20  // bytes of any one value (string, printed list…)

	// MessageBudget is the wall time one message (a subject or a body) may
	// take to render, waiting for a render slot included. A status change
	// renders each attached notifier's messages in its transaction, so it
	// waits at most this long per message; a message over budget falls back
	// to the default text (see Render).
	MessageBudget = 150 * time.Millisecond

	maxSteps      = 1_000_000 // evaluation steps (~30 ns each) of one render
	maxAllocated  = 32 << 20  // bytes of all values one render builds
	maxWritten    = 8 << 20   // bytes written, captured blocks included
	maxItems      = 100000    // items of one list
	maxArgument   = 10000     // numeric argument of a filter or method (widths, counts)
	maxValueDepth = 100       // nesting of a value printed, compared or encoded
)

// renderBudget is MessageBudget, a variable so tests on a slow machine
// (-race) can lengthen it and still see the step and byte limits first.
var renderBudget = MessageBudget

// renderSlots bounds concurrent renders to the CPUs: more would only
// slow each one down past its budget.
var renderSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

var (
	errTooLarge  = fmt.Errorf("template is larger than %d bytes", MaxTemplateSize)
	errOutput    = &limitError{fmt.Sprintf("rendered text is larger than %d bytes", MaxOutputSize)}
	errSteps     = &limitError{fmt.Sprintf("template runs more than %d steps", maxSteps)}
	errTime      = &limitError{"rendering took longer than its time budget"}
	errBusy      = &limitError{"no render slot came free within the time budget"}
	errMemory    = &limitError{fmt.Sprintf("template builds more than %d MiB of values", maxAllocated>>20)}
	errWritten   = &limitError{fmt.Sprintf("template writes more than %d bytes in all", maxWritten)}
	errValueSize = &limitError{fmt.Sprintf("a value would be larger than %d bytes", MaxValueSize)}
	errItems     = &limitError{fmt.Sprintf("a list would have more than %d items", maxItems)}
	errRange     = &limitError{fmt.Sprintf("range() produces more than %d items", MaxRange)}
	errArgument  = &limitError{fmt.Sprintf("a numeric argument is larger than %d", maxArgument)}
	errDepth     = &limitError{fmt.Sprintf("a value nests deeper than %d levels", maxValueDepth)}
)

// render renders src with vars within renderBudget, and before ctx ends.
// strict makes any use of an undefined name or attribute an error
// (save-time validation); otherwise undefined values print nothing.
func render(ctx context.Context, src string, vars map[string]any, strict bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, renderBudget)
	defer cancel()
	return renderContext(ctx, src, vars, strict)
}

// renderContext renders src until done or ctx ends, whichever is first.
func renderContext(ctx context.Context, src string, vars map[string]any, strict bool) (out string, err error) {
	if len(src) > MaxTemplateSize {
		return "", errTooLarge
	}
	select {
	case renderSlots <- struct{}{}:
	case <-ctx.Done():
		return "", errBusy
	}
	defer func() { <-renderSlots }()
	body, err := parse(src)
	if err != nil {
		return "", err
	}
	out, _, err = execute(ctx, body, vars, strict)
	return out, err
}

// execute runs a parsed template; the evaluator it returns tells the
// fuzz tests what the render spent.
func execute(ctx context.Context, body []node, vars map[string]any, strict bool) (out string, e *evaluator, err error) {
	e = &evaluator{ctx: ctx, strict: strict, out: &strings.Builder{}, vars: make(map[string]any, len(vars))}
	for k, v := range vars {
		e.vars[k] = fromGo(v)
	}
	e.push()
	defer func() {
		if p := recover(); p != nil {
			re, ok := p.(renderError)
			if !ok {
				// A bug in the evaluator: the message says so, the process lives on.
				re = renderError{internalError{p}}
			}
			out, err = "", shortError(re)
		}
	}()
	e.run(body)
	return e.out.String(), e, nil
}

// internalError is a panic of the evaluator itself, never of a template;
// the fuzz tests look for it.
type internalError struct{ cause any }

func (e internalError) Error() string { return fmt.Sprintf("template failed: %v", e.cause) }

// isLimit reports whether err is a budget the render ran out of.
func isLimit(err error) bool {
	var l *limitError
	return errors.As(err, &l)
}

// maxErrorText bounds an error's text, which may quote the template.
const maxErrorText = 1000

// shortError keeps the start (where) and the end (the cause) of a long error.
type shortError struct{ err error }

func (e shortError) Error() string {
	s := e.err.Error()
	if len(s) <= maxErrorText {
		return s
	}
	head, tail := s[:maxErrorText/3], s[len(s)-2*maxErrorText/3:]
	return strings.ToValidUTF8(head, "") + " … " + strings.ToValidUTF8(tail, "")
}

func (e shortError) Unwrap() error { return e.err }
