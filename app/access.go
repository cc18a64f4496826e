package app

import (
	"context"
	"slices"

	"github.com/herald-notify/herald"
)

// This file holds every permission rule (docs/api.md §9): which roles each object
// has, what each implies, and what each action needs. Nothing else decides.

// roleGraph says, per object type, which roles each role implies directly.
var roleGraph = map[string]map[string][]string{
	"organization": {
		"admin": {"notification_admin", "auditor", "execute", "member"}, "notification_admin": {"member"},
		"auditor": {"member"}, "execute": {"member"}, "member": {"read"}, "read": nil,
	},
	"team":                  {"admin": {"member"}, "member": {"read"}, "read": nil},
	"project":               {"admin": {"update"}, "update": {"use"}, "use": {"read"}, "read": nil},
	"inventory":             {"admin": {"update"}, "update": {"use"}, "use": {"read"}, "read": nil},
	"job_template":          {"admin": {"execute"}, "execute": {"read"}, "read": nil},
	"workflow_job_template": {"admin": {"execute", "approve"}, "execute": {"read"}, "approve": {"read"}, "read": nil},
}

// roleOrder is the order object_roles/ lists an object's roles in.
var roleOrder = map[string][]string{
	"organization":          {"admin", "notification_admin", "auditor", "execute", "member", "read"},
	"team":                  {"admin", "member", "read"},
	"project":               {"admin", "update", "use", "read"},
	"inventory":             {"admin", "update", "use", "read"},
	"job_template":          {"admin", "execute", "read"},
	"workflow_job_template": {"admin", "execute", "approve", "read"},
}

// implied returns role and every role it implies on an object of type t.
func implied(t, role string) []string {
	out := []string{role}
	for i := 0; i < len(out); i++ {
		for _, r := range roleGraph[t][out[i]] {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

type resource struct {
	typ string
	id  int64
}

// roles returns what the actor holds, itself and through its teams, with
// every implication, read once per request.
func (a *App) roles(ctx context.Context, actor *Actor) (map[resource]map[string]bool, error) {
	if actor.held != nil {
		return actor.held, nil
	}
	held := map[resource]map[string]bool{}
	add := func(rs []herald.Role) {
		for _, r := range rs {
			k := resource{r.ResourceType, r.ResourceID}
			if held[k] == nil {
				held[k] = map[string]bool{}
			}
			for _, n := range implied(r.ResourceType, r.Name) {
				held[k][n] = true
			}
		}
	}
	own, err := a.store.UserGrants(ctx, actor.User.ID)
	if err != nil {
		return nil, err
	}
	add(own)
	for k, names := range held {
		if k.typ != "team" || !names["member"] {
			continue
		}
		team, err := a.store.TeamGrants(ctx, k.id)
		if err != nil {
			return nil, err
		}
		add(team)
	}
	actor.held = held
	return held, nil
}

// access is what one request may do: the actor and its roles.
type access struct {
	app   *App
	actor *Actor
	held  map[resource]map[string]bool
}

// access returns the caller's access; a request without an actor may do nothing.
func (a *App) access(ctx context.Context) (*access, error) {
	actor := ActorFrom(ctx)
	if actor == nil || actor.User == nil {
		return nil, herald.Errorf(herald.EUNAUTHORIZED, "Authentication credentials were not provided.")
	}
	ac := &access{app: a, actor: actor}
	if actor.User.Superuser || actor.User.SystemAuditor {
		return ac, nil
	}
	held, err := a.roles(ctx, actor)
	ac.held = held
	return ac, err
}

// writer returns the caller's access for a change: a read-only token may not.
func (a *App) writer(ctx context.Context) (*access, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	if t := ac.actor.Token; t != nil && t.Scope == herald.ScopeRead {
		return nil, herald.Errorf(herald.EFORBIDDEN, "This token may only read (its scope is read).")
	}
	return ac, nil
}

func (ac *access) super() bool { return ac.actor.User.Superuser }

// readsAll: superusers and system auditors see everything.
func (ac *access) readsAll() bool { return ac.actor.User.Superuser || ac.actor.User.SystemAuditor }

// has reports whether the caller holds role on the object itself (not through its organization).
func (ac *access) has(typ string, id int64, role string) bool {
	return ac.super() || ac.held[resource{typ, id}][role]
}

// inOrg reports whether the caller holds any of roles on organization org.
func (ac *access) inOrg(org *int64, roles ...string) bool {
	if ac.super() {
		return true
	}
	if org == nil {
		return false
	}
	for _, r := range roles {
		if ac.held[resource{"organization", *org}][r] {
			return true
		}
	}
	return false
}

// orgRole is the organization role that gives role on the objects in it:
// its admin administers everything, its auditor reads everything, its
// execute role executes its templates.
func orgRoles(t string, role string) []string {
	switch {
	case role == "read" && (t == "job_template" || t == "workflow_job_template"):
		return []string{"admin", "auditor", "execute"}
	case role == "read":
		return []string{"admin", "auditor"}
	case role == "execute" && (t == "job_template" || t == "workflow_job_template"):
		return []string{"admin", "execute"}
	}
	return []string{"admin"}
}

// object reports whether the caller holds role on an object, itself or
// through the organization the object belongs to.
func (ac *access) object(ctx context.Context, t *herald.ObjectType, rec herald.Record, role string) (bool, error) {
	if ac.super() || (role == "read" && ac.readsAll()) {
		return true, nil
	}
	id := rec.ID()
	switch t.Name {
	case "organization":
		return ac.has("organization", id, role), nil
	case "system_job_template":
		return false, nil // superusers' only
	case "inventory_source":
		// A source has no roles of its own: its inventory's count.
		inv, ok := rec["inventory"].(int64)
		if !ok {
			return false, nil
		}
		it := herald.ObjectTypeByName("inventory")
		parent, err := ac.app.store.GetObject(ctx, it, inv)
		if err != nil {
			return false, nil
		}
		return ac.object(ctx, it, parent, role)
	}
	org, _ := rec["organization"].(int64)
	return ac.has(t.Name, id, role) || ac.inOrg(&org, orgRoles(t.Name, role)...), nil
}

// mayCreate reports whether the caller may create an object of type t with
// the given (checked) values: the admin of its organization may.
func (ac *access) mayCreate(ctx context.Context, t *herald.ObjectType, values map[string]any) (bool, error) {
	if ac.super() {
		return true, nil
	}
	switch t.Name {
	case "organization", "system_job_template":
		return false, nil
	case "inventory_source":
		inv, _ := values["inventory"].(int64)
		return ac.parent(ctx, "inventory", inv, "admin")
	case "job_template":
		p, _ := values["project"].(int64)
		ok, err := ac.parentOrg(ctx, "project", p)
		if !ok || err != nil {
			return ok, err
		}
		if inv, given := values["inventory"].(int64); given {
			return ac.parent(ctx, "inventory", inv, "use")
		}
		return true, nil
	}
	org, _ := values["organization"].(int64)
	return ac.inOrg(&org, "admin"), nil
}

// parent reports whether the caller holds role on the object it names in a field.
func (ac *access) parent(ctx context.Context, typ string, id int64, role string) (bool, error) {
	t := herald.ObjectTypeByName(typ)
	rec, err := ac.app.store.GetObject(ctx, t, id)
	if err != nil {
		return false, nil // checked as a missing reference elsewhere
	}
	return ac.object(ctx, t, rec, role)
}

// parentOrg reports whether the caller is admin of the organization of the object it names.
func (ac *access) parentOrg(ctx context.Context, typ string, id int64) (bool, error) {
	rec, err := ac.app.store.GetObject(ctx, herald.ObjectTypeByName(typ), id)
	if err != nil {
		return false, nil
	}
	org, _ := rec["organization"].(int64)
	return ac.inOrg(&org, "admin"), nil
}

// readNotifier: the notification admins and auditors of its organization see a notifier.
func (ac *access) readNotifier(n *herald.Notifier) bool {
	return ac.readsAll() || ac.inOrg(n.Organization, "admin", "notification_admin", "auditor")
}

// adminNotifier: the notification admins of its organization change, delete and test it.
func (ac *access) adminNotifier(n *herald.Notifier) bool {
	return ac.super() || ac.inOrg(n.Organization, "admin", "notification_admin")
}

// launchRole is the role on its template that launching a job of kind, and
// reporting its status, needs.
func launchRole(kind herald.JobKind) string {
	switch kind {
	case herald.KindProjectUpdate, herald.KindInventoryUpdate:
		return "update"
	case herald.KindAdHocCommand:
		return "use"
	case herald.KindSystemJob:
		return "admin"
	}
	return "execute"
}

// template reads the object a job of kind is launched from, as the caller
// may see it: 404 when it may not.
func (ac *access) template(ctx context.Context, kind herald.JobKind, id int64) (*herald.ObjectType, herald.Record, error) {
	t := herald.ObjectTypeByName(kind.TemplateField())
	rec, err := ac.app.store.GetObject(ctx, t, id)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := ac.object(ctx, t, rec, "read"); err != nil || !ok {
		return nil, nil, firstErr(err, notFound)
	}
	return t, rec, nil
}

// readJob: who reads a job's template reads the job.
func (ac *access) readJob(ctx context.Context, j *herald.Job) (bool, error) {
	if ac.readsAll() {
		return true, nil
	}
	_, _, err := ac.template(ctx, j.Kind, j.Template)
	if herald.ErrorCode(err) == herald.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

// runJob: the launch role on the job's template (who may not see the
// template gets a 404).
func (ac *access) runJob(ctx context.Context, kind herald.JobKind, template int64) error {
	if ac.super() {
		return nil // a missing template is the store's 404
	}
	t, rec, err := ac.template(ctx, kind, template)
	if err != nil {
		return err
	}
	if ok, err := ac.object(ctx, t, rec, launchRole(kind)); err != nil || !ok {
		return firstErr(err, forbidden)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ids returns the objects of type t on which the caller holds role itself.
func (ac *access) ids(t, role string) []int64 {
	var out []int64
	for k, names := range ac.held {
		if k.typ == t && names[role] {
			out = append(out, k.id)
		}
	}
	slices.Sort(out)
	return out
}

// orgs returns the organizations in which the caller holds any of roles.
func (ac *access) orgs(roles ...string) []int64 {
	var out []int64
	for k, names := range ac.held {
		if k.typ != "organization" {
			continue
		}
		for _, r := range roles {
			if names[r] {
				out = append(out, k.id)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// objectScope keeps the objects of type t the caller may read (nil: all).
func (ac *access) objectScope(t string) *herald.Scope {
	if ac.readsAll() {
		return nil
	}
	switch t {
	case "organization":
		return &herald.Scope{Terms: []herald.ScopeTerm{{Column: "id", IDs: ac.orgs("read")}}}
	case "system_job_template":
		return &herald.Scope{}
	case "inventory_source":
		return &herald.Scope{Terms: []herald.ScopeTerm{
			{Column: "inventory", IDs: ac.ids("inventory", "read")},
			{Column: "inventory", Sub: &herald.SubScope{Table: "inventories", Scope: herald.Scope{Terms: []herald.ScopeTerm{
				{Column: "organization", IDs: ac.orgs(orgRoles("inventory", "read")...)}}}}},
		}}
	}
	return &herald.Scope{Terms: []herald.ScopeTerm{
		{Column: "id", IDs: ac.ids(t, "read")},
		{Column: "organization", IDs: ac.orgs(orgRoles(t, "read")...)},
	}}
}

// notifierScope keeps the notifiers the caller may see (nil: all).
func (ac *access) notifierScope() *herald.Scope {
	if ac.readsAll() {
		return nil
	}
	return &herald.Scope{Terms: []herald.ScopeTerm{{Column: "organization", IDs: ac.orgs("admin", "notification_admin", "auditor")}}}
}

// jobScope keeps the jobs of kind ("" for all) the caller may see (nil: all):
// those whose template it reads.
func (ac *access) jobScope(kind herald.JobKind) *herald.Scope {
	if ac.readsAll() {
		return nil
	}
	sc := &herald.Scope{}
	for _, k := range herald.JobKinds {
		if kind != "" && k != kind || k == herald.KindSystemJob {
			continue
		}
		t := k.TemplateField()
		templates := herald.ScopeTerm{Kind: k, Column: "template", IDs: ac.ids(t, "read")}
		if t == "inventory_source" {
			templates = herald.ScopeTerm{Kind: k, Column: "template", Sub: &herald.SubScope{Table: "inventory_sources",
				Scope: herald.Scope{Terms: []herald.ScopeTerm{{Column: "inventory", IDs: ac.ids("inventory", "read")}}}}}
		}
		sc.Terms = append(sc.Terms, templates, herald.ScopeTerm{Kind: k, Column: "organization", IDs: ac.orgs(orgRoles(t, "read")...)})
	}
	return sc
}

// notificationScope keeps the notifications the caller may see (nil: all):
// those of notifiers it sees, and those of jobs it sees.
func (ac *access) notificationScope() *herald.Scope {
	if ac.readsAll() {
		return nil
	}
	return &herald.Scope{Terms: []herald.ScopeTerm{
		{Column: "notifier", Sub: &herald.SubScope{Table: "notifiers", Scope: *ac.notifierScope()}},
		{Column: "job_id", Sub: &herald.SubScope{Table: "jobs", Scope: *ac.jobScope("")}},
	}}
}
