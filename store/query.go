package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald"
)

type colKind int

const (
	colText colKind = iota
	colInt
	colBool
	colTime
)

type column struct {
	sql  string
	kind colKind
}

// listSpec says which API fields of a list map to which columns.
type listSpec struct {
	from    string // table, with joins
	cols    map[string]column
	search  []string // columns searched by ?search=
	orderBy string   // default order
	where   string   // fixed condition, with ? args in whereArgs
}

// build returns the WHERE and ORDER BY clauses of q, with their arguments.
func (l *listSpec) build(q herald.Query, fixedArgs ...any) (where, order string, args []any, err error) {
	var conds []string
	if l.where != "" {
		conds = append(conds, l.where)
		args = append(args, fixedArgs...)
	}
	for _, f := range q.Filters {
		c, ok := l.cols[f.Field]
		if !ok {
			return "", "", nil, herald.FieldError(f.Field, "Unknown field for filtering: %s.", f.Field)
		}
		switch f.Op {
		case "exact":
			v, err := c.value(f.Field, f.Values[0])
			if err != nil {
				return "", "", nil, err
			}
			if v == nil {
				conds = append(conds, c.sql+" IS NULL")
			} else {
				conds = append(conds, c.sql+" = ?")
				args = append(args, v)
			}
		case "icontains":
			conds = append(conds, "LOWER("+c.sql+") LIKE ? ESCAPE '\\'")
			args = append(args, "%"+escapeLike(strings.ToLower(f.Values[0]))+"%")
		case "in":
			ph := make([]string, 0, len(f.Values))
			for _, raw := range f.Values {
				v, err := c.value(f.Field, raw)
				if err != nil {
					return "", "", nil, err
				}
				ph = append(ph, "?")
				args = append(args, v)
			}
			conds = append(conds, c.sql+" IN ("+strings.Join(ph, ",")+")")
		default:
			return "", "", nil, herald.FieldError(f.Field, "Unsupported lookup %q.", f.Op)
		}
	}
	if q.Scope != nil {
		cond, scopeArgs := scopeSQL(*q.Scope, l.scopeColumn)
		conds = append(conds, cond)
		args = append(args, scopeArgs...)
	}
	if q.Search != "" && len(l.search) > 0 {
		var or []string
		for _, col := range l.search {
			or = append(or, "LOWER("+col+") LIKE ? ESCAPE '\\'")
			args = append(args, "%"+escapeLike(strings.ToLower(q.Search))+"%")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var ord []string
	for _, o := range q.OrderBy {
		desc := strings.HasPrefix(o, "-")
		c, ok := l.cols[strings.TrimPrefix(o, "-")]
		if !ok {
			return "", "", nil, herald.FieldError("order_by", "Invalid field name for ordering: %s.", strings.TrimPrefix(o, "-"))
		}
		if desc {
			ord = append(ord, c.sql+" DESC")
		} else {
			ord = append(ord, c.sql+" ASC")
		}
	}
	ord = append(ord, l.orderBy)
	order = " ORDER BY " + strings.Join(ord, ", ")
	return where, order, args, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// value converts a filter value from the query string to the column's type.
func (c column) value(field, raw string) (any, error) {
	switch c.kind {
	case colInt:
		if raw == "null" || raw == "None" {
			return nil, nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, herald.FieldError(field, "A valid integer is required to filter on %s, got %q.", field, raw)
		}
		return n, nil
	case colBool:
		switch strings.ToLower(raw) {
		case "true", "1":
			return 1, nil
		case "false", "0":
			return 0, nil
		}
		return nil, herald.FieldError(field, "A valid boolean (true or false) is required to filter on %s, got %q.", field, raw)
	case colTime:
		if raw == "null" || raw == "None" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return nil, herald.FieldError(field, "A valid RFC 3339 time is required to filter on %s, got %q.", field, raw)
		}
		return micros(t), nil
	}
	return raw, nil
}

// window appends LIMIT and OFFSET.
func window(q herald.Query) string {
	if q.Limit <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", q.Limit, q.Offset)
}

// listRows answers a list of l: the page of rows that selectFrom reads,
// scanned by scan, and the count of all that match.
func listRows[T any](ctx context.Context, s *Store, l *listSpec, q herald.Query, selectFrom string, scan func(interface{ Scan(...any) error }) (T, error), fixed ...any) ([]T, int, error) {
	where, order, args, err := l.build(q, fixed...)
	if err != nil {
		return nil, 0, err
	}
	var count int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+l.from+where), args...).Scan(&count); err != nil {
		return nil, 0, err
	}
	var out []T
	err = scanRows(ctx, s.r, s.q(selectFrom+where+order+window(q)), args, func(rows *sql.Rows) error {
		v, err := scan(rows)
		out = append(out, v)
		return err
	})
	return out, count, err
}
