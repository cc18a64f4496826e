package message

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Memory limits of one render. gonja builds values with no bound ('x' *
// 10**9, a ~ a doubled, [a, a] nested, lists joined), so every place that
// can build or print a large value first estimates its size and fails the
// render instead: the error text becomes the message, as in AWX.
const (
	MaxValueSize = 1 << 20  // estimated bytes of any one value, printed or held
	maxWritten   = 8 << 20  // bytes written by one render, captured blocks included
	maxItems     = 100000   // pieces a string may be cut into (list, split...)
	maxSizeDepth = 200      // nesting of a value; deeper counts as too large
	maxSizeSteps = 20000000 // elements visited by size estimates of one render (CPU)
)

var (
	errValueSize = fmt.Errorf("a value would be larger than %d bytes", MaxValueSize)
	errWritten   = fmt.Errorf("template writes more than %d bytes in all", maxWritten)
	errItems     = fmt.Errorf("a string would be cut into more than %d pieces", maxItems)
	errSizeSteps = errors.New("template inspects too many values")
)

// measure is what a size estimate found.
type measure struct {
	size  int // upper bound of the bytes the value takes and prints as
	count int // elements (list items, dict pairs, scalars)
	depth int // nesting
}

// measure estimates v without ever building its text. It stops, reporting
// false, as soon as the estimate passes MaxValueSize, so a value that shares
// itself ([a, a] nested 40 times) or contains itself costs little to refuse.
func (b *budget) measure(v *exec.Value) (measure, error) {
	m := measure{}
	if v == nil {
		return m, nil
	}
	if !b.walk(v.Val, &m, 1) {
		return m, errValueSize
	}
	if b.sizeSteps.Load() > maxSizeSteps {
		return m, errSizeSteps
	}
	return m, nil
}

var (
	typeValue = reflect.TypeFor[exec.Value]()
	typeDict  = reflect.TypeFor[exec.Dict]()
	typePair  = reflect.TypeFor[exec.Pair]()
)

// walk adds v's estimate to m: at least the length of the text gonja prints
// for it (quotes and separators included). Every element counts at least 4
// bytes, so a value within the limit also holds few enough elements to be
// small in memory.
func (b *budget) walk(v reflect.Value, m *measure, depth int) bool {
	if depth > maxSizeDepth || b.sizeSteps.Add(1) > maxSizeSteps {
		return false
	}
	m.depth = max(m.depth, depth)
	m.count++
	switch v.Kind() {
	case reflect.Invalid:
		m.size += 4 // None
	case reflect.Pointer, reflect.Interface:
		m.count-- // the element is what it points to
		if !v.IsNil() {
			return b.walk(v.Elem(), m, depth)
		}
	case reflect.String:
		m.size += v.Len()
	case reflect.Bool:
		m.size += 5
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		m.size += len(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		m.size += len(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		m.size += 40 // gonja prints up to 16 digits before the point without an exponent
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			m.size += v.Len() + 3
			break
		}
		for i := range v.Len() {
			m.size += 4 // quotes and separator
			if m.size > MaxValueSize || !b.walk(v.Index(i), m, depth+1) {
				return false
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			m.size += 8 // quotes and separators
			if m.size > MaxValueSize || !b.walk(it.Key(), m, depth+1) || !b.walk(it.Value(), m, depth+1) {
				return false
			}
		}
	case reflect.Struct:
		switch v.Type() {
		case typeValue:
			m.count--
			if rv := v.Field(0); rv.CanInterface() {
				return b.walk(rv.Interface().(reflect.Value), m, depth)
			}
		case typeDict, typePair:
			// Exported fields only: Pairs, or Key and Value.
			for i := range v.NumField() {
				if !b.walk(v.Field(i), m, depth+1) {
					return false
				}
			}
		default:
			m.size += 64 // loop, cycler, joiner: they print their type's name
		}
	default:
		m.size += 64 // functions print as their type
	}
	return m.size <= MaxValueSize
}

// checked returns v, or an error value when v is too large to print or keep.
func (b *budget) checked(v *exec.Value) *exec.Value {
	if v == nil || v.IsError() {
		return v
	}
	if _, err := b.measure(v); err != nil {
		return exec.AsValue(err)
	}
	return v
}

// sizes measures every argument, failing on the first too large.
func (b *budget) sizes(params *exec.VarArgs) (total, largest int, err error) {
	add := func(v *exec.Value) error {
		m, err := b.measure(v)
		total += m.size
		largest = max(largest, m.size)
		return err
	}
	for _, a := range params.Args {
		if err := add(a); err != nil {
			return 0, 0, err
		}
	}
	for _, a := range params.KwArgs {
		if err := add(a); err != nil {
			return 0, 0, err
		}
	}
	return total, largest, nil
}

// within reports an error when a predicted size passes MaxValueSize; the
// caller predicts in int64 terms so products cannot overflow.
func within(predicted float64) error {
	if predicted > MaxValueSize {
		return errValueSize
	}
	return nil
}

// budgetWriter charges every write of a render, including those into the
// buffers of macros, {% set %} blocks, {% filter %} and {% call %}, which
// gonja grows without bound.
type budgetWriter struct {
	w io.Writer
	b *budget
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	if w.b.written.Add(int64(len(p))) > maxWritten {
		return 0, errWritten
	}
	return w.w.Write(p)
}

// limitError is the limit a render ran into, alone: gonja wraps an error
// once per enclosing expression and statement, which says nothing more
// about a value too large. Other errors keep their text.
func limitError(err error) error {
	text := err.Error()
	for _, limit := range []error{errValueSize, errWritten, errItems, errSizeSteps} {
		if strings.Contains(text, limit.Error()) {
			return limit
		}
	}
	return shortError{err}
}
