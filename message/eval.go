package message

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// The evaluator walks a parsed template in the caller's goroutine. Every
// node, loop iteration, element a filter touches and block of bytes an
// operation scans is a step; every value it builds is charged to the
// render's allocation budget. It checks the context every few hundred
// steps, so a render stops, and leaves nothing behind, as soon as any of
// its budgets (steps, bytes, time) is spent.

// renderError is an error a template runs into; panicking with it ends
// the render, which recovers it.
type renderError struct{ err error }

// limitError is a budget the render ran out of: not the template's fault
// alone but of the template and the job's data together.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// undefinedError is a strict render's use of a name or attribute that
// does not exist.
type undefinedError struct{ name string }

func (e *undefinedError) Error() string { return fmt.Sprintf("'%s' is undefined", e.name) }

// undefined is a missing name or attribute. At send time it prints
// nothing and its attributes are undefined too (Jinja's ChainableUndefined,
// as AWX); in a strict render (save-time validation) any use fails.
type undefined struct{ name string }

// checkEvery is how many steps pass between two looks at the context.
const checkEvery = 256

type evaluator struct {
	ctx       context.Context
	strict    bool
	steps     int
	nextCheck int
	allocated int
	written   int
	depth     int
	vars      map[string]any // the job's variables
	scopes    []*scope       // innermost last; the first holds top-level {% set %}
	free      []*scope       // popped scopes, reused
	out       *strings.Builder
}

func (e *evaluator) fail(format string, args ...any) {
	panic(renderError{fmt.Errorf(format, args...)})
}

func (e *evaluator) limit(err *limitError) { panic(renderError{err}) }

// step charges n steps and, now and then, looks at the context.
func (e *evaluator) step(n int) {
	e.steps += n
	if e.steps > maxSteps {
		e.limit(errSteps)
	}
	if e.steps >= e.nextCheck {
		e.nextCheck = e.steps + checkEvery
		select {
		case <-e.ctx.Done():
			if errors.Is(e.ctx.Err(), context.DeadlineExceeded) {
				e.limit(errTime)
			}
			e.limit(&limitError{"rendering was cancelled"})
		default:
		}
	}
}

// work charges the steps of scanning n bytes or elements.
func (e *evaluator) work(n int) { e.step(1 + n/128) }

// alloc charges n bytes of built values, and the work of building them.
func (e *evaluator) alloc(n int) {
	e.allocated += n
	if e.allocated > maxAllocated {
		e.limit(errMemory)
	}
	e.work(n)
}

// newString charges a string of n bytes; callers charge before building
// when they can, so a string too large is refused before it exists.
func (e *evaluator) newString(n int) {
	if n > MaxValueSize {
		e.limit(errValueSize)
	}
	e.alloc(n)
}

// newList charges a list of n items.
func (e *evaluator) newList(n int) {
	if n > maxItems {
		e.limit(errItems)
	}
	e.alloc(16 * n)
}

func (e *evaluator) enter() func() {
	e.depth++
	if e.depth > maxValueDepth {
		e.limit(errDepth)
	}
	return func() { e.depth-- }
}

// run executes a template's statements into the evaluator's output.
func (e *evaluator) run(body []node) {
	for _, n := range body {
		e.step(1)
		e.exec(n)
	}
}

func (e *evaluator) write(s string) {
	e.written += len(s)
	if e.written > maxWritten {
		e.limit(errWritten)
	}
	if e.out.Len()+len(s) > MaxOutputSize {
		e.limit(errOutput)
	}
	e.work(len(s))
	e.out.WriteString(s)
}

// capture runs body into a fresh buffer and returns what it wrote.
func (e *evaluator) capture(body []node) string {
	saved := e.out
	e.out = &strings.Builder{}
	defer func() { e.out = saved }()
	e.run(body)
	s := e.out.String()
	e.newString(len(s))
	return s
}

// scope holds the names one block sets: few, so a slice beats a map.
type scope struct {
	names []string
	vals  []any
}

func (s *scope) set(name string, v any) {
	for i, n := range s.names {
		if n == name {
			s.vals[i] = v
			return
		}
	}
	s.names = append(s.names, name)
	s.vals = append(s.vals, v)
}

func (s *scope) clear() {
	clear(s.vals)
	s.names, s.vals = s.names[:0], s.vals[:0]
}

func (e *evaluator) push() *scope {
	var s *scope
	if n := len(e.free); n > 0 {
		s, e.free = e.free[n-1], e.free[:n-1]
	} else {
		s = &scope{}
	}
	e.scopes = append(e.scopes, s)
	return s
}

func (e *evaluator) pop() {
	s := e.scopes[len(e.scopes)-1]
	s.clear()
	e.scopes = e.scopes[:len(e.scopes)-1]
	e.free = append(e.free, s)
}

func (e *evaluator) top() *scope { return e.scopes[len(e.scopes)-1] }

func (e *evaluator) lookup(name string) any {
	for i := len(e.scopes) - 1; i >= 0; i-- {
		s := e.scopes[i]
		for j := len(s.names) - 1; j >= 0; j-- {
			if s.names[j] == name {
				return s.vals[j]
			}
		}
	}
	if v, ok := e.vars[name]; ok {
		return v
	}
	if g, ok := globals[name]; ok {
		return g
	}
	return undefined{name}
}

func (e *evaluator) exec(n node) {
	switch n := n.(type) {
	case *textNode:
		e.write(n.text)
	case *outputNode:
		v := e.eval(n.expr)
		e.write(e.str(v))
	case *ifNode:
		for i, c := range n.conds {
			if e.truthy(e.eval(c)) {
				e.run(n.bodies[i])
				return
			}
		}
		e.run(n.orElse)
	case *forNode:
		e.forLoop(n)
	case *setNode:
		v := e.eval(n.expr)
		if n.attr != "" {
			ns, ok := e.lookup(n.name).(*namespace)
			if !ok {
				e.fail("cannot set attribute '%s' of '%s': only a namespace() can be changed", n.attr, n.name)
			}
			if _, ok := ns.attrs[n.attr]; !ok {
				ns.keys = append(ns.keys, n.attr)
			}
			ns.attrs[n.attr] = v
			return
		}
		if n.names != nil {
			e.bind(e.top(), n.names, v)
			return
		}
		e.top().set(n.name, v)
	case *setBlockNode:
		s := e.capture(n.body)
		var v any = s
		for _, f := range n.filters {
			v = e.applyFilter(f, v)
		}
		e.top().set(n.name, v)
	case *filterBlockNode:
		var v any = e.capture(n.body)
		for _, f := range n.filters {
			v = e.applyFilter(f, v)
		}
		e.write(e.str(v))
	case *withNode:
		vals := make([]any, len(n.exprs))
		for i, x := range n.exprs {
			vals[i] = e.eval(x)
		}
		s := e.push()
		defer e.pop()
		for i, name := range n.names {
			s.set(name, vals[i])
		}
		e.run(n.body)
	default:
		e.fail("unknown statement %T", n)
	}
}

// loopInfo is the `loop` variable of a for loop.
type loopInfo struct {
	items []any
	index int // 0-based
}

func (e *evaluator) forLoop(n *forNode) {
	items := e.items(e.eval(n.iter))
	scope := e.push()
	defer e.pop()
	if n.cond != nil {
		kept := make([]any, 0, len(items))
		for _, it := range items {
			e.step(1)
			e.bind(scope, n.targets, it)
			if e.truthy(e.eval(n.cond)) {
				kept = append(kept, it)
			}
		}
		e.newList(len(kept))
		items = kept
	}
	if len(items) == 0 {
		scope.clear()
		e.run(n.orElse)
		return
	}
	loop := &loopInfo{items: items}
	for i, it := range items {
		e.step(1)
		scope.clear() // a {% set %} in the body lasts one iteration, as in Jinja
		loop.index = i
		scope.set("loop", loop)
		e.bind(scope, n.targets, it)
		e.run(n.body)
	}
}

// bind assigns a loop item to the loop's names, unpacking pairs.
func (e *evaluator) bind(scope *scope, targets []string, item any) {
	if len(targets) == 1 {
		scope.set(targets[0], item)
		return
	}
	l, ok := item.([]any)
	if !ok || len(l) != len(targets) {
		e.fail("cannot unpack %s into %d names", typeName(item), len(targets))
	}
	for i, t := range targets {
		scope.set(t, l[i])
	}
}

// items lists what a for loop or a filter iterates over.
func (e *evaluator) items(v any) []any {
	switch v := v.(type) {
	case []any:
		e.work(len(v))
		return v
	case *dict:
		e.newList(len(v.keys))
		out := make([]any, len(v.keys))
		for i, k := range v.keys {
			out[i] = k
		}
		return out
	case string:
		e.newList(len(v))
		out := make([]any, 0, len(v))
		for _, r := range v {
			out = append(out, string(r))
		}
		return out
	case undefined:
		e.use(v)
		return nil
	case nil:
		e.fail("'NoneType' object is not iterable")
	}
	e.fail("'%s' object is not iterable", typeName(v))
	return nil
}

// use fails a strict render on an undefined value.
func (e *evaluator) use(v any) {
	if u, ok := v.(undefined); ok && e.strict {
		panic(renderError{&undefinedError{u.name}})
	}
}

func (e *evaluator) truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case *dict:
		return len(v.keys) > 0
	case undefined:
		e.use(v)
		return false
	}
	return true
}

func (e *evaluator) eval(x expr) any {
	e.step(1)
	switch x := x.(type) {
	case *constExpr:
		return x.val
	case *nameExpr:
		return e.lookup(x.name)
	case *attrExpr:
		return e.getAttr(e.eval(x.obj), x.name)
	case *itemExpr:
		return e.getItem(e.eval(x.obj), e.eval(x.key))
	case *sliceExpr:
		return e.slice(x)
	case *callExpr:
		return e.call(x)
	case *filterExpr:
		return e.applyFilter(x, e.eval(x.in))
	case *testExpr:
		v := e.eval(x.in)
		args := e.evalAll(x.args)
		return e.runTest(x.name, v, args) != x.negate
	case *binExpr:
		return e.binary(x.op, e.eval(x.l), e.eval(x.r))
	case *compareExpr:
		l := e.eval(x.first)
		for i, op := range x.ops {
			r := e.eval(x.rest[i])
			if !e.compareOp(op, l, r) {
				return false
			}
			l = r
		}
		return true
	case *andExpr:
		l := e.eval(x.l)
		if !e.truthy(l) {
			return l
		}
		return e.eval(x.r)
	case *orExpr:
		l := e.eval(x.l)
		if e.truthy(l) {
			return l
		}
		return e.eval(x.r)
	case *notExpr:
		return !e.truthy(e.eval(x.x))
	case *negExpr:
		switch v := e.eval(x.x).(type) {
		case int64:
			if v == math.MinInt64 {
				e.fail("integer result too large")
			}
			return -v
		case float64:
			return -v
		case bool:
			return -boolInt(v)
		default:
			e.use(v)
			e.fail("bad operand type for unary -: '%s'", typeName(v))
		}
	case *condExpr:
		if e.truthy(e.eval(x.cond)) {
			return e.eval(x.then)
		}
		if x.orElse == nil {
			return undefined{"else"}
		}
		return e.eval(x.orElse)
	case *listExpr:
		e.newList(len(x.items))
		return e.evalAll(x.items)
	case *dictExpr:
		d := newDict(len(x.keys))
		e.alloc(64 * len(x.keys))
		for i, k := range x.keys {
			key, ok := e.eval(k).(string)
			if !ok {
				e.fail("dict keys must be strings")
			}
			d.set(key, e.eval(x.vals[i]))
		}
		return d
	}
	e.fail("unknown expression %T", x)
	return nil
}

func (e *evaluator) evalAll(xs []expr) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = e.eval(x)
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (e *evaluator) getAttr(obj any, name string) any {
	if strings.HasPrefix(name, "_") {
		// As Jinja's sandbox: no private attribute is ever reached.
		if e.strict {
			panic(renderError{&undefinedError{name}})
		}
		return undefined{name}
	}
	switch o := obj.(type) {
	case *dict:
		if v, ok := o.vals[name]; ok {
			return v
		}
	case *namespace:
		if v, ok := o.attrs[name]; ok {
			return v
		}
	case *loopInfo:
		if v, ok := o.attr(name); ok {
			return v
		}
	case undefined:
		e.use(o)
	}
	// A missing attribute is undefined; a strict render fails where it is used.
	return undefined{name}
}

func (l *loopInfo) attr(name string) (any, bool) {
	n := int64(len(l.items))
	i := int64(l.index)
	switch name {
	case "index":
		return i + 1, true
	case "index0":
		return i, true
	case "revindex":
		return n - i, true
	case "revindex0":
		return n - i - 1, true
	case "first":
		return i == 0, true
	case "last":
		return i == n-1, true
	case "length":
		return n, true
	case "depth":
		return int64(1), true
	case "depth0":
		return int64(0), true
	case "previtem":
		if i == 0 {
			return undefined{"previtem"}, true
		}
		return l.items[i-1], true
	case "nextitem":
		if i == n-1 {
			return undefined{"nextitem"}, true
		}
		return l.items[i+1], true
	}
	return nil, false
}

func (e *evaluator) getItem(obj, key any) any {
	switch o := obj.(type) {
	case *dict:
		if k, ok := key.(string); ok {
			if v, ok := o.vals[k]; ok {
				return v
			}
		}
		if k, ok := key.(string); ok && !strings.HasPrefix(k, "_") {
			return undefined{k}
		}
	case []any:
		if i, ok := asIndex(key); ok {
			if i < 0 {
				i += len(o)
			}
			if i >= 0 && i < len(o) {
				return o[i]
			}
		}
	case string:
		if i, ok := asIndex(key); ok {
			e.work(len(o))
			if i < 0 {
				i += utf8.RuneCountInString(o)
			}
			for j := 0; j < len(o); i-- {
				_, w := utf8.DecodeRuneInString(o[j:]) // 1 for a byte that is not UTF-8
				if i == 0 {
					return o[j : j+w]
				}
				j += w
			}
		}
	case undefined:
		e.use(o)
		return o
	case *namespace, *loopInfo:
		if k, ok := key.(string); ok {
			return e.getAttr(obj, k)
		}
	}
	name := e.str(key)
	if s, ok := key.(string); !ok || strings.HasPrefix(s, "_") {
		name = fmt.Sprint(e.repr(key))
	}
	return undefined{name}
}

func asIndex(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		if v > math.MaxInt32 || v < math.MinInt32 {
			return 0, false
		}
		return int(v), true
	case bool:
		return int(boolInt(v)), true
	}
	return 0, false
}

func (e *evaluator) slice(x *sliceExpr) any {
	obj := e.eval(x.obj)
	bound := func(b expr) (int, bool) {
		if b == nil {
			return 0, false
		}
		v := e.eval(b)
		if v == nil {
			return 0, false
		}
		i, ok := asIndex(v)
		if !ok {
			e.fail("slice indices must be integers or None")
		}
		return i, true
	}
	start, hasStart := bound(x.start)
	stop, hasStop := bound(x.stop)
	step, hasStep := bound(x.stp)
	if !hasStep {
		step = 1
	}
	if step == 0 {
		e.fail("slice step cannot be zero")
	}
	var n int
	var s []rune
	var l []any
	switch o := obj.(type) {
	case string:
		e.alloc(4 * len(o))
		s = []rune(o)
		n = len(s)
	case []any:
		l = o
		n = len(o)
	default:
		e.use(obj)
		e.fail("'%s' object is not subscriptable", typeName(obj))
	}
	e.alloc(8 * n) // the indices picked
	idx := pySliceIndices(n, start, stop, step, hasStart, hasStop)
	if _, isStr := obj.(string); isStr {
		e.newString(len(idx) * 4)
		var b strings.Builder
		for _, i := range idx {
			b.WriteRune(s[i])
		}
		return b.String()
	}
	e.newList(len(idx))
	out := make([]any, len(idx))
	for j, i := range idx {
		out[j] = l[i]
	}
	return out
}

// pySliceIndices are the indices Python's s[start:stop:step] picks.
func pySliceIndices(n, start, stop, step int, hasStart, hasStop bool) []int {
	clamp := func(i, lo, hi int) int { return max(lo, min(i, hi)) }
	if step > 0 {
		if !hasStart {
			start = 0
		} else if start < 0 {
			start += n
		}
		if !hasStop {
			stop = n
		} else if stop < 0 {
			stop += n
		}
		start, stop = clamp(start, 0, n), clamp(stop, 0, n)
	} else {
		if !hasStart {
			start = n - 1
		} else if start < 0 {
			start += n
		}
		if !hasStop {
			stop = -1
		} else if stop < 0 {
			stop += n
		}
		start, stop = clamp(start, -1, n-1), clamp(stop, -1, n-1)
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out
}

func (e *evaluator) call(x *callExpr) any {
	args := e.evalAll(x.args)
	kwargs := map[string]any{}
	for _, k := range x.kwargs {
		kwargs[k.name] = e.eval(k.val)
	}
	switch fn := x.fn.(type) {
	case *attrExpr:
		obj := e.eval(fn.obj)
		return e.callMethod(obj, fn.name, &params{args: args, kwargs: kwargs})
	case *nameExpr:
		g, ok := e.lookup(fn.name).(global)
		if !ok {
			e.use(e.lookup(fn.name))
			e.fail("'%s' is not callable", fn.name)
		}
		return g(e, &params{args: args, kwargs: kwargs})
	}
	e.fail("this expression cannot be called")
	return nil
}
