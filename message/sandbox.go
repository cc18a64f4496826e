package message

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Limits of one render. gonja has no sandbox and cannot be cancelled, so
// these caps, not the timer, are what keep a hostile template cheap.
const (
	MaxTemplateSize = 64 << 10 // bytes of template source
	MaxOutputSize   = 1 << 20  // bytes of rendered text
	MaxRange        = 100000   // items of one range() call, as Jinja's sandbox
	maxRangeTotal   = 150000   // items of all range() calls of one render
	maxIterations   = 150000   // loop bodies and macro calls of one render (gonja: ~1 µs each)
	maxArgument     = 10000    // any integer argument of a filter or method (widths, counts)
	maxMacroDepth   = 100      // nested macro calls; deeper recursion would overflow the stack
)

// renderTimeout bounds one render's wall time; a variable so a test can
// shorten it.
var renderTimeout = 2 * time.Second

var (
	errTooLarge   = fmt.Errorf("template is larger than %d bytes", MaxTemplateSize)
	errOutput     = fmt.Errorf("rendered text is larger than %d bytes", MaxOutputSize)
	errIterations = fmt.Errorf("template runs more than %d loop iterations", maxIterations)
	errRange      = fmt.Errorf("range() produces more than %d items", MaxRange)
	errRangeTotal = fmt.Errorf("range() calls produce more than %d items in all", maxRangeTotal)
	errDepth      = fmt.Errorf("macros nest deeper than %d calls", maxMacroDepth)
)

// rootID names the one template a render may load; any other name (include,
// import, extends) fails in the loader, so no file is ever read.
const rootID = "/message"

// render renders src with vars inside the sandbox. strict makes undefined
// names and attributes errors (save-time validation); otherwise they print nothing.
func render(src string, vars map[string]any, strict bool) (string, error) {
	if len(src) > MaxTemplateSize {
		return "", errTooLarge
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned render must not block forever
	go func() {
		out, err := renderNow(src, vars, strict)
		done <- result{out, err}
	}()
	timer := time.NewTimer(renderTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.err
	case <-timer.C:
		// The render goroutine cannot be stopped; the caps above make it end soon.
		return "", fmt.Errorf("rendering took longer than %s", renderTimeout)
	}
}

// renderNow parses and executes src, turning any panic inside gonja into an
// error (it panics on e.g. '%s' % x, a modulo by zero).
func renderNow(src string, vars map[string]any, strict bool) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("template failed: %v", p)
		}
	}()
	budget := &budget{}
	cfg := config.New()
	cfg.StrictUndefined = strict
	env := newEnvironment(budget)
	tpl, err := exec.NewTemplate(rootID, cfg, rootLoader(src), env)
	if err != nil {
		// gonja's message repeats the whole source; keep the cause only.
		if cause := errors.Unwrap(err); cause != nil {
			err = cause
		}
		return "", shortError{err}
	}
	budget.rewrite(tpl.Root())
	w := &cappedWriter{max: MaxOutputSize}
	ctx := exec.NewContext(vars)
	if err := tpl.Execute(&budgetWriter{w: w, b: budget}, ctx); err != nil {
		return "", limitError(err)
	}
	return w.b.String(), nil
}

// maxErrorText bounds an error's text: gonja wraps once per nesting level,
// so deep recursion makes messages of hundreds of kilobytes.
const maxErrorText = 1000

// shortError keeps the start (where) and the end (the cause) of a long error.
type shortError struct{ err error }

func (e shortError) Error() string {
	s := privateNames.Replace(e.err.Error())
	if len(s) <= maxErrorText {
		return s
	}
	head, tail := s[:maxErrorText/3], s[len(s)-2*maxErrorText/3:]
	return strings.ToValidUTF8(head, "") + " … " + strings.ToValidUTF8(tail, "")
}

func (e shortError) Unwrap() error { return e.err }

// budget counts what one render consumed.
type budget struct {
	iterations atomic.Int64
	rangeItems atomic.Int64
	depth      atomic.Int64
	written    atomic.Int64         // bytes written, captured blocks included
	sizeSteps  atomic.Int64         // elements visited by size estimates
	ops        []*nodes.BinOperator // the template's operators, by opFunc's index
}

func (b *budget) step() error {
	if b.iterations.Add(1) > maxIterations {
		return errIterations
	}
	return nil
}

// cappedWriter fails the render once it would exceed max bytes.
type cappedWriter struct {
	b   strings.Builder
	max int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errOutput
	}
	return w.b.Write(p)
}

// loader serves the root template and refuses every other name.
type loader struct{ src string }

func rootLoader(src string) loaders.Loader { return loader{src} }

func (l loader) Read(path string) (io.Reader, error) {
	if path != rootID {
		return nil, fmt.Errorf("templates cannot load other templates (%q)", path)
	}
	return strings.NewReader(l.src), nil
}

func (l loader) Resolve(path string) (string, error) {
	if path != rootID {
		return "", fmt.Errorf("templates cannot load other templates (%q)", path)
	}
	return path, nil
}

func (l loader) Inherit(string) (loaders.Loader, error) { return l, nil }

// allowedStatements are the control structures a message may use. include,
// import, from, extends and block are left out: a message is one template.
var allowedStatements = []string{"if", "for", "set", "with", "filter", "raw", "macro", "call", "do", "break", "continue", "autoescape"}

// newEnvironment builds a fresh environment for one render: an immutable
// (no mutating methods) and bounded copy of gonja's builtins.
func newEnvironment(b *budget) *exec.Environment {
	statements := map[string]parser.ControlStructureParser{}
	for _, name := range allowedStatements {
		p, ok := controlStructures.All.Get(name)
		if !ok {
			continue
		}
		statements[name] = p
	}
	statements["for"] = countedFor(statements["for"], b)
	statements["macro"] = countedMacro(statements["macro"], b)

	globals := exec.NewContext(map[string]any{})
	for _, name := range []string{"cycler", "dict", "joiner"} {
		if fn, ok := builtins.GlobalFunctions.Get(name); ok {
			globals.Set(name, fn)
		}
	}
	globals.Set("range", cappedRange(b))
	privateGlobals(b, globals)

	return &exec.Environment{
		Context:           globals,
		Filters:           cappedFilters(b),
		Tests:             exec.NewTestSet(map[string]exec.TestFunction{}).Update(builtins.Tests),
		ControlStructures: exec.NewControlStructureSet(statements),
		Methods:           immutableMethods(b),
	}
}

// hook is a statement the sandbox inserts into bodies, so each iteration
// or call spends the render's budget and each body's writes are charged.
type hook struct {
	loc *tokens.Token
	run func(*exec.Renderer) error
}

func (h *hook) Position() *tokens.Token { return h.loc }
func (h *hook) String() string          { return "hook" }
func (h *hook) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	return h.run(r)
}

func hookNode(w *nodes.Wrapper, run func() error) nodes.Node {
	return rendererHook(w, func(*exec.Renderer) error { return run() })
}

func rendererHook(w *nodes.Wrapper, run func(*exec.Renderer) error) nodes.Node {
	return &nodes.ControlStructureBlock{Location: w.Location, Name: "hook", ControlStructure: &hook{loc: w.Location, run: run}}
}

// chargeWrites makes the rest of a body write through the render's
// budget. gonja walks each body with a renderer of its own, whose Output is
// a fresh buffer inside macros and {% set %}, {% filter %}, {% call %} blocks.
func (b *budget) chargeWrites(r *exec.Renderer) error {
	if _, ok := r.Output.(*budgetWriter); !ok {
		r.Output = &budgetWriter{w: r.Output, b: b}
	}
	return nil
}

func prependCounter(w *nodes.Wrapper, b *budget) {
	if w == nil {
		return
	}
	w.Nodes = append([]nodes.Node{hookNode(w, b.step)}, w.Nodes...)
}

func countedFor(p parser.ControlStructureParser, b *budget) parser.ControlStructureParser {
	return func(pp *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		cs, err := p(pp, args)
		if err != nil {
			return nil, err
		}
		f, ok := cs.(*controlStructures.ForControlStructure)
		if !ok {
			return nil, errors.New("unexpected for statement")
		}
		// loop(...) recursion can nest without bound and overflow the
		// goroutine stack, which kills the process; refuse it.
		if f.Recursive {
			return nil, errors.New("recursive loops are not allowed")
		}
		prependCounter(f.BodyWrapper, b)
		return f, nil
	}
}

func countedMacro(p parser.ControlStructureParser, b *budget) parser.ControlStructureParser {
	return func(pp *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		cs, err := p(pp, args)
		if err != nil {
			return nil, err
		}
		m, ok := cs.(*controlStructures.MacroControlStructure)
		if !ok || m.Macro == nil {
			return nil, errors.New("unexpected macro statement")
		}
		w := m.Macro.Wrapper
		if w == nil {
			return m, nil
		}
		// An error ends the whole render, so leave needs no defer.
		enter := func() error {
			if b.depth.Add(1) > maxMacroDepth {
				return errDepth
			}
			return b.step()
		}
		leave := func() error { b.depth.Add(-1); return nil }
		w.Nodes = append(append([]nodes.Node{hookNode(w, enter)}, w.Nodes...), hookNode(w, leave))
		return m, nil
	}
}
