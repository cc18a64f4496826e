package api

import (
	"net/http"
	"testing"
)

// TestOpenAPIHasEveryRoute: every method of every route that routes.go
// registers is described by the operations table. A route added without its
// line there fails here (and shows as "Undocumented" in the document).
func TestOpenAPIHasEveryRoute(t *testing.T) {
	s := &server{Config: Config{Metrics: http.NotFoundHandler()}}
	mux := newRouter()
	s.routes(mux)
	if len(*mux.table) < 40 {
		t.Fatalf("only %d routes recorded", len(*mux.table))
	}
	for _, rt := range *mux.table {
		for _, m := range rt.methods {
			if op, ok := describe(m, rt.path); !ok || op.Summary == "" {
				t.Errorf("%s %s is registered but not described in operations (api/openapi.go)", m, rt.path)
			}
		}
	}
	// The check itself can fail: a route nobody described is found.
	handle(mux, "/api/v1/nosuch/{id}/frobnicate/", map[string]http.HandlerFunc{"POST": notFoundHandler})
	last := (*mux.table)[len(*mux.table)-1]
	if _, ok := describe("POST", last.path); ok {
		t.Fatal("describe found an operation for a route that has none")
	}
}
