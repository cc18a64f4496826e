package herald

// Query selects a page of a list: filters, search, order and window, as the
// API's query string gives them, and the scope of what the caller may see.
type Query struct {
	Filters []Filter
	Search  string
	OrderBy []string // field names, "-" first for descending
	Limit   int
	Offset  int
	// Scope, when not nil, keeps only the rows the caller may see.
	Scope *Scope
}

// Filter is one ?field=, ?field__icontains= or ?field__in= condition.
type Filter struct {
	Field  string
	Op     string // "exact", "icontains", "in"
	Values []string
}

// Scope keeps the rows that match any of its terms; a Scope with no terms
// keeps nothing. The application layer builds it from the caller's roles.
type Scope struct {
	Terms []ScopeTerm
}

// ScopeTerm matches rows whose Column is one of IDs, or, with Sub, whose
// Column is the id of a row of Sub.Table that Sub.Scope keeps. Kind, when
// set, also requires the row to be a job of that kind. Column names come
// from code, never from a request.
type ScopeTerm struct {
	Column string
	IDs    []int64
	Sub    *SubScope
	Kind   JobKind
}

// SubScope is a scope over another table, for terms that go through a parent.
type SubScope struct {
	Table string
	Scope Scope
}
