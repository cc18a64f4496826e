package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/herald-notify/herald"
)

func objectList(t *herald.ObjectType) *listSpec {
	l := &listSpec{
		from:    t.Collection,
		cols:    map[string]column{"id": {"id", colInt}, "created": {"created", colTime}, "modified": {"modified", colTime}},
		search:  []string{"name", "description"},
		orderBy: "id ASC",
	}
	for _, f := range t.Fields {
		k := colText
		if f.Kind == herald.RefField {
			k = colInt
		}
		l.cols[f.Name] = column{f.Name, k}
	}
	return l
}

func objectColumns(t *herald.ObjectType) []string {
	cols := []string{"id", "created", "modified"}
	for _, f := range t.Fields {
		cols = append(cols, f.Name)
	}
	return cols
}

func scanObject(t *herald.ObjectType, sc interface{ Scan(...any) error }) (herald.Record, error) {
	var id, created, modified int64
	dest := []any{&id, &created, &modified}
	vals := make([]any, len(t.Fields))
	for i, f := range t.Fields {
		if f.Kind == herald.RefField {
			vals[i] = new(sql.NullInt64)
		} else {
			vals[i] = new(string)
		}
		dest = append(dest, vals[i])
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	r := herald.Record{"id": id, "created": fromMicros(created), "modified": fromMicros(modified)}
	for i, f := range t.Fields {
		switch v := vals[i].(type) {
		case *sql.NullInt64:
			if v.Valid {
				r[f.Name] = v.Int64
			} else {
				r[f.Name] = nil
			}
		case *string:
			r[f.Name] = *v
		}
	}
	return r, nil
}

// ListObjects returns a page of objects of type t and the total count.
func (s *Store) ListObjects(ctx context.Context, t *herald.ObjectType, q herald.Query) ([]herald.Record, int, error) {
	l := objectList(t)
	where, order, args, err := l.build(q)
	if err != nil {
		return nil, 0, err
	}
	var count int
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+l.from+where), args...).Scan(&count); err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+strings.Join(objectColumns(t), ", ")+" FROM "+l.from+where+order+window(q)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []herald.Record
	for rows.Next() {
		r, err := scanObject(t, rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, count, rows.Err()
}

// GetObject returns the object of type t with id.
func (s *Store) GetObject(ctx context.Context, t *herald.ObjectType, id int64) (herald.Record, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+strings.Join(objectColumns(t), ", ")+" FROM "+t.Collection+" WHERE id = ?"), id)
	r, err := scanObject(t, row)
	return r, notFound(err)
}

// ObjectName returns the name of the object or notifier with id in collection ("" when gone).
func (s *Store) ObjectName(ctx context.Context, collection string, id int64) string {
	if collection != "notifiers" && herald.ObjectTypeByCollection(collection) == nil {
		return ""
	}
	var name string
	s.r.QueryRowContext(ctx, s.q("SELECT name FROM "+collection+" WHERE id = ?"), id).Scan(&name)
	return name
}

// CreateObject stores a new object of type t. values holds its writable
// fields, already checked for types by the caller.
func (s *Store) CreateObject(ctx context.Context, t *herald.ObjectType, values map[string]any) (herald.Record, error) {
	var id int64
	err := s.tx(ctx, func(tx querier) error {
		if err := s.checkRefs(ctx, tx, t, values); err != nil {
			return err
		}
		s.deriveFields(ctx, tx, t, values)
		now := s.nowMicros()
		cols := []string{"created", "modified"}
		args := []any{now, now}
		for _, f := range t.Fields {
			if v, ok := values[f.Name]; ok {
				cols = append(cols, f.Name)
				args = append(args, v)
			}
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO "+t.Collection+" ("+strings.Join(cols, ", ")+") VALUES ("+ph+") RETURNING id"), args...).Scan(&id)
		return uniqueError(t, err)
	})
	if err != nil {
		return nil, err
	}
	return s.GetObject(ctx, t, id)
}

// UpdateObject changes the given fields of an object.
func (s *Store) UpdateObject(ctx context.Context, t *herald.ObjectType, id int64, values map[string]any) (herald.Record, error) {
	err := s.tx(ctx, func(tx querier) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM "+t.Collection+" WHERE id = ?"), id).Scan(&one); err != nil {
			return notFound(err)
		}
		if err := s.checkRefs(ctx, tx, t, values); err != nil {
			return err
		}
		s.deriveFields(ctx, tx, t, values)
		sets := []string{"modified = ?"}
		args := []any{s.nowMicros()}
		for _, f := range t.Fields {
			if v, ok := values[f.Name]; ok {
				sets = append(sets, f.Name+" = ?")
				args = append(args, v)
			}
		}
		args = append(args, id)
		_, err := tx.ExecContext(ctx, s.q("UPDATE "+t.Collection+" SET "+strings.Join(sets, ", ")+" WHERE id = ?"), args...)
		if err != nil {
			return uniqueError(t, err)
		}
		if t.Name == "project" { // a job template's organization is its project's
			_, err = tx.ExecContext(ctx, s.q("UPDATE job_templates SET organization = (SELECT organization FROM projects WHERE projects.id = job_templates.project) WHERE project = ?"), id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetObject(ctx, t, id)
}

// deriveFields fills read-only fields computed from others.
func (s *Store) deriveFields(ctx context.Context, tx querier, t *herald.ObjectType, values map[string]any) {
	if t.Name != "job_template" {
		return
	}
	if p, ok := values["project"]; ok {
		var org sql.NullInt64
		tx.QueryRowContext(ctx, s.q("SELECT organization FROM projects WHERE id = ?"), p).Scan(&org)
		if org.Valid {
			values["organization"] = org.Int64
		} else {
			values["organization"] = nil
		}
	}
}

// checkRefs turns references to missing objects into field errors.
func (s *Store) checkRefs(ctx context.Context, tx querier, t *herald.ObjectType, values map[string]any) error {
	problems := map[string][]string{}
	for _, f := range t.Fields {
		v, ok := values[f.Name]
		if f.Kind != herald.RefField || !ok || v == nil || f.ReadOnly {
			continue
		}
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM "+f.Ref+" WHERE id = ?"), v).Scan(&one); err != nil {
			problems[f.Name] = []string{fmt.Sprintf("Invalid pk \"%v\" - object does not exist.", v)}
		}
	}
	if len(problems) > 0 {
		return herald.FieldErrors(problems)
	}
	return nil
}

func uniqueError(t *herald.ObjectType, err error) error {
	if !isUnique(err) {
		return err
	}
	if t.UniqueWithin == "" {
		return herald.FieldError("name", "%s with this Name already exists.", t.Title)
	}
	within := t.Field(t.UniqueWithin)
	return herald.FieldError("__all__", "%s with this %s and Name already exists.", t.Title, titleCase(within.Name))
}

func titleCase(s string) string {
	words := strings.Split(s, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// children lists what refuses an organization's deletion without cascade.
var orgChildren = []struct{ table, what string }{
	{"projects", "projects"}, {"inventories", "inventories"}, {"notifiers", "notifiers"}, {"workflow_job_templates", "workflow job templates"},
}

// DeleteObject removes an object and its notifier attachments. An organization
// that still owns objects is refused unless cascade is set.
func (s *Store) DeleteObject(ctx context.Context, t *herald.ObjectType, id int64, cascade bool) error {
	return s.tx(ctx, func(tx querier) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM "+t.Collection+" WHERE id = ?"), id).Scan(&one); err != nil {
			return notFound(err)
		}
		if t.Name == "organization" && !cascade {
			var owned []string
			for _, c := range orgChildren {
				var n int
				if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+c.table+" WHERE organization = ?"), id).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					owned = append(owned, fmt.Sprintf("%d %s", n, c.what))
				}
			}
			if len(owned) > 0 {
				return herald.Errorf(herald.ECONFLICT, "Organization %d still owns %s; delete them first or use ?cascade=true.", id, strings.Join(owned, ", "))
			}
		}
		if t.Name == "organization" {
			var pending int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM notifications n JOIN notifiers r ON r.id = n.notifier WHERE r.organization = ? AND n.status = 'pending'"), id).Scan(&pending); err != nil {
				return err
			}
			if pending > 0 {
				return herald.Errorf(herald.ECONFLICT, "Organization %d has notifiers with %d notifications still being delivered.", id, pending)
			}
			// Its notifiers go by their foreign key; their notifications
			// have none on PostgreSQL (migration 00031).
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM notifications WHERE notifier IN (SELECT id FROM notifiers WHERE organization = ?)"), id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM "+t.Collection+" WHERE id = ?"), id); err != nil {
			return err
		}
		// Attachments point at objects of several tables, so no foreign key
		// removes them: drop those whose object is gone (this one and cascaded children).
		// Roles likewise.
		for _, ot := range herald.ObjectTypes {
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM roles WHERE resource_type = ? AND resource_id NOT IN (SELECT id FROM "+ot.Collection+")"), ot.Name); err != nil {
				return err
			}
			if !ot.Attachable() {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM attachments WHERE object_type = ? AND object_id NOT IN (SELECT id FROM "+ot.Collection+")"), ot.Name); err != nil {
				return err
			}
		}
		return nil
	})
}
