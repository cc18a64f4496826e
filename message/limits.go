package message

import (
	"errors"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/builtins/methods"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// cappedRange is range() with Jinja's sandbox limit per call and a total
// per render. It returns a list: gonja's own feeds a channel from a
// goroutine that leaks when the loop stops early.
func cappedRange(b *budget) func(*exec.Evaluator, *exec.VarArgs) (*exec.Value, error) {
	return func(_ *exec.Evaluator, params *exec.VarArgs) (*exec.Value, error) {
		start, stop, step := 0, 0, 1
		for _, a := range params.Args {
			if !a.IsInteger() {
				return nil, errors.New("range() arguments must be integers")
			}
		}
		switch len(params.Args) {
		case 1:
			stop = params.Args[0].Integer()
		case 2:
			start, stop = params.Args[0].Integer(), params.Args[1].Integer()
		case 3:
			start, stop, step = params.Args[0].Integer(), params.Args[1].Integer(), params.Args[2].Integer()
		default:
			return nil, errors.New("range() takes [start, ]stop[, step]")
		}
		if step == 0 {
			return nil, errors.New("range() step cannot be 0")
		}
		n := 0
		if step > 0 && stop > start {
			n = (stop - start + step - 1) / step
		} else if step < 0 && start > stop {
			n = (start - stop - step - 1) / -step
		}
		if n < 0 || n > MaxRange {
			return nil, errRange
		}
		if b.rangeItems.Add(int64(n)) > maxRangeTotal {
			return nil, errRangeTotal
		}
		items := make([]any, n)
		for i := range items {
			items[i] = start + i*step
		}
		return exec.AsValue(items), nil
	}
}

// argsOK reports whether every integer argument is small enough: widths,
// counts and indents are how a short filter call allocates gigabytes.
func argsOK(params *exec.VarArgs) bool {
	ok := func(v *exec.Value) bool {
		return v == nil || !v.IsNumber() || (v.Float() <= maxArgument && v.Float() >= -maxArgument)
	}
	for _, a := range params.Args {
		if !ok(a) {
			return false
		}
	}
	for _, a := range params.KwArgs {
		if !ok(a) {
			return false
		}
	}
	return true
}

var errArgument = errors.New("a numeric argument is too large")

// cappedFilters is gonja's filter set with every filter's numeric arguments
// capped, its input and arguments measured, the result of those that
// multiply sizes predicted, and every result measured.
func cappedFilters(b *budget) *exec.FilterSet {
	filters := map[string]exec.FilterFunction{}
	for _, name := range filterNames {
		fn, ok := builtins.Filters.Get(name)
		if !ok {
			continue
		}
		filters[name] = func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
			if in.IsError() {
				return fn(e, in, params)
			}
			if !argsOK(params) {
				return exec.AsValue(errArgument)
			}
			if err := b.predictFilter(name, in, params); err != nil {
				return exec.AsValue(err)
			}
			return b.checked(fn(e, in, params))
		}
	}
	return exec.NewFilterSet(filters)
}

// filterNames are the filters messages may use: gonja's builtins.
var filterNames = []string{
	"abs", "attr", "batch", "capitalize", "center", "default", "d", "dictsort", "e", "escape",
	"filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join",
	"items", "last", "length", "count", "list", "lower", "map", "max", "min", "pprint", "random",
	"rejectattr", "reject", "replace", "reverse", "round", "safe", "selectattr", "select", "slice",
	"sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
	"urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
}

// immutableMethods are gonja's methods without those that change a value
// in place (list.append, dict.update...), as Jinja's ImmutableSandboxedEnvironment,
// and without str.format/format_map whose format specs can pad to any width.
func immutableMethods(b *budget) exec.Methods {
	return exec.Methods{
		Bool:  pick(b, methods.All.Bool, "string", "int", "bit_length", "bit_count", "as_integer_ratio"),
		Int:   pick(b, methods.All.Int, "is_integer", "bit_length", "bit_count", "as_integer_ratio"),
		Float: pick(b, methods.All.Float, "is_integer", "as_integer_ratio", "hex"),
		Str: pick(b, methods.All.Str, "capitalize", "capwords", "casefold", "center", "count", "endswith",
			"expandtabs", "find", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "islower",
			"isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip",
			"partition", "removeprefix", "removesuffix", "replace", "rfind", "rjust", "rpartition", "rsplit",
			"rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"),
		Dict: pick(b, methods.All.Dict, "keys", "values", "items", "get", "copy"),
		List: pick(b, methods.All.List, "copy"),
	}
}

// pick keeps the named methods, each with its arguments capped and
// measured and its result measured; the object itself was measured before
// gonja saw it (see rewriter.after).
func pick[I any](b *budget, src *exec.MethodSet[I], names ...string) *exec.MethodSet[I] {
	out := map[string]exec.Method[I]{}
	for _, name := range names {
		m, ok := src.Get(name)
		if !ok {
			continue
		}
		out[name] = func(self I, selfValue *exec.Value, args *exec.VarArgs) (any, error) {
			if !argsOK(args) {
				return nil, errArgument
			}
			if err := b.predictMethod(name, selfValue, args); err != nil {
				return nil, err
			}
			result, err := m(self, selfValue, args)
			if err != nil {
				return result, err
			}
			if _, err := b.measure(exec.AsValue(result)); err != nil {
				return nil, err
			}
			return result, nil
		}
	}
	return exec.NewMethodSet(out)
}
