package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/herald-notify/herald"
)

const jobColumns = "id, kind, name, status, failed, template, organization, launch_type, created_by, result_traceback, job_explanation, extra_vars, job_limit, module_name, module_args, host_status_counts, hosts, failures, started, finished, created, modified"

func jobList(kind herald.JobKind) *listSpec {
	l := &listSpec{
		from: "jobs",
		cols: map[string]column{
			"id": {"id", colInt}, "name": {"name", colText}, "status": {"status", colText}, "failed": {"failed", colBool},
			"created": {"created", colTime}, "modified": {"modified", colTime}, "started": {"started", colTime}, "finished": {"finished", colTime},
			"launch_type": {"launch_type", colText}, "created_by": {"created_by", colText}, "organization": {"organization", colInt},
			"limit": {"job_limit", colText}, "type": {"kind", colText},
		},
		search:  []string{"name", "job_explanation"},
		orderBy: "id ASC",
	}
	if kind != "" {
		l.where = "kind = ?"
		if f := kind.TemplateField(); f != "" {
			l.cols[f] = column{"template", colInt}
		}
	}
	return l
}

// scanJob scans jobColumns, then extra.
func scanJob(sc interface{ Scan(...any) error }, extra ...any) (*herald.Job, error) {
	var j herald.Job
	var kind string
	var failed int
	var org, started, finished sql.NullInt64
	var counts, hosts, failures sql.NullString
	var created, modified int64
	err := sc.Scan(append([]any{&j.ID, &kind, &j.Name, &j.Status, &failed, &j.Template, &org, &j.LaunchType, &j.CreatedBy,
		&j.ResultTraceback, &j.JobExplanation, &j.ExtraVars, &j.Limit, &j.ModuleName, &j.ModuleArgs,
		&counts, &hosts, &failures, &started, &finished, &created, &modified}, extra...)...)
	if err != nil {
		return nil, err
	}
	j.Kind, j.Failed = herald.JobKind(kind), failed == 1
	if org.Valid {
		j.Organization = &org.Int64
	}
	j.Started, j.Finished = nullTime(started), nullTime(finished)
	j.Created, j.Modified = fromMicros(created), fromMicros(modified)
	if counts.Valid {
		j.HostStatusCounts = new(herald.HostCounts)
		json.Unmarshal([]byte(counts.String), j.HostStatusCounts)
	}
	if hosts.Valid {
		json.Unmarshal([]byte(hosts.String), &j.Hosts)
	}
	if failures.Valid {
		json.Unmarshal([]byte(failures.String), &j.Failures)
	}
	return &j, nil
}

// GetJob returns the job of kind with id ("" kind: any kind).
func (s *Store) GetJob(ctx context.Context, kind herald.JobKind, id int64) (*herald.Job, error) {
	return s.getJob(ctx, s.r, kind, id)
}

func (s *Store) getJob(ctx context.Context, db querier, kind herald.JobKind, id int64) (*herald.Job, error) {
	j, gen, err := s.readJob(ctx, db, kind, id)
	if err == nil {
		s.fillRefs(ctx, j, gen)
	}
	return j, err
}

// readJob reads a job's own row, without the names around it, and the
// configuration generation (confcache.go) as of that read.
func (s *Store) readJob(ctx context.Context, db querier, kind herald.JobKind, id int64) (j *herald.Job, gen int64, err error) {
	j, err = s.scanOneJob(ctx, db, kind, "SELECT "+jobColumns+", "+generationColumn+" FROM jobs WHERE id = ?", id, &gen)
	return j, gen, err
}

func (s *Store) scanOneJob(ctx context.Context, db querier, kind herald.JobKind, query string, id int64, extra ...any) (*herald.Job, error) {
	j, err := scanJob(db.QueryRowContext(ctx, s.q(query), id), extra...)
	if err != nil {
		return nil, notFound(err)
	}
	if kind != "" && j.Kind != kind {
		return nil, errNotFound
	}
	return j, nil
}

// fillRefs sets the names messages show (project, inventory, playbook),
// from the cache while the configuration is still at generation gen.
func (s *Store) fillRefs(ctx context.Context, j *herald.Job, gen int64) {
	k := refsKey{kind: j.Kind, template: j.Template}
	if j.Organization != nil {
		k.org = *j.Organization
	}
	if r, ok := s.conf.refs.get(gen, k); ok {
		j.Refs = r
		return
	}
	if err := s.readRefs(ctx, j); err == nil || errors.Is(err, sql.ErrNoRows) {
		s.conf.refs.put(gen, k, j.Refs)
	}
}

// readRefs reads the names messages show from the database.
func (s *Store) readRefs(ctx context.Context, j *herald.Job) error {
	var org sql.NullString
	var orgID any
	if j.Organization != nil {
		orgID = *j.Organization
	}
	j.Refs = herald.JobRefs{}
	defer func() { j.Refs.OrganizationName = org.String }()
	// One query a job: the template's names and the organization's, joined.
	if j.Kind == herald.KindJob {
		var project, inventory sql.NullInt64
		var pname, iname sql.NullString
		err := s.r.QueryRowContext(ctx, s.q(`SELECT t.name, t.playbook, t.project, p.name, t.inventory, i.name, (SELECT name FROM organizations WHERE id = ?)
			FROM job_templates t LEFT JOIN projects p ON p.id = t.project LEFT JOIN inventories i ON i.id = t.inventory WHERE t.id = ?`),
			orgID, j.Template).Scan(&j.Refs.TemplateName, &j.Refs.Playbook, &project, &pname, &inventory, &iname, &org)
		if project.Valid {
			j.Refs.ProjectID, j.Refs.Project = &project.Int64, pname.String
		}
		if inventory.Valid {
			j.Refs.InventoryID, j.Refs.Inventory = &inventory.Int64, iname.String
		}
		return err
	}
	collection := herald.ObjectTypeByName(kindSource[j.Kind]).Collection
	err := s.r.QueryRowContext(ctx, s.q("SELECT t.name, (SELECT name FROM organizations WHERE id = ?) FROM "+collection+" t WHERE t.id = ?"),
		orgID, j.Template).Scan(&j.Refs.TemplateName, &org)
	id := j.Template
	switch j.Kind {
	case herald.KindAdHocCommand:
		j.Refs.InventoryID, j.Refs.Inventory = &id, j.Refs.TemplateName
	case herald.KindProjectUpdate:
		j.Refs.ProjectID, j.Refs.Project = &id, j.Refs.TemplateName
	}
	return err
}

// ListJobs returns a page of jobs of kind ("" for every kind) and the total count.
func (s *Store) ListJobs(ctx context.Context, kind herald.JobKind, q herald.Query) ([]*herald.Job, int, error) {
	l := jobList(kind)
	var fixed []any
	if kind != "" {
		fixed = append(fixed, string(kind))
	}
	where, order, args, err := l.build(q, fixed...)
	if err != nil {
		return nil, 0, err
	}
	var count int
	var gen int64 // read first: the names filled in below are at least this new
	if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*), "+generationColumn+" FROM jobs"+where), args...).Scan(&count, &gen); err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+jobColumns+" FROM jobs"+where+order+window(q)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*herald.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	for _, j := range out {
		s.fillRefs(ctx, j, gen)
	}
	return out, count, nil
}

// launchSource finds what a job of kind launched from template is named and
// which organization it belongs to, and the configuration generation.
func (s *Store) launchSource(ctx context.Context, db querier, kind herald.JobKind, template int64) (name string, org sql.NullInt64, gen int64, err error) {
	var query string
	switch kind {
	case herald.KindJob:
		query = "SELECT name, organization, " + generationColumn + " FROM job_templates WHERE id = ?"
	case herald.KindProjectUpdate:
		query = "SELECT name, organization, " + generationColumn + " FROM projects WHERE id = ?"
	case herald.KindInventoryUpdate:
		query = "SELECT s.name, i.organization, " + generationColumn + " FROM inventory_sources s JOIN inventories i ON i.id = s.inventory WHERE s.id = ?"
	case herald.KindAdHocCommand:
		query = "SELECT name, organization, " + generationColumn + " FROM inventories WHERE id = ?"
	case herald.KindWorkflowJob:
		query = "SELECT name, organization, " + generationColumn + " FROM workflow_job_templates WHERE id = ?"
	case herald.KindSystemJob:
		query = "SELECT name, NULL, " + generationColumn + " FROM system_job_templates WHERE id = ?"
	default:
		return "", org, 0, fmt.Errorf("unknown job kind %q", kind)
	}
	err = db.QueryRowContext(ctx, s.q(query), template).Scan(&name, &org, &gen)
	return name, org, gen, notFound(err)
}

// idempotencyWindow is how long an Idempotency-Key names the same launch.
const idempotencyWindow = 24 * time.Hour

// earlierLaunch finds the job r's idempotency key names: earlier if launched
// within the window, expired if before it (its key may then be reused).
func (s *Store) earlierLaunch(ctx context.Context, db querier, r herald.LaunchRequest) (earlier, expired int64, err error) {
	var id, at int64
	err = db.QueryRowContext(ctx, s.q("SELECT id, created FROM jobs WHERE created_by = ? AND idempotency_key = ?"), r.CreatedBy, r.IdempotencyKey).Scan(&id, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, 0, nil
	case err != nil:
		return 0, 0, err
	case s.nowMicros()-at < idempotencyWindow.Microseconds():
		return id, 0, nil
	default:
		return 0, id, nil
	}
}

// Launch creates a pending job. With an idempotency key used by the same user
// within 24 hours it returns that job instead, and created is false.
func (s *Store) Launch(ctx context.Context, r herald.LaunchRequest) (job *herald.Job, created bool, err error) {
	// The template is read before the write transaction, to keep that short;
	// a template deleted meanwhile leaves a job as one deleted later would.
	name, org, gen, err := s.launchSource(ctx, s.r, r.Kind, r.Template)
	if err != nil {
		// A retried launch gets its job even if the template is gone since.
		if herald.ErrorCode(err) == herald.ENOTFOUND && r.IdempotencyKey != "" {
			if earlier, _, ferr := s.earlierLaunch(ctx, s.r, r); ferr == nil && earlier != 0 {
				job, err = s.GetJob(ctx, "", earlier)
				return job, false, err
			}
		}
		return nil, false, err
	}
	if r.Kind == herald.KindAdHocCommand {
		name = r.ModuleName
	}
	extra := r.ExtraVars
	if extra == "" {
		extra = "{}"
	}
	insert := func(q querier, key any) (err error) {
		now := s.nowMicros()
		job, err = scanJob(q.QueryRowContext(ctx, s.q(`INSERT INTO jobs (kind, name, status, template, organization, created_by, extra_vars, job_limit, module_name, module_args, idempotency_key, created, modified)
			VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+jobColumns),
			string(r.Kind), name, r.Template, org, r.CreatedBy, extra, r.Limit, r.ModuleName, r.ModuleArgs, key, now, now))
		created = err == nil
		return err
	}
	var id int64
	if r.IdempotencyKey == "" {
		err = s.stmt(ctx, func(q querier) error { return insert(q, nil) })
	} else {
		err = s.tx(ctx, func(tx querier) error {
			earlier, expired, err := s.earlierLaunch(ctx, tx, r)
			switch {
			case err != nil:
				return err
			case earlier != 0:
				id = earlier
				return nil
			case expired != 0: // the key may name a new launch
				if _, err := tx.ExecContext(ctx, s.q("UPDATE jobs SET idempotency_key = NULL WHERE id = ?"), expired); err != nil {
					return err
				}
			}
			return insert(tx, r.IdempotencyKey)
		})
	}
	if err != nil {
		return nil, false, err
	}
	if job == nil { // the same launch again
		job, err = s.GetJob(ctx, "", id)
		return job, created, err
	}
	s.fillRefs(ctx, job, gen)
	return job, created, nil
}

// JobForReport reads a job as a status report starts from: its row, the
// names around it, and the configuration generation of that read, which
// Fires takes so that the notifiers come from the same moment.
func (s *Store) JobForReport(ctx context.Context, kind herald.JobKind, id int64) (*herald.Job, int64, error) {
	j, gen, err := s.readJob(ctx, s.r, kind, id)
	if err != nil {
		return nil, 0, err
	}
	s.fillRefs(ctx, j, gen)
	return j, gen, nil
}

// Fires returns the notifiers a job's event fires (docs/api.md §5), each once,
// as of configuration generation gen.
func (s *Store) Fires(ctx context.Context, j *herald.Job, gen int64, trigger herald.Trigger) ([]*herald.Notifier, error) {
	return s.collect(ctx, j, gen, trigger)
}

// SaveReport writes a job as a status report left it, with its event's
// notifications (one per notifier, already rendered) in the same
// transaction, so that a notification exists exactly when the status change
// does. readModified is the job's modified time as read: when the stored
// job changed since, nothing is written and the error is herald.ErrStale,
// for the caller to read it again and decide anew.
func (s *Store) SaveReport(ctx context.Context, j *herald.Job, readModified time.Time, news []herald.NewNotification, notifiers []*herald.Notifier) error {
	j.Modified = readModified
	if len(news) == 0 { // the job alone: one statement
		return s.stmt(ctx, func(q querier) error {
			saved, err := s.saveJob(ctx, q, j)
			if err == nil && !saved {
				err = herald.ErrStale
			}
			return err
		})
	}
	h := s.reserve(news, notifiers)
	var err error
	if s.dialect == Postgres && len(news) <= insertRows && !anyPaused(notifiers) && (h == nil || !repeats(news, h.reserved)) {
		err = s.wrote(s.saveReportAtOnce(ctx, j, news, h))
	} else {
		err = s.tx(ctx, func(tx querier) error {
			saved, err := s.saveJob(ctx, tx, j)
			if err != nil {
				return err
			}
			if !saved {
				return herald.ErrStale
			}
			if err := s.insertNotifications(ctx, tx, j, news, h); err != nil {
				return err
			}
			return s.holdPaused(ctx, tx, j, news, notifiers)
		})
	}
	if err != nil {
		h.cancel()
		return err
	}
	h.take()
	if h == nil || h.pending() > 0 { // else all taken: nothing for claims
		s.wake()
		s.announce() // other instances wake after the commit
	}
	return nil
}

// saveReportAtOnce is SaveReport on PostgreSQL in one statement, committed
// by itself: the job's update and its notifications' insert, which inserts
// nothing when the update found the job changed. A status change costs one
// round trip instead of four (BEGIN, UPDATE, INSERT, COMMIT), and the
// backend does not sit in a transaction waiting for Herald between them.
func (s *Store) saveReportAtOnce(ctx context.Context, j *herald.Job, news []herald.NewNotification, h *handoff) error {
	update, args := s.jobUpdate(j)
	values, vargs, taken := s.notificationRows(j, news, h, true)
	inserted := 0
	err := scanRows(ctx, s.db, s.q(`WITH saved AS (`+update+` RETURNING id)
		INSERT INTO notifications (`+notificationInsertColumns+`)
		SELECT * FROM (VALUES `+values+`) AS v WHERE EXISTS (SELECT FROM saved)
		RETURNING id, notifier, lease_owner IS NOT NULL`), append(args, vargs...), func(rows *sql.Rows) error {
		inserted++
		return h.scanInserted(rows, taken)
	})
	if err == nil && inserted == 0 {
		err = herald.ErrStale
	}
	return err
}

// anyPaused reports whether a notifier is paused: its fresh rows are then
// held, by a statement of their own.
func anyPaused(notifiers []*herald.Notifier) bool {
	return slices.ContainsFunc(notifiers, func(n *herald.Notifier) bool { return n.Paused })
}

// saveJob writes j unless the stored row changed since j was read (its
// modified time differs): saved reports which.
func (s *Store) saveJob(ctx context.Context, q querier, j *herald.Job) (saved bool, err error) {
	update, args := s.jobUpdate(j)
	res, err := q.ExecContext(ctx, s.q(update), args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// jobUpdate is the UPDATE that saves j if its row is as read (modified at
// j.Modified), and sets j.Modified to the time it writes. Modified times
// only grow, by at least a microsecond a save, so that the check cannot
// miss a change.
func (s *Store) jobUpdate(j *herald.Job) (string, []any) {
	var counts, hosts, failures any
	if j.HostStatusCounts != nil {
		b, _ := json.Marshal(j.HostStatusCounts)
		counts = string(b)
	}
	if j.Hosts != nil {
		b, _ := json.Marshal(j.Hosts)
		hosts = string(b)
	}
	if len(j.Failures) > 0 {
		b, _ := json.Marshal(j.Failures)
		failures = string(b)
	}
	read := micros(j.Modified)
	j.Modified = fromMicros(max(s.nowMicros(), read+1))
	return `UPDATE jobs SET status = ?, failed = ?, started = ?, finished = ?, result_traceback = ?, job_explanation = ?,
		host_status_counts = ?, hosts = ?, failures = ?, modified = ? WHERE id = ? AND modified = ?`,
		[]any{j.Status, b2i(j.Failed), nullMicros(j.Started), nullMicros(j.Finished), j.ResultTraceback, j.JobExplanation, counts, hosts, failures, micros(j.Modified), j.ID, read}
}
