package notify

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Validate checks a configuration against spec and returns it normalised
// (defaults filled in, ints as int64, lists as []string, objects as
// map[string]string), with every problem found, not just the first.
func Validate(spec *Spec, raw map[string]any) (Config, []string) {
	var problems, missing []string
	out := make(Config, len(spec.Fields))
	known := make(map[string]bool, len(spec.Fields))
	typed := true
	for _, f := range spec.Fields {
		known[f.Key] = true
		v, ok := raw[f.Key]
		if !ok || v == nil {
			switch {
			case f.Default != nil:
				out[f.Key] = cloneDefault(f.Default)
			case f.Required:
				missing = append(missing, f.Key)
			}
			continue
		}
		nv, ok := convert(f.Kind, v)
		if !ok {
			problems = append(problems, fmt.Sprintf("Configuration field '%s' incorrect type, expected %s.", f.Key, f.Kind))
			typed = false
			continue
		}
		if f.Kind == List && f.Required && len(nv.([]string)) == 0 {
			problems = append(problems, fmt.Sprintf("Configuration field '%s' must not be an empty list.", f.Key))
			typed = false
			continue
		}
		out[f.Key] = nv
	}
	var unknown []string
	for k := range raw {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		problems = append(problems, fmt.Sprintf("Unknown configuration field '%s'.", k))
	}
	if len(missing) > 0 {
		problems = append([]string{fmt.Sprintf("Missing required fields for Notification Configuration: %s.", strings.Join(missing, ", "))}, problems...)
	}
	if typed && len(missing) == 0 && spec.Check != nil {
		problems = append(problems, spec.Check(out)...)
	}
	return out, problems
}

func cloneDefault(v any) any {
	switch d := v.(type) {
	case []string:
		return append([]string{}, d...)
	case map[string]string:
		m := make(map[string]string, len(d))
		for k, x := range d {
			m[k] = x
		}
		return m
	}
	return v
}

// convert checks v against kind and returns it in its normal Go type.
// The check is exact, as AWX's: a bool is not an int, a number is not a string.
func convert(kind Kind, v any) (any, bool) {
	switch kind {
	case String, Password:
		s, ok := v.(string)
		return s, ok
	case Bool:
		b, ok := v.(bool)
		return b, ok
	case Int:
		switch n := v.(type) {
		case float64:
			if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
				return nil, false
			}
			return int64(n), true
		case json.Number:
			i, err := n.Int64()
			return i, err == nil && exactInFloat(i)
		case int64:
			return n, exactInFloat(n)
		case int:
			return int64(n), exactInFloat(int64(n))
		}
		return nil, false
	case List:
		switch l := v.(type) {
		case []string:
			return l, true
		case []any:
			out := make([]string, 0, len(l))
			for _, x := range l {
				s, ok := x.(string)
				if !ok {
					return nil, false
				}
				out = append(out, s)
			}
			return out, true
		}
		return nil, false
	case Object:
		switch m := v.(type) {
		case map[string]string:
			return m, true
		case map[string]any:
			out := make(map[string]string, len(m))
			for k, x := range m {
				s, ok := x.(string)
				if !ok {
					return nil, false
				}
				out[k] = s
			}
			return out, true
		}
		return nil, false
	case ObjectList:
		var in []any
		switch l := v.(type) {
		case []map[string]string:
			return l, true
		case []any:
			in = l
		default:
			return nil, false
		}
		out := make([]map[string]string, 0, len(in))
		for _, x := range in {
			m, ok := convert(Object, x)
			if !ok {
				return nil, false
			}
			out = append(out, m.(map[string]string))
		}
		return out, true
	}
	return nil, false
}

// exactInFloat reports whether n survives the store's JSON round trip, which
// decodes numbers as float64: the same bound the float64 case applies, so a
// config accepted once is accepted again after it is stored.
func exactInFloat(n int64) bool { return n >= -1<<53 && n <= 1<<53 }

// CheckURL reports a problem when c[key] is set and is not an absolute http(s) URL.
func CheckURL(c Config, key string) []string {
	v := c.String(key)
	if v == "" {
		if _, ok := c[key]; ok {
			return []string{fmt.Sprintf("Configuration field '%s' must not be empty.", key)}
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []string{fmt.Sprintf("Configuration field '%s' must be an absolute http or https URL.", key)}
	}
	return nil
}

// CheckPort reports a problem when c[key] is not in 1–65535.
func CheckPort(c Config, key string) []string {
	if p := c.Int(key); p < 1 || p > 65535 {
		return []string{fmt.Sprintf("Configuration field '%s' must be a port number between 1 and 65535.", key)}
	}
	return nil
}

// CheckEmail reports a problem when addr is not a bare e-mail address.
func CheckEmail(key, addr string) []string {
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != strings.TrimSpace(addr) && a.Name == "" {
		return []string{fmt.Sprintf("Configuration field '%s': %q is not a valid e-mail address.", key, addr)}
	}
	return nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// CheckE164 reports a problem when number is not an E.164 phone number (+15556667777).
func CheckE164(key, number string) []string {
	if !e164.MatchString(number) {
		return []string{fmt.Sprintf("Configuration field '%s': %q is not an E.164 phone number (like +15556667777).", key, number)}
	}
	return nil
}

// CheckNotEmpty reports a problem when c[key] is a blank string.
func CheckNotEmpty(c Config, key string) []string {
	if strings.TrimSpace(c.String(key)) == "" {
		return []string{fmt.Sprintf("Configuration field '%s' must not be empty.", key)}
	}
	return nil
}

// Secrets lists spec's secret keys.
func (s *Spec) Secrets() []string {
	var out []string
	for _, f := range s.Fields {
		if f.Kind == Password {
			out = append(out, f.Key)
		}
	}
	return out
}
