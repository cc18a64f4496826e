package api

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/message"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/store"
)

// Encrypted is how a stored secret is shown, and sent back to keep it.
const Encrypted = "$encrypted$"

// renderNotifications builds the notifications of a job event, one per
// notifier, rendered now so that what is sent is what the job was then.
func (s *server) renderNotifications(j *herald.Job, trigger herald.Trigger, notifiers []*herald.Notifier) []herald.NewNotification {
	out := make([]herald.NewNotification, 0, len(notifiers))
	for _, n := range notifiers {
		subject, body := message.Render(n.Type, n.Messages, trigger, j, s.BaseURL)
		out = append(out, herald.NewNotification{
			Notifier: n.ID, Type: n.Type, Recipients: s.recipients(n), Subject: subject, Body: body, Trigger: string(trigger),
		})
	}
	return out
}

// recipients is the notifier's destination as the notification records it.
func (s *server) recipients(n *herald.Notifier) string {
	spec := s.Types[n.Type]
	if spec == nil || spec.Recipients == "" {
		return ""
	}
	c := notify.Config(n.Config)
	if l := c.List(spec.Recipients); l != nil {
		return strings.Join(l, ", ")
	}
	return c.String(spec.Recipients)
}

func (s *server) notifierJSON(r *http.Request, n *herald.Notifier) map[string]any {
	self := objectURL("notifiers", n.ID)
	related := map[string]any{"notifications": self + "notifications/", "test": self + "test/"}
	summary := map[string]any{}
	if n.Organization != nil {
		related["organization"] = objectURL("organizations", *n.Organization)
		summary["organization"] = map[string]any{"id": *n.Organization, "name": s.store.ObjectName(r.Context(), "organizations", *n.Organization)}
	}
	recent, err := s.store.RecentNotifications(r.Context(), n.ID, 5)
	if err != nil {
		s.log.Error("recent notifications", "notifier", n.ID, "err", err)
	}
	rs := make([]any, 0, len(recent))
	for _, x := range recent {
		rs = append(rs, map[string]any{"id": x.ID, "status": x.Status, "created": fmtTime(x.Created), "error": x.Error})
	}
	summary["recent_notifications"] = rs
	return map[string]any{
		"id": n.ID, "type": "notifier", "url": self, "related": related, "summary_fields": summary,
		"created": fmtTime(n.Created), "modified": fmtTime(n.Modified),
		"name": n.Name, "description": n.Description, "organization": n.Organization, "notification_type": n.Type,
		"notification_configuration": s.masked(n), "messages": messagesJSON(n.Messages),
	}
}

// masked shows a configuration with every stored secret as "$encrypted$".
func (s *server) masked(n *herald.Notifier) map[string]any {
	out := make(map[string]any, len(n.Config))
	for k, v := range n.Config {
		out[k] = v
	}
	if spec := s.Types[n.Type]; spec != nil {
		for _, k := range spec.Secrets() {
			if v, _ := out[k].(string); v != "" {
				out[k] = Encrypted
			}
		}
	}
	return out
}

func messagesJSON(m herald.Messages) map[string]any {
	out := map[string]any{"started": nil, "success": nil, "error": nil}
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func (s *server) listNotifiers(w http.ResponseWriter, r *http.Request) {
	listHandler(s,
		func(r *http.Request, q store.Query) ([]*herald.Notifier, int, error) {
			return s.store.ListNotifiers(r.Context(), q)
		},
		s.notifierJSON)(w, r)
}

func (s *server) getNotifier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := s.store.GetNotifier(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.notifierJSON(r, n))
}

func (s *server) typeNames() string {
	names := make([]string, 0, len(s.Types))
	for k := range s.Types {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// notifierFromBody applies a create, PUT or PATCH body to n (old is the stored
// notifier on update, nil on create) and checks the result as a whole.
func (s *server) notifierFromBody(fields map[string]json.RawMessage, old *herald.Notifier, partial bool) (*herald.Notifier, error) {
	fe := fieldErrors{}
	n := &herald.Notifier{}
	if old != nil {
		*n = *old
	}
	if v, ok := fe.str(fields, "name", !partial, 512); ok {
		if strings.TrimSpace(v) == "" {
			fe.add("name", "This field may not be blank.")
		}
		n.Name = v
	}
	if v, ok := fe.str(fields, "description", false, 0); ok {
		n.Description = v
	}
	// An omitted field keeps its value, on PUT as on PATCH (as AWX does).
	if v, present := fe.ref(fields, "organization", false); present {
		n.Organization = v
	}
	if v, ok := fe.str(fields, "notification_type", !partial, 32); ok {
		if s.Types[v] == nil {
			fe.add("notification_type", "\"%s\" is not a valid choice. Choose one of: %s.", v, s.typeNames())
		}
		n.Type = v
	}
	spec := s.Types[n.Type]
	raw, given := fields["notification_configuration"]
	switch {
	case spec == nil:
	case given:
		var cfg map[string]any
		if string(raw) == "null" || json.Unmarshal(raw, &cfg) != nil || cfg == nil {
			fe.add("notification_configuration", "Expected an object of configuration fields for %s.", spec.Label)
			break
		}
		s.applyConfig(fe, spec, cfg, old)
		n.Config = cfg
	case old == nil || old.Type != n.Type:
		if !partial || old != nil {
			fe.add("notification_configuration", "This field is required.")
		}
	}
	if raw, ok := fields["messages"]; ok {
		msgs, problems := message.Parse(raw)
		if len(problems) == 0 {
			problems = message.Validate(msgs)
		}
		for _, p := range problems {
			fe.add("messages", "%s", p)
		}
		n.Messages = msgs
	}
	return n, fe.err()
}

// applyConfig validates cfg for spec, fills its defaults, and seals its
// secrets: "$encrypted$" keeps the stored value, "" clears it, anything else
// replaces it. Problems go to fe; cfg is then not to be stored.
func (s *server) applyConfig(fe fieldErrors, spec *notify.Spec, cfg map[string]any, old *herald.Notifier) {
	// Validate with a stand-in for kept secrets so their type checks pass.
	kept := map[string]bool{}
	for _, k := range spec.Secrets() {
		if cfg[k] == Encrypted {
			if old == nil || old.Type != spec.Type || old.Config[k] == nil || old.Config[k] == "" {
				fe.add("notification_configuration", "Configuration field '%s' has no stored value to keep; send the secret itself.", k)
				continue
			}
			kept[k] = true
			cfg[k] = "kept-secret"
		}
	}
	normal, problems := notify.Validate(spec, cfg)
	for _, p := range problems {
		fe.add("notification_configuration", "%s", p)
	}
	if len(fe["notification_configuration"]) > 0 {
		return
	}
	clear(cfg)
	for k, v := range normal {
		cfg[k] = v
	}
	for _, k := range spec.Secrets() {
		v, _ := cfg[k].(string)
		switch {
		case kept[k]:
			cfg[k] = old.Config[k]
		case v != "":
			sealed, err := s.Secrets.Encrypt(v)
			if err != nil {
				fe.add("notification_configuration", "Could not encrypt '%s'.", k)
				return
			}
			cfg[k] = sealed
		}
	}
}

func (s *server) createNotifier(w http.ResponseWriter, r *http.Request) {
	fields, ok := s.decode(w, r, false)
	if !ok {
		return
	}
	n, err := s.notifierFromBody(fields, nil, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if n, err = s.store.CreateNotifier(r.Context(), n); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", objectURL("notifiers", n.ID))
	writeJSON(w, http.StatusCreated, s.notifierJSON(r, n))
}

func (s *server) updateNotifier(partial bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		old, err := s.store.GetNotifier(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		fields, ok := s.decode(w, r, false)
		if !ok {
			return
		}
		n, err := s.notifierFromBody(fields, old, partial)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if n, err = s.store.UpdateNotifier(r.Context(), n); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.notifierJSON(r, n))
	}
}

func (s *server) deleteNotifier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteNotifier(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testNotifier sends a test message through the delivery engine (202, then poll).
func (s *server) testNotifier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := s.store.GetNotifier(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	subject, body := message.Test(n.ID, s.BaseURL)
	note, err := s.store.CreateTestNotification(r.Context(), herald.NewNotification{
		Notifier: n.ID, Type: n.Type, Recipients: s.recipients(n), Subject: subject, Body: body, Trigger: "test",
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := s.notificationJSON(r, note)
	out["notification"] = note.ID
	w.Header().Set("Location", objectURL("notifications", note.ID))
	writeJSON(w, http.StatusAccepted, out)
}
