package message

import (
	"encoding/json"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values are Go's nil, bool, int64, float64, string, []any (lists and
// tuples), *dict, *namespace, *loopInfo and undefined. Lists and dicts are
// never changed once built, so no value can contain itself.

// dict is a mapping with string keys, kept in insertion order.
type dict struct {
	keys []string
	vals map[string]any
}

func newDict(n int) *dict { return &dict{keys: make([]string, 0, n), vals: make(map[string]any, n)} }

func (d *dict) set(k string, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// namespace is Jinja's namespace(): the one value {% set ns.x = … %} changes.
type namespace struct {
	keys  []string
	attrs map[string]any
}

// fromGo turns the render's variables into template values, maps with
// their keys sorted so output does not depend on Go's map order.
func fromGo(v any) any {
	switch v := v.(type) {
	case nil, bool, int64, float64, string:
		return v
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return int64(v)
	case float32:
		return float64(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = fromGo(x)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := newDict(len(keys))
		for _, k := range keys {
			d.set(k, fromGo(v[k]))
		}
		return d
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return fromJSON(out)
}

func fromJSON(v any) any {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	case []any:
		for i := range v {
			v[i] = fromJSON(v[i])
		}
		return v
	case map[string]any:
		return fromGo(v)
	}
	return v
}

// typeName is the Python name of a value's type, for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *dict:
		return "dict"
	case *namespace:
		return "Namespace"
	case *loopInfo:
		return "LoopContext"
	case undefined:
		return "Undefined"
	case global:
		return "function"
	}
	return "object"
}

// pyFloat prints a float as Python's repr does: 1.0, 0.1, 1e+16, inf.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	a := math.Abs(f)
	if a != 0 && (a >= 1e16 || a < 1e-4) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + sign + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// str is Python's str() of a value.
func (e *evaluator) str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return pyFloat(v)
	case undefined:
		e.use(v)
		return ""
	}
	return e.repr(v)
}

// sizedBuilder stops a render once it would build more than MaxValueSize.
type sizedBuilder struct {
	e *evaluator
	strings.Builder
}

func (b *sizedBuilder) add(s string) {
	if b.Len()+len(s) > MaxValueSize {
		b.e.limit(errValueSize)
	}
	b.WriteString(s)
}

// repr is Python's repr() of a value, as Jinja prints lists and dicts.
func (e *evaluator) repr(v any) string {
	b := &sizedBuilder{e: e}
	e.writeRepr(b, v)
	e.alloc(b.Len())
	return b.String()
}

func (e *evaluator) writeRepr(b *sizedBuilder, v any) {
	e.step(1)
	switch v := v.(type) {
	case string:
		b.add(pyQuote(v))
	case []any:
		defer e.enter()()
		b.add("[")
		for i, x := range v {
			if i > 0 {
				b.add(", ")
			}
			e.writeRepr(b, x)
		}
		b.add("]")
	case *dict:
		defer e.enter()()
		b.add("{")
		for i, k := range v.keys {
			if i > 0 {
				b.add(", ")
			}
			b.add(pyQuote(k))
			b.add(": ")
			e.writeRepr(b, v.vals[k])
		}
		b.add("}")
	case *namespace:
		b.add("<Namespace>")
	case *loopInfo:
		b.add("<LoopContext>")
	case undefined:
		e.use(v)
	case global:
		b.add("<function>")
	default:
		b.add(e.str(v))
	}
}

// pyQuote quotes a string as Python's repr: single quotes unless the text
// holds one and no double quote.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)|0x100, 16)[1:])
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// equal is Python's ==.
func (e *evaluator) equal(a, b any) bool {
	e.step(1)
	if an, ok := number(a); ok {
		if bn, ok := number(b); ok {
			return an == bn
		}
		return false
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		if ok {
			e.work(len(a))
		}
		return ok && a == s
	case []any:
		l, ok := b.([]any)
		if !ok || len(l) != len(a) {
			return false
		}
		defer e.enter()()
		for i := range a {
			if !e.equal(a[i], l[i]) {
				return false
			}
		}
		return true
	case *dict:
		d, ok := b.(*dict)
		if !ok || len(d.keys) != len(a.keys) {
			return false
		}
		defer e.enter()()
		for _, k := range a.keys {
			v, ok := d.vals[k]
			if !ok || !e.equal(a.vals[k], v) {
				return false
			}
		}
		return true
	case undefined:
		_, ok := b.(undefined)
		return ok
	case *namespace:
		return a == b
	case *loopInfo:
		return a == b
	}
	return false
}

// number is a numeric value as a float (bools count, as in Python).
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		return float64(boolInt(v)), true
	}
	return 0, false
}

// compare orders two values as Python's <, failing on types without order.
func (e *evaluator) compare(a, b any) int {
	e.step(1)
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		return cmp3(ai < bi, ai > bi)
	}
	if an, ok := number(a); ok {
		if bn, ok := number(b); ok {
			return cmp3(an < bn, an > bn)
		}
	}
	switch a := a.(type) {
	case string:
		if s, ok := b.(string); ok {
			e.work(len(a))
			return strings.Compare(a, s)
		}
	case []any:
		if l, ok := b.([]any); ok {
			defer e.enter()()
			for i := 0; i < len(a) && i < len(l); i++ {
				if c := e.compare(a[i], l[i]); c != 0 {
					return c
				}
			}
			return cmp3(len(a) < len(l), len(a) > len(l))
		}
	}
	e.use(a)
	e.use(b)
	e.fail("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
	return 0
}

func cmp3(lt, gt bool) int {
	switch {
	case lt:
		return -1
	case gt:
		return 1
	}
	return 0
}

func (e *evaluator) compareOp(op string, l, r any) bool {
	switch op {
	case "==":
		return e.equal(l, r)
	case "!=":
		return !e.equal(l, r)
	case "<":
		return e.compare(l, r) < 0
	case ">":
		return e.compare(l, r) > 0
	case "<=":
		return e.compare(l, r) <= 0
	case ">=":
		return e.compare(l, r) >= 0
	case "in":
		return e.contains(r, l)
	case "not in":
		return !e.contains(r, l)
	}
	e.fail("unknown operator %s", op)
	return false
}

// contains is Python's `item in container`.
func (e *evaluator) contains(container, item any) bool {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			e.use(item)
			e.fail("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		e.work(len(c))
		return strings.Contains(c, s)
	case []any:
		for _, x := range c {
			if e.equal(x, item) {
				return true
			}
		}
		return false
	case *dict:
		s, ok := item.(string)
		if !ok {
			return false
		}
		_, found := c.vals[s]
		return found
	case undefined:
		e.use(c)
		return false
	}
	e.fail("argument of type '%s' is not iterable", typeName(container))
	return false
}

// binary evaluates an arithmetic or concatenation operator.
func (e *evaluator) binary(op string, l, r any) any {
	if op == "~" {
		ls, rs := e.str(l), e.str(r)
		e.newString(len(ls) + len(rs))
		return ls + rs
	}
	e.use(l)
	e.use(r)
	if _, ok := l.(undefined); ok {
		panic(renderError{&undefinedError{l.(undefined).name}})
	}
	if _, ok := r.(undefined); ok {
		panic(renderError{&undefinedError{r.(undefined).name}})
	}
	switch op {
	case "+":
		switch a := l.(type) {
		case string:
			if b, ok := r.(string); ok {
				e.newString(len(a) + len(b))
				return a + b
			}
		case []any:
			if b, ok := r.([]any); ok {
				e.newList(len(a) + len(b))
				return append(append(make([]any, 0, len(a)+len(b)), a...), b...)
			}
		}
	case "*":
		if n, ok := r.(int64); ok {
			if out, ok := e.repeat(l, n); ok {
				return out
			}
		}
		if n, ok := l.(int64); ok {
			if out, ok := e.repeat(r, n); ok {
				return out
			}
		}
	case "%":
		if f, ok := l.(string); ok {
			args := []any{r}
			if l, ok := r.([]any); ok {
				args = l
			}
			return e.printf(f, args)
		}
	}
	return e.arith(op, l, r)
}

// repeat is str * int and list * int, refused before it is built when
// the result would pass the value limit.
func (e *evaluator) repeat(v any, n int64) (any, bool) {
	if n < 0 {
		n = 0
	}
	switch v := v.(type) {
	case string:
		if n > 0 && int64(len(v)) > MaxValueSize/n {
			e.limit(errValueSize)
		}
		e.newString(len(v) * int(n))
		return strings.Repeat(v, int(n)), true
	case []any:
		if len(v) == 0 {
			return []any{}, true // nothing to repeat, however often
		}
		if n > 0 && int64(len(v)) > maxItems/n {
			e.limit(errItems)
		}
		e.newList(len(v) * int(n))
		out := make([]any, 0, len(v)*int(n))
		for range n {
			out = append(out, v...)
		}
		return out, true
	}
	return nil, false
}

func (e *evaluator) arith(op string, l, r any) any {
	if b, ok := l.(bool); ok {
		l = boolInt(b)
	}
	if b, ok := r.(bool); ok {
		r = boolInt(b)
	}
	a, aInt := l.(int64)
	b, bInt := r.(int64)
	if aInt && bInt {
		return e.intArith(op, a, b)
	}
	x, xok := number(l)
	y, yok := number(r)
	if !xok || !yok {
		e.fail("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
	}
	switch op {
	case "+":
		return x + y
	case "-":
		return x - y
	case "*":
		return x * y
	case "/":
		if y == 0 {
			e.fail("division by zero")
		}
		return x / y
	case "//":
		if y == 0 {
			e.fail("float floor division by zero")
		}
		return math.Floor(x / y)
	case "%":
		if y == 0 {
			e.fail("float modulo by zero")
		}
		m := math.Mod(x, y)
		if m != 0 && (m < 0) != (y < 0) {
			m += y
		}
		return m
	case "**":
		if x == 0 && y < 0 {
			e.fail("zero cannot be raised to a negative power")
		}
		return math.Pow(x, y)
	}
	e.fail("unknown operator %s", op)
	return nil
}

const errOverflow = "integer result too large"

func (e *evaluator) intArith(op string, a, b int64) any {
	switch op {
	case "+":
		s := a + b
		if (s > a) != (b > 0) {
			e.fail(errOverflow)
		}
		return s
	case "-":
		s := a - b
		if (s < a) != (b > 0) {
			e.fail(errOverflow)
		}
		return s
	case "*":
		return e.mul(a, b)
	case "/":
		if b == 0 {
			e.fail("division by zero")
		}
		return float64(a) / float64(b)
	case "//":
		if b == 0 {
			e.fail("integer division or modulo by zero")
		}
		if a == math.MinInt64 && b == -1 {
			e.fail(errOverflow)
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q
	case "%":
		if b == 0 {
			e.fail("integer division or modulo by zero")
		}
		if b == -1 {
			return int64(0)
		}
		m := a % b
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m
	case "**":
		if b < 0 {
			if a == 0 {
				e.fail("zero cannot be raised to a negative power")
			}
			return math.Pow(float64(a), float64(b))
		}
		result := int64(1)
		for range min(b, 64) {
			e.step(1)
			result = e.mul(result, a)
		}
		if b > 64 && a != 0 && a != 1 && a != -1 {
			e.fail(errOverflow)
		}
		if b > 64 && a == -1 && b%2 == 1 {
			return int64(-1)
		}
		if b > 64 && a == -1 {
			return int64(1)
		}
		return result
	}
	e.fail("unknown operator %s", op)
	return nil
}

func (e *evaluator) mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	neg := (a < 0) != (b < 0)
	ua, ub := absU(a), absU(b)
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || (!neg && lo > math.MaxInt64) || (neg && lo > 1<<63) {
		e.fail(errOverflow)
	}
	if neg {
		return int64(-lo) //nolint:gosec // checked above
	}
	return int64(lo)
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-(a + 1)) + 1
	}
	return uint64(a)
}
