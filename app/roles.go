package app

import (
	"context"

	"github.com/herald-notify/herald"
)

// ObjectRoles lists an object's roles (object_roles/); who sees the object sees them.
func (a *App) ObjectRoles(ctx context.Context, t *herald.ObjectType, id int64) ([]herald.Role, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.readable(ctx, ac, t, id); err != nil {
		return nil, err
	}
	names := roleOrder[t.Name]
	if len(names) == 0 {
		return []herald.Role{}, nil
	}
	return a.store.EnsureRoles(ctx, t.Name, id, names)
}

// GetRole returns a role of an object the caller sees.
func (a *App) GetRole(ctx context.Context, id int64) (*herald.Role, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.store.GetRole(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := a.readable(ctx, ac, herald.ObjectTypeByName(r.ResourceType), r.ResourceID); err != nil {
		return nil, err
	}
	return r, nil
}

// SetGrant grants a role to a user or a team (holder "users" or "teams"),
// or takes it back. The admin of the role's object may; a team's members
// hold what the team is granted, so a team's own roles go to users only.
func (a *App) SetGrant(ctx context.Context, roleID int64, holder string, holderID int64, grant bool) error {
	ac, err := a.writer(ctx)
	if err != nil {
		return err
	}
	r, err := a.store.GetRole(ctx, roleID)
	if err != nil {
		return err
	}
	t := herald.ObjectTypeByName(r.ResourceType)
	if _, err := a.holding(ctx, ac, t, r.ResourceID, "admin"); err != nil {
		return err
	}
	switch holder {
	case "users":
		// Any user may be given a role by an object's admin (so that an
		// organization admin can take in a user it does not see yet), by id.
		if _, err := a.store.GetUser(ctx, holderID); err != nil {
			return herald.FieldError("id", "Invalid pk \"%d\" - object does not exist.", holderID)
		}
	case "teams":
		if r.ResourceType == "team" {
			return herald.FieldError("id", "A team's roles are granted to users, not to teams.")
		}
		if _, err := a.readable(ctx, ac, herald.ObjectTypeByName("team"), holderID); err != nil {
			return herald.FieldError("id", "Invalid pk \"%d\" - object does not exist.", holderID)
		}
	}
	return a.store.SetGrant(ctx, roleID, holder, holderID, grant)
}

// grant gives a role of an object by name, for rules that grant as a side
// effect (a new user joins its maker's organization).
func (a *App) grant(ctx context.Context, typ string, id int64, role, holder string, holderID int64, on bool) error {
	rs, err := a.store.EnsureRoles(ctx, typ, id, []string{role})
	if err != nil {
		return err
	}
	return a.store.SetGrant(ctx, rs[0].ID, holder, holderID, on)
}

// UserRoles lists the roles a user holds itself.
func (a *App) UserRoles(ctx context.Context, userID int64) ([]herald.Role, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.visibleUser(ctx, ac, userID); err != nil {
		return nil, err
	}
	return a.store.UserGrants(ctx, userID)
}

// TeamRoles lists the roles granted to a team.
func (a *App) TeamRoles(ctx context.Context, teamID int64) ([]herald.Role, error) {
	ac, err := a.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.readable(ctx, ac, herald.ObjectTypeByName("team"), teamID); err != nil {
		return nil, err
	}
	return a.store.TeamGrants(ctx, teamID)
}
