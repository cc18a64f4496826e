package store

import (
	"context"
	"database/sql"

	"github.com/herald-notify/herald"
)

func scanRole(sc interface{ Scan(...any) error }) (herald.Role, error) {
	var r herald.Role
	err := sc.Scan(&r.ID, &r.ResourceType, &r.ResourceID, &r.Name)
	return r, err
}

// EnsureRoles makes the named roles of an object if they are not there yet,
// and returns them in the order of names.
func (s *Store) EnsureRoles(ctx context.Context, resourceType string, id int64, names []string) ([]herald.Role, error) {
	err := s.tx(ctx, func(tx querier) error {
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO roles (resource_type, resource_id, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"), resourceType, id, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byName := map[string]herald.Role{}
	err = scanRows(ctx, s.r, s.q("SELECT id, resource_type, resource_id, name FROM roles WHERE resource_type = ? AND resource_id = ?"), []any{resourceType, id},
		func(rows *sql.Rows) error {
			r, err := scanRole(rows)
			byName[r.Name] = r
			return err
		})
	out := make([]herald.Role, 0, len(names))
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out, err
}

// GetRole returns the role with id.
func (s *Store) GetRole(ctx context.Context, id int64) (*herald.Role, error) {
	r, err := scanRole(s.r.QueryRowContext(ctx, s.q("SELECT id, resource_type, resource_id, name FROM roles WHERE id = ?"), id))
	if err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// SetGrant grants a role to a user or a team (holder "users" or "teams"), or takes it back.
func (s *Store) SetGrant(ctx context.Context, roleID int64, holder string, holderID int64, grant bool) error {
	table, col := "role_users", "user_id"
	if holder == "teams" {
		table, col = "role_teams", "team_id"
	}
	return s.tx(ctx, func(tx querier) error {
		var err error
		if grant {
			_, err = tx.ExecContext(ctx, s.q("INSERT INTO "+table+" (role_id, "+col+") VALUES (?, ?) ON CONFLICT DO NOTHING"), roleID, holderID)
		} else {
			_, err = tx.ExecContext(ctx, s.q("DELETE FROM "+table+" WHERE role_id = ? AND "+col+" = ?"), roleID, holderID)
		}
		if isForeignKey(err) {
			return herald.FieldError("id", "Invalid pk \"%d\" - object does not exist.", holderID)
		}
		return err
	})
}

// UserGrants returns the roles a user holds itself, not through teams.
func (s *Store) UserGrants(ctx context.Context, userID int64) ([]herald.Role, error) {
	return s.grants(ctx, "SELECT r.id, r.resource_type, r.resource_id, r.name FROM role_users g JOIN roles r ON r.id = g.role_id WHERE g.user_id = ? ORDER BY r.id", userID)
}

// TeamGrants returns the roles granted to a team.
func (s *Store) TeamGrants(ctx context.Context, teamID int64) ([]herald.Role, error) {
	return s.grants(ctx, "SELECT r.id, r.resource_type, r.resource_id, r.name FROM role_teams g JOIN roles r ON r.id = g.role_id WHERE g.team_id = ? ORDER BY r.id", teamID)
}

func (s *Store) grants(ctx context.Context, query string, id int64) ([]herald.Role, error) {
	out := []herald.Role{}
	err := scanRows(ctx, s.r, s.q(query), []any{id}, func(rows *sql.Rows) error {
		r, err := scanRole(rows)
		out = append(out, r)
		return err
	})
	return out, err
}

// UsersWithRolesOn returns the users holding any role on the given objects,
// themselves or as members (or admins) of a team that holds one.
func (s *Store) UsersWithRolesOn(ctx context.Context, resourceType string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in := marks(len(ids))
	args := []any{resourceType}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, args...)
	var out []int64
	err := scanRows(ctx, s.r, s.q(`SELECT g.user_id FROM role_users g JOIN roles r ON r.id = g.role_id WHERE r.resource_type = ? AND r.resource_id IN (`+in+`)
		UNION SELECT m.user_id FROM role_teams t JOIN roles r ON r.id = t.role_id
			JOIN roles tr ON tr.resource_type = 'team' AND tr.resource_id = t.team_id AND tr.name IN ('admin', 'member')
			JOIN role_users m ON m.role_id = tr.id
		WHERE r.resource_type = ? AND r.resource_id IN (`+in+`)`), args, func(rows *sql.Rows) error {
		var id int64
		out = append(out, id)
		return rows.Scan(&out[len(out)-1])
	})
	return out, err
}
