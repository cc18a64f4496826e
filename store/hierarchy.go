package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/herald-notify/herald"
)

// level is one object whose notifier lists a job collects.
type level struct {
	objectType string
	id         int64
}

// objectLevels returns the levels a job launched from the object collects
// (docs/api.md §5): the object, then up the hierarchy to its organization.
func (s *Store) objectLevels(ctx context.Context, db querier, objectType string, id int64) ([]level, error) {
	out := []level{{objectType, id}}
	var org, project sql.NullInt64
	var err error
	switch objectType {
	case "job_template":
		err = db.QueryRowContext(ctx, s.q("SELECT j.project, p.organization FROM job_templates j LEFT JOIN projects p ON p.id = j.project WHERE j.id = ?"), id).Scan(&project, &org)
		if project.Valid {
			out = append(out, level{"project", project.Int64})
		}
	case "project", "workflow_job_template":
		err = db.QueryRowContext(ctx, s.q("SELECT organization FROM "+herald.ObjectTypeByName(objectType).Collection+" WHERE id = ?"), id).Scan(&org)
	case "inventory_source":
		err = db.QueryRowContext(ctx, s.q("SELECT i.organization FROM inventory_sources s JOIN inventories i ON i.id = s.inventory WHERE s.id = ?"), id).Scan(&org)
	case "inventory": // ad hoc commands collect only from the inventory's organization
		err = db.QueryRowContext(ctx, s.q("SELECT organization FROM inventories WHERE id = ?"), id).Scan(&org)
		out = out[:0]
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) { // a deleted object collects from itself alone
		return nil, err
	}
	if org.Valid {
		out = append(out, level{"organization", org.Int64})
	}
	return out, nil
}

var kindSource = map[herald.JobKind]string{
	herald.KindJob: "job_template", herald.KindProjectUpdate: "project", herald.KindInventoryUpdate: "inventory_source",
	herald.KindAdHocCommand: "inventory", herald.KindWorkflowJob: "workflow_job_template", herald.KindSystemJob: "system_job_template",
}

// lists returns the attachment lists a trigger reads: success and error count "any" too.
func lists(t herald.Trigger) []string {
	if t == herald.TriggerStarted || t == herald.TriggerApprovals || t == herald.TriggerChanged {
		return []string{string(t)}
	}
	return []string{string(t), string(herald.TriggerAny)}
}

type found struct {
	notifier *herald.Notifier
	levels   []herald.Level
}

// gather reads the notifiers attached to levels for trigger, each once, in id order.
func (s *Store) gather(ctx context.Context, db querier, levels []level, trigger herald.Trigger) ([]*found, error) {
	if len(levels) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	for _, l := range levels {
		conds = append(conds, "(a.object_type = ? AND a.object_id = ?)")
		args = append(args, l.objectType, l.id)
	}
	ls := lists(trigger)
	for _, l := range ls {
		args = append(args, l)
	}
	query := "SELECT a.object_type, a.object_id, a.event, " + notifierColumnsN + " FROM attachments a JOIN notifiers n ON n.id = a.notifier WHERE (" +
		strings.Join(conds, " OR ") + ") AND a.event IN (" + marks(len(ls)) + ") ORDER BY n.id"
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]*found{}
	var out []*found
	for rows.Next() {
		var objType, event string
		var objID int64
		n, err := scanNotifier(rows, &objType, &objID, &event)
		if err != nil {
			return nil, err
		}
		f := byID[n.ID]
		if f == nil {
			f = &found{notifier: n}
			byID[n.ID] = f
			out = append(out, f)
		}
		f.levels = append(f.levels, herald.Level{Type: objType, ID: objID, List: "notifiers_" + event})
	}
	return out, rows.Err()
}

// collect returns the notifiers a job's event fires, each once, from the
// cache while the configuration is still at generation gen.
func (s *Store) collect(ctx context.Context, j *herald.Job, gen int64, trigger herald.Trigger) ([]*herald.Notifier, error) {
	k := firesKey{kind: j.Kind, template: j.Template, trigger: trigger}
	if ns, ok := s.conf.fires.get(gen, k); ok {
		return ns, nil
	}
	levels, err := s.objectLevels(ctx, s.r, kindSource[j.Kind], j.Template)
	if err != nil {
		return nil, err
	}
	fs, err := s.gather(ctx, s.r, levels, trigger)
	if err != nil {
		return nil, err
	}
	out := make([]*herald.Notifier, len(fs))
	for i, f := range fs {
		out[i] = f.notifier
	}
	s.conf.fires.put(gen, k, out)
	return out, nil
}

// EffectiveNotifiers explains which notifiers a job launched from the object
// would collect for trigger, and from which levels.
func (s *Store) EffectiveNotifiers(ctx context.Context, objectType string, id int64, trigger herald.Trigger) ([]herald.EffectiveNotifier, error) {
	levels, err := s.objectLevels(ctx, s.r, objectType, id)
	if err != nil {
		return nil, err
	}
	fs, err := s.gather(ctx, s.r, levels, trigger)
	if err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, l := range levels {
		order[l.objectType] = i
	}
	out := make([]herald.EffectiveNotifier, len(fs))
	for i, f := range fs {
		for k := range f.levels {
			l := &f.levels[k]
			l.Name = s.ObjectName(ctx, herald.ObjectTypeByName(l.Type).Collection, l.ID)
		}
		sort.SliceStable(f.levels, func(a, b int) bool { return order[f.levels[a].Type] < order[f.levels[b].Type] })
		out[i] = herald.EffectiveNotifier{Notifier: *f.notifier, Levels: f.levels}
	}
	return out, nil
}
