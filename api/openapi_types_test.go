package api_test

import (
	"net/http"
	"reflect"
	"sort"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/notify/registry"
)

// The console builds its choice of types from this list, so it must be the
// registry's, whole and sorted.
func TestOpenAPIListsTheNotifierTypes(t *testing.T) {
	s := heraldtest.Start(t, heraldtest.Options{})
	info, _ := s.Must(http.StatusOK, "GET", "/api/v1/openapi.json", nil)["info"].(map[string]any)
	var want []any
	var names []string
	for name := range registry.Types() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, n := range names {
		want = append(want, n)
	}
	if got := info["x-herald-notifier-types"]; !reflect.DeepEqual(got, want) {
		t.Errorf("x-herald-notifier-types = %v, want %v", got, want)
	}
}
