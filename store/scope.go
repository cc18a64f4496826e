package store

import (
	"strings"

	"github.com/herald-notify/herald"
)

// scopeSQL turns a scope into a condition on the listed table: a row is
// kept when any term matches, and a scope with no terms keeps nothing.
// col maps a term's column to SQL (the list's own names, with its aliases).
func scopeSQL(sc herald.Scope, col func(string) string) (string, []any) {
	var or []string
	var args []any
	for _, t := range sc.Terms {
		var cond string
		var termArgs []any
		if t.Kind != "" {
			termArgs = append(termArgs, string(t.Kind))
		}
		switch {
		case t.Sub != nil:
			sub, subArgs := scopeSQL(t.Sub.Scope, rawColumn)
			cond = col(t.Column) + " IN (SELECT id FROM " + t.Sub.Table + " WHERE " + sub + ")"
			termArgs = append(termArgs, subArgs...)
		case len(t.IDs) == 0:
			continue
		default:
			cond = col(t.Column) + " IN (" + marks(len(t.IDs)) + ")"
			for _, id := range t.IDs {
				termArgs = append(termArgs, id)
			}
		}
		if t.Kind != "" {
			cond = "(" + col("kind") + " = ? AND " + cond + ")"
		}
		or = append(or, cond)
		args = append(args, termArgs...)
	}
	if len(or) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

func rawColumn(c string) string { return c }

// scopeColumn names a column of l for a scope: its list column where it has
// one (with the list's table alias), else the column itself.
func (l *listSpec) scopeColumn(c string) string {
	if lc, ok := l.cols[c]; ok {
		return lc.sql
	}
	return c
}
