package message

import (
	"bytes"
	"encoding/json"
	"html"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// params are the arguments of a filter, test, method or global call.
type params struct {
	args   []any
	kwargs map[string]any
}

// get is the argument at position i (-1: keyword only) or named name.
func (p *params) get(i int, name string) (any, bool) {
	if v, ok := p.kwargs[name]; ok {
		return v, true
	}
	if i >= 0 && i < len(p.args) {
		return p.args[i], true
	}
	return nil, false
}

func (e *evaluator) argInt(p *params, i int, name string, def int64) int64 {
	v, ok := p.get(i, name)
	if !ok || v == nil {
		return def
	}
	n, ok := v.(int64)
	if !ok {
		if b, isBool := v.(bool); isBool {
			return boolInt(b)
		}
		f, isFloat := v.(float64)
		if !isFloat {
			e.fail("argument '%s' must be an integer, not %s", name, typeName(v))
		}
		n = int64(f)
	}
	if n > maxArgument || n < -maxArgument {
		e.limit(errArgument)
	}
	return n
}

func (e *evaluator) argStr(p *params, i int, name, def string) string {
	v, ok := p.get(i, name)
	if !ok {
		return def
	}
	return e.str(v)
}

func (e *evaluator) argBool(p *params, i int, name string, def bool) bool {
	v, ok := p.get(i, name)
	if !ok {
		return def
	}
	return e.truthy(v)
}

type filterFunc func(e *evaluator, in any, p *params) any

var filters map[string]filterFunc

func init() {
	filters = map[string]filterFunc{
		"abs":          filterAbs,
		"attr":         func(e *evaluator, in any, p *params) any { return e.getAttr(in, e.argStr(p, 0, "name", "")) },
		"batch":        filterBatch,
		"bool":         filterBool,
		"capitalize":   strFilter(capitalize),
		"center":       filterCenter,
		"count":        filterLength,
		"d":            filterDefault,
		"default":      filterDefault,
		"dictsort":     filterDictsort,
		"e":            strFilter(html.EscapeString),
		"escape":       strFilter(html.EscapeString),
		"first":        filterFirst,
		"float":        filterFloat,
		"forceescape":  strFilter(html.EscapeString),
		"format":       func(e *evaluator, in any, p *params) any { return e.printf(e.str(in), p.args) },
		"indent":       filterIndent,
		"int":          filterInt,
		"items":        filterItems,
		"join":         filterJoin,
		"last":         filterLast,
		"length":       filterLength,
		"list":         func(e *evaluator, in any, p *params) any { return e.copyList(e.iterable(in)) },
		"lower":        strFilter(strings.ToLower),
		"map":          filterMap,
		"max":          func(e *evaluator, in any, p *params) any { return e.extreme(in, p, 1) },
		"min":          func(e *evaluator, in any, p *params) any { return e.extreme(in, p, -1) },
		"reject":       func(e *evaluator, in any, p *params) any { return e.selectItems(in, p, false, false) },
		"rejectattr":   func(e *evaluator, in any, p *params) any { return e.selectItems(in, p, true, false) },
		"replace":      filterReplace,
		"reverse":      filterReverse,
		"round":        filterRound,
		"safe":         func(e *evaluator, in any, p *params) any { return in },
		"select":       func(e *evaluator, in any, p *params) any { return e.selectItems(in, p, false, true) },
		"selectattr":   func(e *evaluator, in any, p *params) any { return e.selectItems(in, p, true, true) },
		"sort":         filterSort,
		"string":       func(e *evaluator, in any, p *params) any { return e.str(in) },
		"striptags":    filterStriptags,
		"sum":          filterSum,
		"title":        strFilter(titleWords),
		"to_json":      func(e *evaluator, in any, p *params) any { return e.toJSON(in, "", false) },
		"to_nice_json": filterNiceJSON,
		"tojson":       filterTojson,
		"trim":         filterTrim,
		"truncate":     filterTruncate,
		"unique":       filterUnique,
		"upper":        strFilter(strings.ToUpper),
		"urlencode":    filterURLEncode,
		"wordcount":    filterWordcount,
	}
	filters["ansible.builtin.to_json"] = filters["to_json"]
	filters["ansible.builtin.to_nice_json"] = filters["to_nice_json"]
}

func (e *evaluator) applyFilter(f *filterExpr, in any) any {
	fn, ok := filters[f.name]
	if !ok {
		e.fail("no filter named '%s'", f.name)
	}
	p := &params{args: e.evalAll(f.args), kwargs: map[string]any{}}
	for _, k := range f.kwargs {
		p.kwargs[k.name] = e.eval(k.val)
	}
	if _, ok := in.(undefined); ok && f.name != "default" && f.name != "d" {
		e.use(in)
	}
	return fn(e, in, p)
}

// strFilter makes a filter of a string function, charging its result.
func strFilter(f func(string) string) filterFunc {
	return func(e *evaluator, in any, _ *params) any {
		s := e.str(in)
		e.work(len(s))
		out := f(s) // at most 3 times its input, itself at most MaxValueSize
		e.newString(len(out))
		return out
	}
}

// iterable lists what a filter iterates over; undefined counts as empty.
func (e *evaluator) iterable(v any) []any {
	if _, ok := v.(undefined); ok {
		e.use(v)
		return nil
	}
	return e.items(v)
}

func (e *evaluator) copyList(l []any) []any {
	e.newList(len(l))
	return slices.Clone(l)
}

func filterAbs(e *evaluator, in any, _ *params) any {
	switch v := in.(type) {
	case int64:
		if v == math.MinInt64 {
			e.fail(errOverflow)
		}
		if v < 0 {
			return -v
		}
		return v
	case float64:
		return math.Abs(v)
	case bool:
		return boolInt(v)
	}
	e.fail("bad operand type for abs(): '%s'", typeName(in))
	return nil
}

func filterBatch(e *evaluator, in any, p *params) any {
	items := e.iterable(in)
	n := e.argInt(p, 0, "linecount", 0)
	if n <= 0 {
		e.fail("batch() needs a positive line count")
	}
	fill, hasFill := p.get(1, "fill_with")
	hasFill = hasFill && fill != nil
	e.newList(len(items) + int(n))
	var out []any
	for i := 0; i < len(items); i += int(n) {
		row := slices.Clone(items[i:min(i+int(n), len(items))])
		for hasFill && len(row) < int(n) {
			row = append(row, fill)
		}
		out = append(out, row)
	}
	return out
}

func filterBool(e *evaluator, in any, _ *params) any {
	if s, ok := in.(string); ok {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "on", "1", "true", "y", "t":
			return true
		}
		return false
	}
	return e.truthy(in)
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}

// title is Python's str.title: a letter after a non-letter is upper case,
// every other letter lower case.
func title(s string) string {
	var b strings.Builder
	prev := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prev {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
			prev = true
			continue
		}
		prev = false
		b.WriteRune(r)
	}
	return b.String()
}

// titleWords is Jinja's title filter: each word, split after '-',
// whitespace and opening brackets, capitalized.
func titleWords(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		switch {
		case r == '-' || unicode.IsSpace(r) || strings.ContainsRune("({[<", r):
			start = true
			b.WriteRune(r)
		case start:
			b.WriteRune(unicode.ToTitle(r))
			start = false
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func filterCenter(e *evaluator, in any, p *params) any {
	s := e.str(in)
	return e.pad(s, int(e.argInt(p, 0, "width", 80)), 0)
}

// pad is str.center (where 0), ljust (-1) or rjust (1), capped by maxArgument.
func (e *evaluator) pad(s string, width, where int) string {
	n := utf8.RuneCountInString(s)
	if width <= n {
		return s
	}
	e.newString(len(s) + width - n)
	total := width - n
	left := total / 2
	if total%2 == 1 && width%2 == 1 { // as CPython's center
		left++
	}
	switch where {
	case -1:
		left = 0
	case 1:
		left = total
	}
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", total-left)
}

func filterDefault(e *evaluator, in any, p *params) any {
	def, _ := p.get(0, "default_value")
	if _, hasDefault := p.get(0, "default_value"); !hasDefault {
		def = ""
	}
	if _, ok := in.(undefined); ok {
		return def
	}
	if e.argBool(p, 1, "boolean", false) && !e.truthy(in) {
		return def
	}
	return in
}

func filterDictsort(e *evaluator, in any, p *params) any {
	d, ok := in.(*dict)
	if !ok {
		e.fail("dictsort() needs a dict, not %s", typeName(in))
	}
	by := e.argStr(p, 1, "by", "key")
	caseSensitive := e.argBool(p, 0, "case_sensitive", false)
	pairs := e.pairs(d)
	pos := 0
	if by == "value" {
		pos = 1
	} else if by != "key" {
		e.fail("You can only sort by either 'key' or 'value'")
	}
	e.sortItems(pairs, func(v any) any { return sortKey(v.([]any)[pos], caseSensitive) })
	if e.argBool(p, 2, "reverse", false) {
		slices.Reverse(pairs)
	}
	return pairs
}

func (e *evaluator) pairs(d *dict) []any {
	e.newList(3 * len(d.keys))
	out := make([]any, len(d.keys))
	for i, k := range d.keys {
		out[i] = []any{k, d.vals[k]}
	}
	return out
}

func filterItems(e *evaluator, in any, _ *params) any {
	switch d := in.(type) {
	case *dict:
		return e.pairs(d)
	case undefined:
		return []any{}
	}
	e.fail("items() needs a dict, not %s", typeName(in))
	return nil
}

func sortKey(v any, caseSensitive bool) any {
	if s, ok := v.(string); ok && !caseSensitive {
		return strings.ToLower(s)
	}
	return v
}

// sortItems sorts in place by key, each comparison a step.
func (e *evaluator) sortItems(items []any, key func(any) any) {
	keys := make([]any, len(items))
	for i, it := range items {
		keys[i] = key(it)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return e.compare(keys[idx[a]], keys[idx[b]]) < 0 })
	sorted := make([]any, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

func filterFirst(e *evaluator, in any, _ *params) any {
	if s, ok := in.(string); ok {
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return undefined{"first"}
		}
		return string(r)
	}
	items := e.iterable(in)
	if len(items) == 0 {
		return undefined{"first"}
	}
	return items[0]
}

func filterLast(e *evaluator, in any, _ *params) any {
	if s, ok := in.(string); ok {
		r, n := utf8.DecodeLastRuneInString(s)
		if n == 0 {
			return undefined{"last"}
		}
		return string(r)
	}
	items := e.iterable(in)
	if len(items) == 0 {
		return undefined{"last"}
	}
	return items[len(items)-1]
}

func filterFloat(e *evaluator, in any, p *params) any {
	def, ok := p.get(0, "default")
	if !ok {
		def = 0.0
	}
	switch v := in.(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	case bool:
		return float64(boolInt(v))
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return f
		}
	}
	return def
}

func filterInt(e *evaluator, in any, p *params) any {
	def, ok := p.get(0, "default")
	if !ok {
		def = int64(0)
	}
	base := e.argInt(p, 1, "base", 10)
	switch v := in.(type) {
	case int64:
		return v
	case bool:
		return boolInt(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1<<63 {
			return def
		}
		return int64(v)
	case string:
		s := strings.ReplaceAll(strings.TrimSpace(v), "_", "")
		if prefix := map[int64]string{16: "0x", 8: "0o", 2: "0b"}[base]; prefix != "" && len(s) > 2 && strings.EqualFold(s[:2], prefix) {
			s = s[2:]
		}
		if base >= 2 && base <= 36 {
			if n, err := strconv.ParseInt(s, int(base), 64); err == nil {
				return n
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && math.Abs(f) < 1<<63 {
			return int64(f)
		}
	}
	return def
}

// filterIndent is Jinja's indent(width=4, first=False, blank=False).
func filterIndent(e *evaluator, in any, p *params) any {
	s := e.str(in)
	pad := "    "
	if w, ok := p.get(0, "width"); ok {
		if ws, isStr := w.(string); isStr {
			pad = ws
		} else {
			pad = strings.Repeat(" ", int(max(0, e.argInt(p, 0, "width", 4))))
		}
	}
	first := e.argBool(p, 1, "first", false)
	blank := e.argBool(p, 2, "blank", false)
	lines := strings.Split(s, "\n")
	e.newString(len(s) + len(lines)*len(pad))
	var b strings.Builder
	for i, line := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if (i > 0 || first) && (blank || strings.TrimSpace(line) != "") {
			b.WriteString(pad)
		}
		b.WriteString(line)
	}
	return b.String()
}

func filterJoin(e *evaluator, in any, p *params) any {
	items := e.iterable(in)
	sep := e.argStr(p, 0, "d", "")
	attr, hasAttr := p.get(1, "attribute")
	parts := make([]string, len(items))
	size := 0
	for i, it := range items {
		e.step(1)
		if hasAttr {
			it = e.getAttrOrItem(it, attr)
		}
		parts[i] = e.str(it)
		size += len(parts[i]) + len(sep)
		if size > MaxValueSize {
			e.limit(errValueSize)
		}
	}
	e.newString(size)
	return strings.Join(parts, sep)
}

// getAttrOrItem is Jinja's attribute= argument: dotted names, and
// integers as indexes.
func (e *evaluator) getAttrOrItem(v any, attr any) any {
	if n, ok := attr.(int64); ok {
		return e.getItem(v, n)
	}
	for part := range strings.SplitSeq(e.str(attr), ".") {
		if n, err := strconv.ParseInt(part, 10, 64); err == nil {
			if _, isList := v.([]any); isList {
				v = e.getItem(v, n)
				continue
			}
		}
		v = e.getAttr(v, part)
	}
	return v
}

func filterLength(e *evaluator, in any, _ *params) any {
	switch v := in.(type) {
	case string:
		e.work(len(v))
		return int64(utf8.RuneCountInString(v))
	case []any:
		return int64(len(v))
	case *dict:
		return int64(len(v.keys))
	case *namespace:
		return int64(len(v.keys))
	case undefined:
		return int64(0)
	}
	e.fail("object of type '%s' has no len()", typeName(in))
	return nil
}

// filterMap is map('filter', args…) or map(attribute='x', default=…).
func filterMap(e *evaluator, in any, p *params) any {
	items := e.iterable(in)
	e.newList(len(items))
	out := make([]any, len(items))
	if attr, ok := p.kwargs["attribute"]; ok {
		def, hasDef := p.kwargs["default"]
		for i, it := range items {
			e.step(1)
			v := e.getAttrOrItem(it, attr)
			if _, isUndef := v.(undefined); isUndef && hasDef {
				v = def
			}
			out[i] = v
		}
		return out
	}
	if len(p.args) == 0 {
		e.fail("map() needs a filter name or attribute=")
	}
	name := e.str(p.args[0])
	fn, ok := filters[name]
	if !ok {
		e.fail("no filter named '%s'", name)
	}
	sub := &params{args: p.args[1:], kwargs: p.kwargs}
	for i, it := range items {
		e.step(1)
		out[i] = fn(e, it, sub)
	}
	return out
}

// extreme is min (dir -1) or max (dir 1).
func (e *evaluator) extreme(in any, p *params, dir int) any {
	items := e.iterable(in)
	if len(items) == 0 {
		return undefined{"min"}
	}
	caseSensitive := e.argBool(p, 0, "case_sensitive", false)
	attr, hasAttr := p.get(1, "attribute")
	key := func(v any) any {
		if hasAttr {
			v = e.getAttrOrItem(v, attr)
		}
		return sortKey(v, caseSensitive)
	}
	best, bestKey := items[0], key(items[0])
	for _, it := range items[1:] {
		k := key(it)
		if e.compare(k, bestKey)*dir > 0 {
			best, bestKey = it, k
		}
	}
	return best
}

// selectItems is select/reject (by a test on the item) and
// selectattr/rejectattr (by a test on an attribute).
func (e *evaluator) selectItems(in any, p *params, byAttr, keep bool) any {
	items := e.iterable(in)
	args := p.args
	var attr any
	if byAttr {
		if len(args) == 0 {
			e.fail("selectattr() needs an attribute")
		}
		attr, args = args[0], args[1:]
	}
	test := ""
	if len(args) > 0 {
		test, args = e.str(args[0]), args[1:]
	}
	var out []any
	for _, it := range items {
		e.step(1)
		v := it
		if byAttr {
			v = e.getAttrOrItem(it, attr)
		}
		var ok bool
		if test == "" {
			ok = e.truthyLoose(v)
		} else {
			ok = e.runTest(test, v, args)
		}
		if ok == keep {
			out = append(out, it)
		}
	}
	e.newList(len(out))
	if out == nil {
		out = []any{}
	}
	return out
}

// truthyLoose is truthiness where an undefined is simply false, as
// selectattr treats a missing attribute even in a strict render.
func (e *evaluator) truthyLoose(v any) bool {
	if _, ok := v.(undefined); ok {
		return false
	}
	return e.truthy(v)
}

func filterReplace(e *evaluator, in any, p *params) any {
	s := e.str(in)
	old, new := e.argStr(p, 0, "old", ""), e.argStr(p, 1, "new", "")
	count := int(e.argInt(p, 2, "count", -1))
	if _, ok := p.get(0, "old"); !ok {
		e.fail("replace() needs the text to replace")
	}
	return e.replace(s, old, new, count)
}

// replace is str.replace, refused before it is built when too large.
func (e *evaluator) replace(s, old, new string, count int) string {
	e.work(len(s))
	n := strings.Count(s, old)
	if count >= 0 && count < n {
		n = count
	}
	size := len(s) + n*(len(new)-len(old))
	if size > MaxValueSize || n > MaxValueSize {
		e.limit(errValueSize)
	}
	e.newString(size)
	return strings.Replace(s, old, new, n)
}

func filterReverse(e *evaluator, in any, _ *params) any {
	if s, ok := in.(string); ok {
		e.alloc(4 * len(s))
		r := []rune(s)
		e.newString(len(s))
		slices.Reverse(r)
		return string(r)
	}
	l := e.copyList(e.iterable(in))
	slices.Reverse(l)
	return l
}

// filterRound is Jinja's round(precision=0, method='common'), a float.
func filterRound(e *evaluator, in any, p *params) any {
	f, ok := number(in)
	if !ok {
		e.fail("round() needs a number, not %s", typeName(in))
	}
	prec := e.argInt(p, 0, "precision", 0)
	if prec > 300 || prec < -300 {
		e.limit(errArgument)
	}
	scale := math.Pow(10, float64(prec))
	switch method := e.argStr(p, 1, "method", "common"); method {
	case "common":
		r := math.RoundToEven(f*scale) / scale // Python's round()
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return f
		}
		return r
	case "ceil":
		return math.Ceil(f*scale) / scale
	case "floor":
		return math.Floor(f*scale) / scale
	default:
		e.fail("method must be 'common', 'ceil' or 'floor'")
	}
	return nil
}

// filterSort is Jinja's sort(reverse=False, case_sensitive=False, attribute=None).
func filterSort(e *evaluator, in any, p *params) any {
	items := e.copyList(e.iterable(in))
	reverse := e.argBool(p, 0, "reverse", false)
	caseSensitive := e.argBool(p, 1, "case_sensitive", false)
	attr, hasAttr := p.get(2, "attribute")
	e.work(len(items) * 17) // n log n comparisons, charged again one by one
	e.sortItems(items, func(v any) any {
		if hasAttr {
			v = e.getAttrOrItem(v, attr)
		}
		return sortKey(v, caseSensitive)
	})
	if reverse {
		slices.Reverse(items)
	}
	return items
}

var tags = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`)

func filterStriptags(e *evaluator, in any, _ *params) any {
	s := e.str(in)
	e.newString(len(s))
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(s, ""))), " ")
}

func filterSum(e *evaluator, in any, p *params) any {
	items := e.iterable(in)
	attr, hasAttr := p.get(0, "attribute")
	total, ok := p.get(1, "start")
	if !ok {
		total = int64(0)
	}
	for _, it := range items {
		e.step(1)
		if hasAttr {
			it = e.getAttrOrItem(it, attr)
		}
		total = e.binary("+", total, it)
	}
	return total
}

func filterNiceJSON(e *evaluator, in any, p *params) any {
	indent := e.argInt(p, 0, "indent", 4)
	return e.toJSON(in, strings.Repeat(" ", int(max(indent, 0))), false)
}

func filterTojson(e *evaluator, in any, p *params) any {
	indent := ""
	if v, ok := p.get(0, "indent"); ok && v != nil {
		indent = strings.Repeat(" ", int(max(e.argInt(p, 0, "indent", 0), 0)))
	}
	return e.toJSON(in, indent, true)
}

func filterTrim(e *evaluator, in any, p *params) any {
	s := e.str(in)
	if chars, ok := p.get(0, "chars"); ok && chars != nil {
		return strings.Trim(s, e.str(chars))
	}
	return strings.TrimSpace(s)
}

// filterTruncate is Jinja's truncate(length=255, killwords=False, end='...', leeway=5).
func filterTruncate(e *evaluator, in any, p *params) any {
	s := e.str(in)
	length := int(e.argInt(p, 0, "length", 255))
	killwords := e.argBool(p, 1, "killwords", false)
	end := e.argStr(p, 2, "end", "...")
	leeway := int(e.argInt(p, 3, "leeway", 5))
	if utf8.RuneCountInString(s) <= length+leeway {
		return s
	}
	e.alloc(4 * len(s))
	r := []rune(s)
	if len(r) <= length+leeway {
		return s
	}
	cut := min(max(length-utf8.RuneCountInString(end), 0), len(r)) // leeway may be negative
	if killwords {
		return string(r[:cut]) + end
	}
	head := string(r[:cut])
	if i := strings.LastIndexByte(head, ' '); i >= 0 {
		head = head[:i]
	}
	return head + end
}

func filterUnique(e *evaluator, in any, p *params) any {
	items := e.iterable(in)
	caseSensitive := e.argBool(p, 0, "case_sensitive", false)
	attr, hasAttr := p.get(1, "attribute")
	var out, seen []any
	for _, it := range items {
		k := it
		if hasAttr {
			k = e.getAttrOrItem(it, attr)
		}
		k = sortKey(k, caseSensitive)
		found := false
		for _, s := range seen { // values are not hashable in general; steps bound this
			if e.equal(s, k) {
				found = true
				break
			}
		}
		if !found {
			seen = append(seen, k)
			out = append(out, it)
		}
	}
	e.newList(len(out))
	if out == nil {
		out = []any{}
	}
	return out
}

func filterURLEncode(e *evaluator, in any, _ *params) any {
	if d, ok := in.(*dict); ok {
		parts := make([]string, 0, len(d.keys))
		for _, k := range d.keys {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(e.str(d.vals[k])))
		}
		s := strings.Join(parts, "&")
		e.newString(len(s))
		return s
	}
	s := e.str(in)
	e.newString(3 * len(s))
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// filterWordcount counts runs of word characters, as Jinja's \w+.
func filterWordcount(e *evaluator, in any, _ *params) any {
	s := e.str(in)
	e.work(len(s))
	n, inWord := int64(0), false
	for _, r := range s {
		w := r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		if w && !inWord {
			n++
		}
		inWord = w
	}
	return n
}

// toJSON is tojson (sorted keys, HTML-safe, Python's separators) or
// to_json/to_nice_json (keys in order, indent).
func (e *evaluator) toJSON(v any, indent string, htmlSafe bool) string {
	b := &sizedBuilder{e: e}
	e.writeJSON(b, v, indent, "\n", htmlSafe)
	e.alloc(b.Len())
	return b.String()
}

func (e *evaluator) writeJSON(b *sizedBuilder, v any, indent, nl string, htmlSafe bool) {
	e.step(1)
	sep, colon := ", ", ": "
	if indent != "" {
		sep = ","
	}
	inner := nl + indent
	switch v := v.(type) {
	case nil:
		b.add("null")
	case bool:
		if v {
			b.add("true")
		} else {
			b.add("false")
		}
	case int64:
		b.add(strconv.FormatInt(v, 10))
	case float64:
		switch {
		case math.IsNaN(v):
			b.add("NaN")
		case math.IsInf(v, 1):
			b.add("Infinity")
		case math.IsInf(v, -1):
			b.add("-Infinity")
		default:
			b.add(pyFloat(v))
		}
	case string:
		b.add(jsonString(v, htmlSafe))
	case []any:
		defer e.enter()()
		if len(v) == 0 {
			b.add("[]")
			return
		}
		b.add("[")
		for i, x := range v {
			if i > 0 {
				b.add(sep)
			}
			if indent != "" {
				b.add(inner)
			}
			e.writeJSON(b, x, indent, inner, htmlSafe)
		}
		if indent != "" {
			b.add(nl)
		}
		b.add("]")
	case *dict:
		defer e.enter()()
		if len(v.keys) == 0 {
			b.add("{}")
			return
		}
		keys := v.keys
		if htmlSafe { // Jinja's tojson sorts keys
			keys = slices.Clone(keys)
			sort.Strings(keys)
		}
		b.add("{")
		for i, k := range keys {
			if i > 0 {
				b.add(sep)
			}
			if indent != "" {
				b.add(inner)
			}
			b.add(jsonString(k, htmlSafe))
			b.add(colon)
			e.writeJSON(b, v.vals[k], indent, inner, htmlSafe)
		}
		if indent != "" {
			b.add(nl)
		}
		b.add("}")
	case undefined:
		e.use(v)
		e.fail("Object of type Undefined is not JSON serializable")
	default:
		e.fail("Object of type %s is not JSON serializable", typeName(v))
	}
}

// jsonString encodes s as Python's json.dumps (ASCII only), and for
// tojson also escapes <, >, & and ' as Jinja's htmlsafe_json_dumps.
func jsonString(s string, htmlSafe bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(buf.String(), "\n")
	var b strings.Builder
	for _, r := range out {
		switch {
		case htmlSafe && r == '<':
			b.WriteString(`\u003c`)
		case htmlSafe && r == '>':
			b.WriteString(`\u003e`)
		case htmlSafe && r == '&':
			b.WriteString(`\u0026`)
		case htmlSafe && r == '\'':
			b.WriteString(`\u0027`)
		case r > 0xffff:
			r1, r2 := utf16Pair(r)
			b.WriteString(`\u` + strconv.FormatInt(int64(r1)|0x10000, 16)[1:])
			b.WriteString(`\u` + strconv.FormatInt(int64(r2)|0x10000, 16)[1:])
		case r > 0x7f:
			b.WriteString(`\u` + strconv.FormatInt(int64(r)|0x10000, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
