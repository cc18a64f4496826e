package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// TestInvalidUTF8Body: JSON is UTF-8, so a body with bytes that are not is a
// 400 on every endpoint that takes one, and changes nothing; before, the
// decoder turned them into U+FFFD and stored a name other than the one sent.
func TestInvalidUTF8Body(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	f := newFixture(t, s, "utf8")
	job := launch(t, s, kindCases[0], f)
	for name, body := range map[string]string{
		"a stray byte in a value":  "{\"name\": \"bad\xffname\"}",
		"in a key":                 "{\"na\xfeme\": \"x\"}",
		"an overlong slash":        "{\"name\": \"\xc0\xaf\"}",
		"an encoded surrogate":     "{\"name\": \"\xed\xa0\x80\"}",
		"a cut multi-byte rune":    "{\"name\": \"caf\xc3\"}",
		"Latin-1 instead of UTF-8": "{\"name\": \"caf\xe9\"}",
	} {
		t.Run(name, func(t *testing.T) {
			for _, e := range writeEndpoints(f, job) {
				r := s.Do(e.method, e.path, []byte(body))
				if r.Status != http.StatusBadRequest {
					t.Fatalf("%s %s: %d %s, want 400", e.method, e.path, r.Status, r.Body)
				}
				requireClean(t, r)
				if d, _ := r.JSON()["detail"].(string); !strings.HasPrefix(d, "JSON parse error - ") || !strings.Contains(d, "UTF-8") {
					t.Fatalf("%s %s: detail %q, want a JSON parse error naming UTF-8", e.method, e.path, d)
				}
			}
		})
	}
	if l := must(t, s, http.StatusOK, "GET", "/api/v1/organizations/?name__icontains=bad", nil); num(l["count"]) != 0 {
		t.Errorf("a refused body made an organization: %v", l)
	}
	// Text beyond ASCII in valid UTF-8 is of course fine.
	o := must(t, s, http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Café ☕ 運用"})
	if o["name"] != "Café ☕ 運用" {
		t.Fatalf("name = %q", o["name"])
	}
}
