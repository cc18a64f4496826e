package app

import (
	"context"
	"fmt"

	"github.com/herald-notify/herald"
)

// ListObjects returns the page of objects of type t the caller may see.
func (a *App) ListObjects(ctx context.Context, t *herald.ObjectType, q herald.Query) ([]herald.Record, int, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, 0, err
	}
	q.Scope = ac.objectScope(t.Name)
	return a.store.ListObjects(ctx, t, q)
}

// GetObject returns an object the caller may see.
func (a *App) GetObject(ctx context.Context, t *herald.ObjectType, id int64) (herald.Record, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	return a.readable(ctx, ac, t, id)
}

// readable reads an object and checks that the caller sees it (404 if not).
func (a *App) readable(ctx context.Context, ac *access, t *herald.ObjectType, id int64) (herald.Record, error) {
	rec, err := a.store.GetObject(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if ok, err := ac.object(ctx, t, rec, "read"); err != nil || !ok {
		return nil, firstErr(err, notFound)
	}
	return rec, nil
}

// holding reads an object the caller sees and checks that it holds role on
// it: 404 for what it cannot see, 403 for what it sees but may not do.
func (a *App) holding(ctx context.Context, ac *access, t *herald.ObjectType, id int64, role string) (herald.Record, error) {
	rec, err := a.readable(ctx, ac, t, id)
	if err != nil {
		return nil, err
	}
	if ok, err := ac.object(ctx, t, rec, role); err != nil || !ok {
		return nil, firstErr(err, forbidden)
	}
	return rec, nil
}

// ObjectName returns the name of an object or notifier ("" when gone), for
// the names an answer shows beside the ids it links.
func (a *App) ObjectName(ctx context.Context, collection string, id int64) string {
	return a.store.ObjectName(ctx, collection, id)
}

// checkRefs refuses references to objects the caller cannot see, as if
// they did not exist.
func (a *App) checkRefs(ctx context.Context, ac *access, t *herald.ObjectType, values map[string]any) error {
	problems := map[string][]string{}
	for _, f := range t.Fields {
		id, ok := values[f.Name].(int64)
		if f.Kind != herald.RefField || !ok {
			continue
		}
		if _, err := a.readable(ctx, ac, herald.ObjectTypeByCollection(f.Ref), id); err != nil {
			if herald.ErrorCode(err) != herald.ENOTFOUND {
				return err
			}
			problems[f.Name] = []string{fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", id)}
		}
	}
	if len(problems) > 0 {
		return herald.FieldErrors(problems)
	}
	return nil
}

// CreateObject creates an object; the admin of its organization may.
func (a *App) CreateObject(ctx context.Context, t *herald.ObjectType, values map[string]any) (herald.Record, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.checkRefs(ctx, ac, t, values); err != nil {
		return nil, err
	}
	if ok, err := ac.mayCreate(ctx, t, values); err != nil || !ok {
		return nil, firstErr(err, forbidden)
	}
	return a.store.CreateObject(ctx, t, values)
}

// UpdateObject changes an object; its admin may, and a move to another
// parent needs the right to create it there.
func (a *App) UpdateObject(ctx context.Context, t *herald.ObjectType, id int64, values map[string]any) (herald.Record, error) {
	ac, err := a.writer(ctx)
	if err != nil {
		return nil, err
	}
	old, err := a.holding(ctx, ac, t, id, "admin")
	if err != nil {
		return nil, err
	}
	if err := a.checkRefs(ctx, ac, t, values); err != nil {
		return nil, err
	}
	moved := map[string]any{}
	for _, f := range t.Fields {
		if v, ok := values[f.Name]; ok && f.Kind == herald.RefField && v != old[f.Name] {
			moved[f.Name] = v
		}
	}
	if len(moved) > 0 {
		merged := map[string]any{}
		for k, v := range old {
			merged[k] = v
		}
		for k, v := range moved {
			merged[k] = v
		}
		if ok, err := ac.mayCreate(ctx, t, merged); err != nil || !ok {
			return nil, firstErr(err, forbidden)
		}
	}
	return a.store.UpdateObject(ctx, t, id, values)
}

// DeleteObject deletes an object; its admin may.
func (a *App) DeleteObject(ctx context.Context, t *herald.ObjectType, id int64, cascade bool) error {
	ac, err := a.writer(ctx)
	if err != nil {
		return err
	}
	if _, err := a.holding(ctx, ac, t, id, "admin"); err != nil {
		return err
	}
	return a.store.DeleteObject(ctx, t, id, cascade)
}
