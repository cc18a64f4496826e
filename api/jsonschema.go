package api

import (
	"reflect"
	"strings"
	"time"
	"unicode"
)

// schema is a JSON Schema (the dialect of OpenAPI 3.1) as the document shows it.
type schema = map[string]any

// schemas builds JSON Schemas from Go types by reflection, as encoding/json
// would write them: struct fields by their json tags (embedded structs
// flattened), pointers nullable, time.Time a date-time string. Named
// struct types become components, referenced by $ref. Two tags refine a
// field: `required:"true"` (for request bodies; every field of an answer
// is always present) and `enum:"a,b"`.
type schemas struct {
	components map[string]schema
}

func newSchemas() *schemas { return &schemas{components: map[string]schema{}} }

var timeType = reflect.TypeFor[time.Time]()

// of is the schema of v's type.
func (s *schemas) of(v any) schema { return s.typ(reflect.TypeOf(v)) }

func (s *schemas) typ(t reflect.Type) schema {
	switch {
	case t == nil:
		return schema{}
	case t == timeType:
		return schema{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(s.typ(t.Elem()))
	case reflect.Interface:
		return schema{} // any JSON value
	case reflect.Bool:
		return schema{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return schema{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return schema{"type": "number"}
	case reflect.String:
		return schema{"type": "string"}
	case reflect.Slice, reflect.Array:
		return schema{"type": "array", "items": s.typ(t.Elem())}
	case reflect.Map:
		return schema{"type": "object", "additionalProperties": s.typ(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t)
		}
		name := componentName(t)
		if _, done := s.components[name]; !done {
			s.components[name] = schema{} // placeholder against recursion
			s.components[name] = s.object(t)
		}
		return ref(name)
	}
	panic("jsonschema: no schema for " + t.String())
}

// object is a struct's schema, its fields as encoding/json writes them.
func (s *schemas) object(t reflect.Type) schema {
	props := schema{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := s.typ(f.Type)
			if e := f.Tag.Get("enum"); e != "" {
				p = withEnum(p, strings.Split(e, ","))
			}
			if d := f.Tag.Get("doc"); d != "" {
				p = withDescription(p, d)
			}
			props[name] = p
			if f.Tag.Get("required") == "true" {
				required = append(required, name)
			}
		}
	}
	walk(t)
	out := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

// componentName is a Go type's name as a component: herald.HostCounts is
// HostCounts; the api package's notifierDoc is Notifier.
func componentName(t reflect.Type) string {
	n := strings.TrimSuffix(t.Name(), "Doc")
	r := []rune(n)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

// nullable admits null besides what sc admits.
func nullable(sc schema) schema {
	if t, ok := sc["type"].(string); ok && len(sc) <= 2 {
		out := schema{}
		for k, v := range sc {
			out[k] = v
		}
		out["type"] = []string{t, "null"}
		return out
	}
	return schema{"anyOf": []any{sc, schema{"type": "null"}}}
}

func withEnum(sc schema, values []string) schema {
	out := schema{}
	for k, v := range sc {
		out[k] = v
	}
	vals := make([]any, len(values))
	for i, v := range values {
		vals[i] = v
	}
	if t, ok := sc["type"].([]string); ok && len(t) == 2 && t[1] == "null" {
		vals = append(vals, nil)
	}
	out["enum"] = vals
	return out
}

func withDescription(sc schema, d string) schema {
	if _, isRef := sc["$ref"]; isRef {
		return schema{"allOf": []any{sc}, "description": d}
	}
	out := schema{"description": d}
	for k, v := range sc {
		out[k] = v
	}
	return out
}
