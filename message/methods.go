package message

import (
	"strconv"
	"strings"
	"unicode"
)

// Methods are the read-only ones of Python's str, list and dict that
// messages use (Jinja's ImmutableSandboxedEnvironment allows no others),
// and the tests and global functions of Jinja.

func (e *evaluator) callMethod(obj any, name string, p *params) any {
	if strings.HasPrefix(name, "_") {
		e.fail("access to attribute '%s' is unsafe", name)
	}
	switch o := obj.(type) {
	case string:
		return e.strMethod(o, name, p)
	case []any:
		switch name {
		case "count":
			n := int64(0)
			for _, x := range o {
				if e.equal(x, p.args0()) {
					n++
				}
			}
			return n
		case "index":
			for i, x := range o {
				if e.equal(x, p.args0()) {
					return int64(i)
				}
			}
			e.fail("value is not in list")
		}
	case *dict:
		switch name {
		case "items":
			return e.pairs(o)
		case "keys":
			return e.items(o)
		case "values":
			e.newList(len(o.keys))
			out := make([]any, len(o.keys))
			for i, k := range o.keys {
				out[i] = o.vals[k]
			}
			return out
		case "get":
			k, _ := p.get(0, "key")
			if s, ok := k.(string); ok {
				if v, ok := o.vals[s]; ok {
					return v
				}
			}
			def, _ := p.get(1, "default")
			return def
		}
	case *loopInfo:
		if name == "cycle" {
			if len(p.args) == 0 {
				e.fail("no items for cycling given")
			}
			return p.args[o.index%len(p.args)]
		}
	case undefined:
		e.use(o)
		if e.strict {
			break
		}
		return undefined{name}
	}
	e.fail("'%s' object has no method '%s'", typeName(obj), name)
	return nil
}

func (p *params) args0() any {
	v, _ := p.get(0, "x")
	return v
}

func (e *evaluator) strMethod(s, name string, p *params) any {
	e.work(len(s))
	grow := func(out string) string { e.newString(len(out)); return out }
	chars := func() (string, bool) {
		v, ok := p.get(0, "chars")
		if !ok || v == nil {
			return "", false
		}
		return e.str(v), true
	}
	switch name {
	case "upper":
		return grow(strings.ToUpper(s))
	case "lower":
		return grow(strings.ToLower(s))
	case "title":
		return grow(title(s))
	case "capitalize":
		return grow(capitalize(s))
	case "strip":
		if c, ok := chars(); ok {
			return strings.Trim(s, c)
		}
		return strings.TrimSpace(s)
	case "lstrip":
		if c, ok := chars(); ok {
			return strings.TrimLeft(s, c)
		}
		return strings.TrimLeftFunc(s, unicode.IsSpace)
	case "rstrip":
		if c, ok := chars(); ok {
			return strings.TrimRight(s, c)
		}
		return strings.TrimRightFunc(s, unicode.IsSpace)
	case "split", "rsplit":
		sep, hasSep := p.get(0, "sep")
		limit := int(e.argInt(p, 1, "maxsplit", -1))
		var parts []string
		if !hasSep || sep == nil {
			e.newList(countFields(s))
			parts = strings.Fields(s)
			if limit >= 0 && len(parts) > limit+1 {
				// Python keeps the rest, whitespace included; close enough for messages.
				if name == "split" {
					parts = append(parts[:limit:limit], strings.Join(parts[limit:], " "))
				} else {
					parts = append([]string{strings.Join(parts[:len(parts)-limit], " ")}, parts[len(parts)-limit:]...)
				}
			}
		} else {
			sepStr := e.str(sep)
			if sepStr == "" {
				e.fail("empty separator")
			}
			n := strings.Count(s, sepStr) + 1
			e.newList(n)
			if limit < 0 {
				parts = strings.Split(s, sepStr)
			} else if name == "split" {
				parts = strings.SplitN(s, sepStr, limit+1)
			} else {
				parts = rsplitN(s, sepStr, limit+1)
			}
		}
		out := make([]any, len(parts))
		for i, x := range parts {
			out[i] = x
		}
		return out
	case "splitlines":
		lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		e.newList(len(lines))
		out := make([]any, len(lines))
		for i, x := range lines {
			out[i] = x
		}
		return out
	case "startswith", "endswith":
		v, _ := p.get(0, "prefix")
		cands := []any{v}
		if l, ok := v.([]any); ok {
			cands = l
		}
		for _, c := range cands {
			cs := e.str(c)
			if (name == "startswith" && strings.HasPrefix(s, cs)) || (name == "endswith" && strings.HasSuffix(s, cs)) {
				return true
			}
		}
		return false
	case "replace":
		return e.replace(s, e.argStr(p, 0, "old", ""), e.argStr(p, 1, "new", ""), int(e.argInt(p, 2, "count", -1)))
	case "join":
		v, _ := p.get(0, "iterable")
		return filterJoin(e, v, &params{args: []any{s}})
	case "count":
		sub := e.argStr(p, 0, "sub", "")
		return int64(strings.Count(s, sub))
	case "find":
		return int64(runeIndex(s, strings.Index(s, e.argStr(p, 0, "sub", ""))))
	case "rfind":
		return int64(runeIndex(s, strings.LastIndex(s, e.argStr(p, 0, "sub", ""))))
	case "isdigit":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
	case "isalpha":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0
	case "isupper":
		return strings.ToUpper(s) == s && strings.ToLower(s) != s
	case "islower":
		return strings.ToLower(s) == s && strings.ToUpper(s) != s
	case "isspace":
		return s != "" && strings.TrimSpace(s) == ""
	case "center":
		return e.pad(s, int(e.argInt(p, 0, "width", 0)), 0)
	case "ljust":
		return e.pad(s, int(e.argInt(p, 0, "width", 0)), -1)
	case "rjust":
		return e.pad(s, int(e.argInt(p, 0, "width", 0)), 1)
	case "zfill":
		w := int(e.argInt(p, 0, "width", 0))
		padded := e.pad(s, w, 1)
		n := len(padded) - len(s)
		if n == 0 {
			return s
		}
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		return sign + strings.Repeat("0", n) + s
	case "format":
		e.fail("str.format is not allowed in a message; use the format filter or %%")
	}
	e.fail("'str' object has no method '%s'", name)
	return nil
}

// countFields is len(strings.Fields(s)) without building them.
func countFields(s string) int {
	n, inField := 0, false
	for _, r := range s {
		f := !unicode.IsSpace(r)
		if f && !inField {
			n++
		}
		inField = f
	}
	return n
}

func runeIndex(s string, byteIndex int) int {
	if byteIndex < 0 {
		return -1
	}
	return len([]rune(s[:byteIndex]))
}

func rsplitN(s, sep string, n int) []string {
	var out []string
	for len(out) < n-1 {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		out = append([]string{s[i+len(sep):]}, out...)
		s = s[:i]
	}
	return append([]string{s}, out...)
}

// global is a function templates may call by name.
type global func(e *evaluator, p *params) any

var globals map[string]any

func init() {
	globals = map[string]any{
		"range":     global(rangeFunc),
		"dict":      global(dictFunc),
		"namespace": global(namespaceFunc),
	}
}

// rangeFunc is range([start,] stop[, step]), at most MaxRange items as
// Jinja's sandbox.
func rangeFunc(e *evaluator, p *params) any {
	var start, stop, step int64 = 0, 0, 1
	ints := make([]int64, len(p.args))
	for i, a := range p.args {
		n, ok := a.(int64)
		if !ok {
			e.use(a)
			e.fail("range() arguments must be integers, not %s", typeName(a))
		}
		ints[i] = n
	}
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		e.fail("range() takes [start, ]stop[, step]")
	}
	if step == 0 {
		e.fail("range() step cannot be 0")
	}
	var n float64
	if step > 0 && stop > start {
		n = float64((stop-start-1)/step + 1)
		if stop-start < 0 { // overflowed
			n = MaxRange + 1
		}
	} else if step < 0 && start > stop {
		n = float64((start-stop-1)/-step + 1)
		if start-stop < 0 {
			n = MaxRange + 1
		}
	}
	if n > MaxRange {
		e.limit(errRange)
	}
	e.newList(int(n))
	out := make([]any, int(n))
	for i := range out {
		out[i] = start + int64(i)*step
	}
	return out
}

func dictFunc(e *evaluator, p *params) any {
	if len(p.args) > 0 {
		e.fail("dict() takes keyword arguments only")
	}
	d := newDict(len(p.kwargs))
	e.alloc(64 * len(p.kwargs))
	for _, k := range sortedKeys(p.kwargs) {
		d.set(k, p.kwargs[k])
	}
	return d
}

func namespaceFunc(e *evaluator, p *params) any {
	if len(p.args) > 0 {
		e.fail("namespace() takes keyword arguments only")
	}
	ns := &namespace{attrs: map[string]any{}}
	e.alloc(64 * len(p.kwargs))
	for _, k := range sortedKeys(p.kwargs) {
		ns.keys = append(ns.keys, k)
		ns.attrs[k] = p.kwargs[k]
	}
	return ns
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// runTest is `value is name(args)`.
func (e *evaluator) runTest(name string, v any, args []any) bool {
	arg := func() any {
		if len(args) == 0 {
			e.fail("test '%s' needs an argument", name)
		}
		return args[0]
	}
	switch name {
	case "defined":
		_, u := v.(undefined)
		return !u
	case "undefined":
		_, u := v.(undefined)
		return u
	}
	e.use(v)
	switch name {
	case "none":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "true":
		return v == true
	case "false":
		return v == false
	case "integer":
		_, ok := v.(int64)
		return ok
	case "float":
		_, ok := v.(float64)
		return ok
	case "number":
		switch v.(type) {
		case int64, float64, bool:
			return true
		}
		return false
	case "string":
		_, ok := v.(string)
		return ok
	case "mapping":
		_, ok := v.(*dict)
		return ok
	case "sequence":
		switch v.(type) {
		case string, []any, *dict:
			return true
		}
		return false
	case "iterable":
		switch v.(type) {
		case string, []any, *dict:
			return true
		}
		return false
	case "callable":
		_, ok := v.(global)
		return ok
	case "sameas":
		return v == arg()
	case "eq", "equalto", "==":
		return e.equal(v, arg())
	case "ne", "!=":
		return !e.equal(v, arg())
	case "lt", "lessthan", "<":
		return e.compare(v, arg()) < 0
	case "le", "<=":
		return e.compare(v, arg()) <= 0
	case "gt", "greaterthan", ">":
		return e.compare(v, arg()) > 0
	case "ge", ">=":
		return e.compare(v, arg()) >= 0
	case "in":
		return e.contains(arg(), v)
	case "odd", "even", "divisibleby":
		n, ok := v.(int64)
		if !ok {
			e.fail("test '%s' needs an integer, not %s", name, typeName(v))
		}
		switch name {
		case "odd":
			return n%2 != 0
		case "even":
			return n%2 == 0
		}
		d, ok := arg().(int64)
		if !ok || d == 0 {
			e.fail("divisibleby needs a non-zero integer")
		}
		return n%d == 0
	case "lower", "upper":
		s, ok := v.(string)
		if !ok {
			return false
		}
		if name == "lower" {
			return strings.ToLower(s) == s
		}
		return strings.ToUpper(s) == s
	}
	e.fail("no test named '%s'", name)
	return false
}

// printf is Python's `format % args` for %s, %r, %d, %i, %f, %x and %%,
// with flags, width and precision capped by maxArgument.
func (e *evaluator) printf(format string, args []any) string {
	var b sizedBuilder
	b.e = e
	next := 0
	take := func() any {
		if next >= len(args) {
			e.fail("not enough arguments for format string")
		}
		next++
		return args[next-1]
	}
	e.work(len(format))
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.add(format[i : i+1])
			continue
		}
		i++
		flags := ""
		for i < len(format) && strings.IndexByte("-+ 0#", format[i]) >= 0 {
			flags += format[i : i+1]
			i++
		}
		num := func() int {
			j := i
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			if j == i {
				return -1
			}
			n, err := strconv.Atoi(format[j:i])
			if err != nil || n > maxArgument {
				e.limit(errArgument)
			}
			return n
		}
		width, prec := num(), -1
		if i < len(format) && format[i] == '.' {
			i++
			prec = max(num(), 0)
		}
		if i >= len(format) {
			e.fail("incomplete format")
		}
		verb := format[i]
		var s string
		switch verb {
		case '%':
			b.add("%")
			continue
		case 's':
			s = e.str(take())
			if prec >= 0 && prec < len([]rune(s)) {
				s = string([]rune(s)[:prec])
			}
		case 'r':
			s = e.repr(take())
		case 'd', 'i', 'x', 'X', 'o':
			v := take()
			n, ok := v.(int64)
			if f, isFloat := v.(float64); isFloat {
				n, ok = int64(f), true
			}
			if bv, isBool := v.(bool); isBool {
				n, ok = boolInt(bv), true
			}
			if !ok {
				e.fail("%%%c format: a number is required, not %s", verb, typeName(v))
			}
			base := map[byte]int{'d': 10, 'i': 10, 'x': 16, 'X': 16, 'o': 8}[verb]
			s = strconv.FormatInt(n, base)
			if verb == 'X' {
				s = strings.ToUpper(s)
			}
			if strings.Contains(flags, "+") && n >= 0 {
				s = "+" + s
			}
		case 'f', 'F', 'e', 'g':
			f, ok := number(take())
			if !ok {
				e.fail("%%%c format: a real number is required", verb)
			}
			if prec < 0 {
				prec = 6
			}
			s = strconv.FormatFloat(f, verb|0x20, prec, 64)
		default:
			e.fail("unsupported format character '%c'", verb)
		}
		if n := width - len([]rune(s)); n > 0 {
			padChar := " "
			if strings.Contains(flags, "0") && verb != 's' && verb != 'r' {
				padChar = "0"
			}
			switch {
			case strings.Contains(flags, "-"):
				s += strings.Repeat(" ", n)
			case padChar == "0" && (strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+")):
				s = s[:1] + strings.Repeat("0", n) + s[1:]
			default:
				s = strings.Repeat(padChar, n) + s
			}
		}
		b.add(s)
	}
	if next < len(args) && len(args) > 1 {
		e.fail("not all arguments converted during string formatting")
	}
	e.alloc(b.Len())
	return b.String()
}
