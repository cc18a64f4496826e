package ordered

import (
	"bytes"
	"encoding/json"
	"testing"
)

// appendString writes exactly what encoding/json writes with HTML escaping
// off, so that ordered objects read as everything else Herald writes.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quo"te \ back`, "tab\tnew\nline\r\b\f\x00\x1f", "<>&", "héllo ✓ 🎉",
		"bad \xff utf8 \xc3", "line\u2028para\u2029", "\x7f del"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := appendString(nil, s); string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("appendString(%q) = %s, encoding/json writes %s", s, got, want.Bytes())
		}
	})
}

func TestObjectKeepsOrderAndReplaces(t *testing.T) {
	var id int64 = 7
	o := Pairs("b", "x", "a", &id)
	o.Set("n", nil)
	o.Set("nested", Pairs("k", true, "f", 1.5, "m", map[string]int{"<&>": 1}))
	o.Set("b", 2) // replaced in place
	got, err := o.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":2,"a":7,"n":null,"nested":{"k":true,"f":1.5,"m":{"<&>":1}}}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
