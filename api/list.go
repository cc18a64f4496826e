package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/herald-notify/herald"
)

const (
	defaultPageSize = 25
	maxPageSize     = 200
)

// reserved query parameters that are not filters.
var reserved = map[string]bool{"page": true, "page_size": true, "order_by": true, "search": true, "format": true, "trigger": true, "cascade": true}

// parseList reads pagination, ordering, search and filters from the query string.
func parseList(r *http.Request) (herald.Query, int, int, error) {
	v := r.URL.Query()
	page, size := 1, defaultPageSize
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return herald.Query{}, 0, 0, herald.FieldError("page", "A valid positive integer is required.")
		}
		page = n
	}
	if p := v.Get("page_size"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return herald.Query{}, 0, 0, herald.FieldError("page_size", "A valid positive integer is required.")
		}
		size = min(n, maxPageSize)
	}
	q := herald.Query{Search: v.Get("search"), Limit: size, Offset: (page - 1) * size}
	for _, o := range strings.Split(v.Get("order_by"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			q.OrderBy = append(q.OrderBy, o)
		}
	}
	for key, vals := range v {
		if reserved[key] {
			continue
		}
		field, op, _ := strings.Cut(key, "__")
		if field == "notification_configuration" {
			return q, 0, 0, herald.Errorf(herald.EFORBIDDEN, "Filtering on notification_configuration is not allowed.")
		}
		switch op {
		case "", "exact":
			q.Filters = append(q.Filters, herald.Filter{Field: field, Op: "exact", Values: vals[:1]})
		case "icontains":
			q.Filters = append(q.Filters, herald.Filter{Field: field, Op: "icontains", Values: vals[:1]})
		case "in":
			q.Filters = append(q.Filters, herald.Filter{Field: field, Op: "in", Values: strings.Split(vals[0], ",")})
		default:
			return q, 0, 0, herald.FieldError(key, "Unsupported lookup '%s'; use exact, icontains or in.", op)
		}
	}
	return q, page, size, nil
}

// writePage answers a list in the API's envelope; a page past the end is a 404.
func (s *server) writePage(w http.ResponseWriter, r *http.Request, page, size, count int, results []any) {
	if page > 1 && (page-1)*size >= count {
		detail(w, http.StatusNotFound, "Invalid page.")
		return
	}
	if results == nil {
		results = []any{}
	}
	link := func(p int) any {
		u := url.URL{Path: r.URL.Path}
		v := r.URL.Query()
		v.Set("page", strconv.Itoa(p))
		u.RawQuery = v.Encode()
		return u.String()
	}
	var next, prev any
	if page*size < count {
		next = link(page + 1)
	}
	if page > 1 {
		prev = link(page - 1)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": count, "next": next, "previous": prev, "results": results})
}

// listHandler is the shape of every list: parse the query, fetch, render.
func listHandler[T, R any](s *server, fetch func(ctx context.Context, q herald.Query) ([]T, int, error), render func(r *http.Request, item T) R) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, page, size, err := parseList(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		items, count, err := fetch(r.Context(), q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		results := make([]any, len(items))
		for i, it := range items {
			results[i] = render(r, it)
		}
		s.writePage(w, r, page, size, count, results)
	}
}

// getHandler is the shape of every detail: the path's id, fetch, render.
func getHandler[T, R any](s *server, fetch func(ctx context.Context, id int64) (T, error), render func(r *http.Request, item T) R) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		item, err := fetch(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, render(r, item))
	}
}
