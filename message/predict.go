package message

import (
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Most filters and methods make a result at most a few times the size of
// their input and arguments, which are already within MaxValueSize; the
// result is then measured. These make results that multiply sizes (a
// separator per item, an indent per line, a replacement per match), so
// their result is predicted before gonja builds it.

// itemizing filters turn a string into one value per character.
var itemizing = map[string]bool{
	"batch": true, "dictsort": true, "first": true, "groupby": true, "items": true, "join": true,
	"last": true, "list": true, "map": true, "max": true, "min": true, "random": true, "reject": true,
	"rejectattr": true, "reverse": true, "select": true, "selectattr": true, "slice": true,
	"sort": true, "sum": true, "unique": true, "xmlattr": true,
}

func (b *budget) predictFilter(name string, in *exec.Value, params *exec.VarArgs) error {
	m, err := b.measure(in)
	if err != nil {
		return err
	}
	_, largest, err := b.sizes(params)
	if err != nil {
		return err
	}
	size, count := float64(m.size), float64(m.count)
	if in.IsString() && itemizing[name] && len(in.String()) > maxItems {
		return errItems
	}
	s := ""
	if in.IsString() {
		s = in.String()
	}
	switch name {
	case "join":
		return within(size + count*float64(largest))
	case "replace":
		return within(replaced(s, arg(params, 0, "old"), arg(params, 1, "new")))
	case "indent":
		width := 4.0
		if w := arg(params, 0, "width"); w != nil {
			width = float64(len(w.String()))
			if w.IsInteger() {
				width = float64(w.Integer())
			}
		}
		return within(size + float64(strings.Count(s, "\n")+1)*width)
	case "format":
		// Each verb prints at most the largest argument, padded to the
		// largest number in the format (Go caps widths at 1e6).
		return within(size + float64(strings.Count(s, "%"))*(float64(largest)+2*largestNumber(s)))
	case "tojson", "pprint":
		indent := 2.0
		if name == "tojson" {
			indent = 0
			if i := arg(params, -1, "indent"); i != nil && i.IsInteger() {
				indent = float64(i.Integer())
			}
		}
		// JSON escapes a byte as up to 6; each element gets a line indented
		// once per level of nesting.
		return within(6*size + count*(float64(m.depth)*indent+8))
	case "urlize":
		// A link takes at least 4 bytes of input and gets target and rel.
		return within(3*size + (size/4+1)*(float64(largest)+64))
	}
	return nil
}

func (b *budget) predictMethod(name string, self *exec.Value, params *exec.VarArgs) error {
	total, largest, err := b.sizes(params)
	if err != nil {
		return err
	}
	if !self.IsString() {
		return nil
	}
	s := self.String()
	switch name {
	case "join":
		var items float64
		if it := arg(params, 0, "iterable"); it != nil {
			m, err := b.measure(it)
			if err != nil {
				return err
			}
			items = float64(m.count)
		}
		return within(float64(total) + items*float64(len(s)))
	case "replace":
		return within(replaced(s, arg(params, 0, "old"), arg(params, 1, "new")))
	case "expandtabs":
		return within(float64(len(s)) + float64(strings.Count(s, "\t")+1)*float64(largest+maxArgument))
	case "split", "rsplit", "splitlines":
		pieces := len(s)/2 + 1
		if sep := arg(params, 0, "sep"); sep != nil && sep.IsString() && sep.String() != "" {
			pieces = strings.Count(s, sep.String()) + 1
		}
		if name == "splitlines" {
			pieces = strings.Count(s, "\n") + strings.Count(s, "\r") + 1
		}
		if pieces > maxItems {
			return errItems
		}
	}
	return nil
}

// replaced is the length of s with every old replaced by new; an empty old
// matches between every two characters.
func replaced(s string, old, new *exec.Value) float64 {
	if old == nil || new == nil {
		return float64(len(s))
	}
	o, n := old.String(), float64(len(new.String()))
	if o == "" {
		return float64(len(s)) + float64(len(s)+1)*n
	}
	return float64(len(s)) + float64(strings.Count(s, o))*n
}

// arg is the positional argument i (-1: none) or the keyword argument name.
func arg(params *exec.VarArgs, i int, name string) *exec.Value {
	if v, ok := params.KwArgs[name]; ok {
		return v
	}
	if i >= 0 && i < len(params.Args) {
		return params.Args[i]
	}
	return nil
}

// largestNumber is the largest run of digits in s, as a width or precision.
func largestNumber(s string) float64 {
	largest, run := 0.0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		if run > 0 {
			n, err := strconv.ParseFloat(s[i-run:i], 64)
			if err == nil && n > largest {
				largest = n
			}
		}
		run = 0
	}
	return min(largest, 1e6)
}
