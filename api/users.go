package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/app"
)

func userURL(id int64) string { return "/api/v1/users/" + strconv.FormatInt(id, 10) + "/" }

func userJSON(u *herald.User) map[string]any {
	self := userURL(u.ID)
	return map[string]any{
		"id": u.ID, "type": "user", "url": self, "created": fmtTime(u.Created), "modified": fmtTime(u.Modified),
		"related":        map[string]any{"tokens": self + "tokens/", "roles": self + "roles/"},
		"summary_fields": map[string]any{},
		"username":       u.Username, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email,
		"is_superuser": u.Superuser, "is_system_auditor": u.SystemAuditor, "last_login": fmtTimePtr(u.LastLogin),
		"password": "$encrypted$",
	}
}

// renderUser and renderRole are userJSON and roleJSON as list and detail handlers take them.
func renderUser(_ *http.Request, u *herald.User) map[string]any  { return userJSON(u) }
func renderRole(_ *http.Request, ro *herald.Role) map[string]any { return roleJSON(*ro) }

func (s *server) getUser(w http.ResponseWriter, r *http.Request) {
	getHandler(s, s.svc.GetUser, renderUser)(w, r)
}

func (s *server) getRole(w http.ResponseWriter, r *http.Request) {
	getHandler(s, s.svc.GetRole, renderRole)(w, r)
}

// userInput reads a user's fields from a body.
func userInput(fields map[string]json.RawMessage, create bool) (app.UserInput, error) {
	fe := fieldErrors{}
	var in app.UserInput
	for name, dst := range map[string]**string{"username": &in.Username, "first_name": &in.FirstName, "last_name": &in.LastName, "email": &in.Email, "password": &in.Password} {
		max := 150
		if name == "password" {
			max = 1024
		}
		if v, ok := fe.str(fields, name, create && (name == "username" || name == "password"), max); ok {
			*dst = &v
		}
	}
	for name, dst := range map[string]**bool{"is_superuser": &in.Superuser, "is_system_auditor": &in.SystemAuditor} {
		if raw, ok := fields[name]; ok {
			var v bool
			if json.Unmarshal(raw, &v) != nil {
				fe.add(name, "Must be a valid boolean.")
				continue
			}
			*dst = &v
		}
	}
	if v, present := fe.ref(fields, "organization", false); present {
		in.Organization = v
	}
	return in, fe.err()
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	listHandler(s, s.svc.ListUsers, renderUser)(w, r)
}

// me answers the caller, in a list of one, as AWX does.
func (s *server) me(w http.ResponseWriter, r *http.Request) {
	u, err := s.svc.Me(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": 1, "next": nil, "previous": nil, "results": []any{userJSON(u)}})
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	fields, ok := s.decode(w, r, false)
	if !ok {
		return
	}
	in, err := userInput(fields, true)
	if err == nil {
		var u *herald.User
		if u, err = s.svc.CreateUser(r.Context(), in); err == nil {
			w.Header().Set("Location", userURL(u.ID))
			writeJSON(w, http.StatusCreated, userJSON(u))
			return
		}
	}
	s.writeError(w, r, err)
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	fields, ok := s.decode(w, r, false)
	if !ok {
		return
	}
	in, err := userInput(fields, false)
	if err == nil {
		var u *herald.User
		if u, err = s.svc.UpdateUser(r.Context(), id, in); err == nil {
			writeJSON(w, http.StatusOK, userJSON(u))
			return
		}
	}
	s.writeError(w, r, err)
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.svc.DeleteUser(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func roleJSON(ro herald.Role) map[string]any {
	self := "/api/v1/roles/" + strconv.FormatInt(ro.ID, 10) + "/"
	t := herald.ObjectTypeByName(ro.ResourceType)
	return map[string]any{"id": ro.ID, "type": "role", "url": self, "name": ro.Name,
		"resource_type": ro.ResourceType, "resource_id": ro.ResourceID,
		"related": map[string]any{"users": self + "users/", "teams": self + "teams/", "resource": objectURL(t.Collection, ro.ResourceID)}}
}

// writeRoles answers a list of roles, in one page.
func (s *server) writeRoles(w http.ResponseWriter, r *http.Request, roles []herald.Role, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	results := make([]any, len(roles))
	for i, ro := range roles {
		results[i] = roleJSON(ro)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(results), "next": nil, "previous": nil, "results": results})
}

func (s *server) objectRoles(t *herald.ObjectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if id, ok := pathID(w, r); ok {
			roles, err := s.svc.ObjectRoles(r.Context(), t, id)
			s.writeRoles(w, r, roles, err)
		}
	}
}

func (s *server) userRoles(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r); ok {
		roles, err := s.svc.UserRoles(r.Context(), id)
		s.writeRoles(w, r, roles, err)
	}
}

func (s *server) teamRoles(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathID(w, r); ok {
		roles, err := s.svc.TeamRoles(r.Context(), id)
		s.writeRoles(w, r, roles, err)
	}
}

// grant handles POST roles/N/users/ and roles/N/teams/ {"id": K} (and "disassociate").
func (s *server) grant(holder string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		holderID, err := bodyID(fields)
		if err == nil {
			_, detach := fields["disassociate"]
			err = s.svc.SetGrant(r.Context(), id, holder, holderID, !detach)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// bodyID reads the {"id": K} of an attach or grant.
func bodyID(fields map[string]json.RawMessage) (int64, error) {
	raw, ok := fields["id"]
	var id int64
	switch {
	case !ok:
		return 0, herald.FieldError("id", "This field is required.")
	case json.Unmarshal(raw, &id) != nil || id <= 0:
		return 0, herald.FieldError("id", "\"id\" field must be an integer.")
	}
	return id, nil
}
