package api_test

// Tests of notifiers over the API (docs/api.md §4): CRUD for every type, the
// configuration checks, defaults shown back. The nf* helpers here are shared
// by hierarchy_test.go, notifications_test.go and secrets_test.go.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
)

// nfAllTypes are the seventeen types of docs/api.md §4, whether registered yet or not.
var nfAllTypes = []string{"email", "slack", "hipchat", "mattermost", "rocketchat", "pagerduty", "twilio", "irc", "webhook", "grafana",
	"teams", "telegram", "discord", "googlechat", "opsgenie", "ntfy", "gotify"}

// nfValidConfig is a valid configuration of each type with only the keys a
// user must give (plus a secret where the type has an optional one), so the
// defaults show up in the answer. Nothing is sent for these in CRUD tests.
func nfValidConfig(typ string) map[string]any {
	switch typ {
	case "email":
		return map[string]any{"host": "smtp.example.com", "port": 25, "sender": "herald@example.com", "recipients": []any{"ops@example.com", "dev@example.com"}, "password": "mail-pw"}
	case "slack":
		return map[string]any{"token": "xoxb-slack-token", "channels": []any{"#ops", "dev,1700000000.000100"}}
	case "hipchat":
		return map[string]any{"token": "hipchat-token", "rooms": []any{"ops"}, "api_url": "https://hipchat.example.com"}
	case "mattermost":
		return map[string]any{"mattermost_url": "https://mattermost.example.com/hooks/abc"}
	case "rocketchat":
		return map[string]any{"rocketchat_url": "https://rocket.example.com/hooks/abc"}
	case "pagerduty":
		return map[string]any{"service_key": "integration-key", "client_name": "herald", "token": "pd-token"}
	case "twilio":
		return map[string]any{"account_sid": "AC123", "account_token": "twilio-token", "from_number": "+15556667777", "to_numbers": []any{"+15558889999"}}
	case "irc":
		return map[string]any{"server": "irc.example.com", "port": 6667, "nickname": "herald", "targets": []any{"#ops", "alice"}, "password": "irc-pw"}
	case "webhook":
		return map[string]any{"url": "https://hooks.example.com/herald", "password": "hook-pw", "username": "hook"}
	case "grafana":
		return map[string]any{"grafana_url": "https://grafana.example.com", "grafana_key": "grafana-key", "annotation_tags": []any{"herald"}}
	case "teams":
		return map[string]any{"url": "https://prod-01.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=teams-sig"}
	case "telegram":
		return map[string]any{"bot_token": "123456:telegram-token", "chat_ids": []any{"-1001234567890", "@herald_ops"}}
	case "discord":
		return map[string]any{"url": "https://discord.com/api/webhooks/1/discord-token"}
	case "googlechat":
		return map[string]any{"url": "https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=chat-token"}
	case "opsgenie":
		return map[string]any{"api_key": "opsgenie-key", "responders": []any{map[string]any{"type": "team", "name": "NOC"}}}
	case "ntfy":
		return map[string]any{"url": "https://ntfy.sh", "topic": "herald_ops", "token": "tk_ntfy"}
	case "gotify":
		return map[string]any{"url": "https://gotify.example.com", "app_token": "gotify-token"}
	}
	panic("no config for " + typ)
}

// nfRequired are the required keys of docs/api.md §4's table (in bold there).
var nfRequired = map[string][]string{
	"email":      {"host", "port", "sender", "recipients"},
	"slack":      {"token", "channels"},
	"hipchat":    {"token", "rooms", "api_url"},
	"mattermost": {"mattermost_url"},
	"rocketchat": {"rocketchat_url"},
	"pagerduty":  {"service_key", "client_name"},
	"twilio":     {"account_sid", "account_token", "from_number", "to_numbers"},
	"irc":        {"server", "port", "nickname", "targets"},
	"webhook":    {"url"},
	"grafana":    {"grafana_url", "grafana_key"},
	"teams":      {"url"},
	"telegram":   {"bot_token", "chat_ids"},
	"discord":    {"url"},
	"googlechat": {"url"},
	"opsgenie":   {"api_key"},
	"ntfy":       {"url", "topic"},
	"gotify":     {"url", "app_token"},
}

// nfSpec returns the registered spec of typ, or skips the test while the
// type is not registered (irc is being finished in notify/irc).
func nfSpec(t *testing.T, typ string) *notify.Spec {
	t.Helper()
	spec := registry.Types()[typ]
	if spec == nil {
		t.Skipf("notification type %q is not registered in notify/registry/registry.go yet; this case runs once it is", typ)
	}
	return spec
}

// nfWarm makes one authenticated request so the server caches the admin's
// credentials: otherwise each parallel subtest's first request runs bcrypt
// at once, which costs seconds of CPU under -race.
func nfWarm(t *testing.T, s *heraldtest.Server) {
	t.Helper()
	nfMust(t, s, http.StatusOK, "GET", "/api/v1/organizations/", nil)
}

// nfMust sends a request and fails t (not the server's test: subtests share
// servers) unless the status is want; it returns the decoded object.
func nfMust(t *testing.T, s *heraldtest.Server, want int, method, path string, body any) map[string]any {
	t.Helper()
	r := s.Do(method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r.JSON()
}

// nfCreate creates an object (organization, project...) and returns its id.
func nfCreate(t *testing.T, s *heraldtest.Server, collection string, fields map[string]any) int64 {
	t.Helper()
	return heraldtest.ID(nfMust(t, s, http.StatusCreated, "POST", "/api/v1/"+collection+"/", fields))
}

// nfNotifier creates a notifier in org and returns its id.
func nfNotifier(t *testing.T, s *heraldtest.Server, org int64, name, typ string, cfg map[string]any) int64 {
	t.Helper()
	return nfCreate(t, s, "notifiers", map[string]any{"name": name, "organization": org, "notification_type": typ, "notification_configuration": cfg})
}

// nfJSON round-trips v through JSON so Go values compare with decoded ones.
func nfJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// nfProblems decodes a 400 answer that must have exactly one key, field,
// and returns its messages.
func nfProblems(t *testing.T, r *heraldtest.Response, field string) []string {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
	}
	var m map[string][]string
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("400 body is not an object of message lists: %s", r.Body)
	}
	if len(m) != 1 || m[field] == nil {
		t.Fatalf("400 body has keys other than %q: %s", field, r.Body)
	}
	return m[field]
}

// nfReceiver is a local webhook endpoint that records what reaches it.
type nfReceiver struct {
	*httptest.Server
	status int
	gate   chan struct{} // when not nil, each request waits until it is closed

	mu   sync.Mutex
	reqs []nfRequest
}

// nfRequest is one request the receiver got.
type nfRequest struct {
	Path     string
	Auth     bool
	User     string
	Password string
	Body     []byte
}

// nfNewReceiver answers every request with status once gate (if any) opens.
func nfNewReceiver(t *testing.T, status int, gate chan struct{}) *nfReceiver {
	t.Helper()
	rc := &nfReceiver{status: status, gate: gate}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u, p, ok := r.BasicAuth()
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, nfRequest{Path: r.URL.Path, Auth: ok, User: u, Password: p, Body: body})
		rc.mu.Unlock()
		if rc.gate != nil {
			<-rc.gate
		}
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// requests returns the requests that reached path so far.
func (rc *nfReceiver) requests(path string) []nfRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []nfRequest
	for _, r := range rc.reqs {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// nfClosedPort returns a loopback port nothing listens on (connections are refused).
func nfClosedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// nfShown is the configuration the API must show for in: defaults filled
// in, set secrets as "$encrypted$".
func nfShown(t *testing.T, spec *notify.Spec, in map[string]any) any {
	t.Helper()
	out := map[string]any{}
	for _, f := range spec.Fields {
		v, ok := in[f.Key]
		switch {
		case !ok && f.Default != nil:
			out[f.Key] = f.Default
		case !ok:
		case f.Kind == notify.Password && v != "":
			out[f.Key] = "$encrypted$"
		default:
			out[f.Key] = v
		}
	}
	return nfJSON(t, out)
}

// TestNotifiers runs the notifier tests on one server: starting one costs
// seconds of CPU under -race (bcrypt), and the subtests use their own
// organizations.
func TestNotifiers(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	nfWarm(t, s)
	for name, f := range map[string]func(*testing.T, *heraldtest.Server){
		"CRUD": testNotifierCRUD, "Defaults": testNotifierDefaults, "Validation": testNotifierValidation,
		"Fields": testNotifierFields, "FilterForbidden": testNotifierFilterForbidden,
	} {
		t.Run(name, func(t *testing.T) { f(t, s) })
	}
}

func testNotifierCRUD(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Ops1"})
	for _, typ := range nfAllTypes {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			spec := nfSpec(t, typ)
			cfg := nfValidConfig(typ)
			created := nfMust(t, s, http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
				"name": typ + " alerts", "description": "first", "organization": org, "notification_type": typ, "notification_configuration": cfg,
			})
			id := heraldtest.ID(created)
			path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
			want := nfShown(t, spec, cfg)
			for _, got := range []map[string]any{created, nfMust(t, s, http.StatusOK, "GET", path, nil)} {
				if got["type"] != "notifier" || got["name"] != typ+" alerts" || got["notification_type"] != typ || got["url"] != path || got["organization"] != float64(org) {
					t.Fatalf("notifier fields: %v", got)
				}
				if !reflect.DeepEqual(got["notification_configuration"], want) {
					t.Fatalf("configuration shown\n got %v\nwant %v", got["notification_configuration"], want)
				}
			}

			// PATCH without configuration keeps it.
			patched := nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"description": "second"})
			if patched["description"] != "second" || !reflect.DeepEqual(patched["notification_configuration"], want) {
				t.Fatalf("after PATCH: %v", patched)
			}

			// PUT replaces the whole notifier; secrets are given again.
			put := nfMust(t, s, http.StatusOK, "PUT", path, map[string]any{
				"name": typ + " renamed", "organization": org, "notification_type": typ, "notification_configuration": cfg,
			})
			if put["name"] != typ+" renamed" || !reflect.DeepEqual(put["notification_configuration"], want) {
				t.Fatalf("after PUT: %v", put)
			}

			list := nfMust(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifiers/?organization=%d&notification_type=%s", org, typ), nil)
			if list["count"] != float64(1) {
				t.Fatalf("list of %s notifiers: %v", typ, list)
			}
			nfMust(t, s, http.StatusNoContent, "DELETE", path, nil)
			nfMust(t, s, http.StatusNotFound, "GET", path, nil)
		})
	}
}

// testNotifierDefaults checks a few defaults of docs/api.md §4 by value, not
// through the spec, so a changed default is noticed.
func testNotifierDefaults(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Ops2"})
	cases := []struct {
		typ  string
		want map[string]any
	}{
		{"email", map[string]any{"use_tls": false, "use_ssl": false, "timeout": float64(30), "username": ""}},
		{"webhook", map[string]any{"http_method": "POST", "headers": map[string]any{}, "disable_ssl_verification": false}},
		{"hipchat", map[string]any{"notify": false}},
		{"mattermost", map[string]any{"mattermost_no_verify_ssl": false}},
		{"rocketchat", map[string]any{"rocketchat_no_verify_ssl": false}},
		{"grafana", map[string]any{"grafana_no_verify_ssl": false}},
		{"irc", map[string]any{"use_ssl": false}},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			nfSpec(t, c.typ)
			id := nfNotifier(t, s, org, c.typ+" defaults", c.typ, nfValidConfig(c.typ))
			got := nfMust(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifiers/%d/", id), nil)["notification_configuration"].(map[string]any)
			for k, v := range c.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s: got %#v, want %#v (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func testNotifierValidation(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Ops3"})
	with := func(typ string, changes map[string]any) map[string]any {
		c := nfValidConfig(typ)
		for k, v := range changes {
			c[k] = v
		}
		return c
	}
	const portRange = "Configuration field 'port' must be a port number between 1 and 65535."
	cases := []struct {
		name string
		typ  string
		cfg  map[string]any
		want []string
	}{
		{"missing keys", "email", map[string]any{}, []string{"Missing required fields for Notification Configuration: host, port, sender, recipients."}},
		{"all problems at once", "email", map[string]any{"port": "25", "prot": 25, "sender": "herald@example.com", "recipients": []any{"ops@example.com"}},
			[]string{"Missing required fields for Notification Configuration: host.", "Configuration field 'port' incorrect type, expected int.", "Unknown configuration field 'prot'."}},
		{"wrong type", "email", with("email", map[string]any{"port": "25"}), []string{"Configuration field 'port' incorrect type, expected int."}},
		{"fractional int", "email", with("email", map[string]any{"port": 25.5}), []string{"Configuration field 'port' incorrect type, expected int."}},
		{"bool is not int", "email", with("email", map[string]any{"port": true}), []string{"Configuration field 'port' incorrect type, expected int."}},
		{"number is not bool", "hipchat", with("hipchat", map[string]any{"notify": 1}), []string{"Configuration field 'notify' incorrect type, expected bool."}},
		{"list of numbers", "slack", with("slack", map[string]any{"channels": []any{1}}), []string{"Configuration field 'channels' incorrect type, expected list."}},
		{"unknown key", "webhook", with("webhook", map[string]any{"prot": 1}), []string{"Unknown configuration field 'prot'."}},
		{"bad URL scheme", "webhook", with("webhook", map[string]any{"url": "ftp://hooks.example.com/x"}), []string{"Configuration field 'url' must be an absolute http or https URL."}},
		{"relative URL", "mattermost", map[string]any{"mattermost_url": "/hooks/x"}, []string{"Configuration field 'mattermost_url' must be an absolute http or https URL."}},
		{"port 0", "email", with("email", map[string]any{"port": 0}), []string{portRange}},
		{"port 70000", "email", with("email", map[string]any{"port": 70000}), []string{portRange}},
		{"bad e-mail", "email", with("email", map[string]any{"sender": "not an address"}), []string{`Configuration field 'sender': "not an address" is not a valid e-mail address.`}},
		{"bad recipient", "email", with("email", map[string]any{"recipients": []any{"ops@example.com", "nobody"}}), []string{`Configuration field 'recipients': "nobody" is not a valid e-mail address.`}},
		{"bad E.164", "twilio", with("twilio", map[string]any{"from_number": "5556667777"}), []string{`Configuration field 'from_number': "5556667777" is not an E.164 phone number (like +15556667777).`}},
		{"empty list", "slack", with("slack", map[string]any{"channels": []any{}}), []string{"Configuration field 'channels' must not be an empty list."}},
		{"tls with ssl", "email", with("email", map[string]any{"use_tls": true, "use_ssl": true}), []string{"Configuration fields 'use_tls' and 'use_ssl' cannot both be true."}},
		{"checks together", "email", with("email", map[string]any{"port": 0, "use_tls": true, "use_ssl": true, "sender": "nobody"}),
			[]string{portRange, "Configuration fields 'use_tls' and 'use_ssl' cannot both be true.", `Configuration field 'sender': "nobody" is not a valid e-mail address.`}},
		{"irc port 70000", "irc", with("irc", map[string]any{"port": 70000}), []string{portRange}},
		{"irc empty targets", "irc", with("irc", map[string]any{"targets": []any{}}), []string{"Configuration field 'targets' must not be an empty list."}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			nfSpec(t, c.typ)
			r := s.Do("POST", "/api/v1/notifiers/", map[string]any{"name": fmt.Sprintf("n%d", i), "organization": org, "notification_type": c.typ, "notification_configuration": c.cfg})
			if got := nfProblems(t, r, "notification_configuration"); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("problems\n got %q\nwant %q", got, c.want)
			}
		})
	}
	// Every type names all its missing required keys in one message.
	for _, typ := range nfAllTypes {
		t.Run("missing/"+typ, func(t *testing.T) {
			t.Parallel()
			nfSpec(t, typ)
			r := s.Do("POST", "/api/v1/notifiers/", map[string]any{"name": "m-" + typ, "organization": org, "notification_type": typ, "notification_configuration": map[string]any{}})
			got := nfProblems(t, r, "notification_configuration")
			const prefix = "Missing required fields for Notification Configuration: "
			if len(got) != 1 || !strings.HasPrefix(got[0], prefix) || !strings.HasSuffix(got[0], ".") {
				t.Fatalf("problems %q", got)
			}
			keys := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got[0], prefix), "."), ", ")
			sort.Strings(keys)
			want := append([]string{}, nfRequired[typ]...)
			sort.Strings(want)
			if !reflect.DeepEqual(keys, want) {
				t.Fatalf("missing keys %q, want %q", keys, want)
			}
		})
	}
}

func testNotifierFields(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Ops4"})
	other := nfCreate(t, s, "organizations", map[string]any{"name": "Dev"})
	body := func(name string, o int64, typ string) map[string]any {
		return map[string]any{"name": name, "organization": o, "notification_type": typ, "notification_configuration": nfValidConfig("webhook")}
	}

	r := s.Do("POST", "/api/v1/notifiers/", body("pigeon", org, "carrier_pigeon"))
	if p := nfProblems(t, r, "notification_type"); len(p) != 1 || !strings.Contains(p[0], "carrier_pigeon") || !strings.Contains(p[0], "webhook") {
		t.Fatalf("bad type: %q", p)
	}
	noType := body("untyped", org, "webhook")
	delete(noType, "notification_type")
	if p := nfProblems(t, s.Do("POST", "/api/v1/notifiers/", noType), "notification_type"); !reflect.DeepEqual(p, []string{"This field is required."}) {
		t.Fatalf("missing type: %q", p)
	}
	notObject := body("flat", org, "webhook")
	notObject["notification_configuration"] = "url=https://x"
	if r := s.Do("POST", "/api/v1/notifiers/", notObject); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "notification_configuration") {
		t.Fatalf("configuration not an object: %d %s", r.Status, r.Body)
	}

	// Names are unique within an organization, not across them.
	id := nfCreate(t, s, "notifiers", body("hook", org, "webhook"))
	if r := s.Do("POST", "/api/v1/notifiers/", body("hook", org, "webhook")); r.Status != http.StatusBadRequest {
		t.Fatalf("duplicate name in the organization: %d %s", r.Status, r.Body)
	}
	nfCreate(t, s, "notifiers", body("hook", other, "webhook"))
	second := nfCreate(t, s, "notifiers", body("hook2", org, "webhook"))
	if r := s.Do("PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", second), map[string]any{"name": "hook"}); r.Status != http.StatusBadRequest {
		t.Fatalf("rename onto a taken name: %d %s", r.Status, r.Body)
	}

	// Changing the type needs the new type's configuration.
	path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
	p := nfProblems(t, s.Do("PATCH", path, map[string]any{"notification_type": "slack"}), "notification_configuration")
	if !reflect.DeepEqual(p, []string{"This field is required."}) {
		t.Fatalf("type change without configuration: %q", p)
	}
	if got := nfMust(t, s, http.StatusOK, "GET", path, nil); got["notification_type"] != "webhook" {
		t.Fatalf("refused PATCH changed the notifier: %v", got)
	}
	changed := nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_type": "slack", "notification_configuration": nfValidConfig("slack")})
	if changed["notification_type"] != "slack" || !reflect.DeepEqual(changed["notification_configuration"], nfShown(t, registry.Types()["slack"], nfValidConfig("slack"))) {
		t.Fatalf("type change with configuration: %v", changed)
	}
}

func testNotifierFilterForbidden(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	for _, path := range []string{
		"/api/v1/notifiers/?notification_configuration=x",
		"/api/v1/notifiers/?notification_configuration__icontains=token",
		"/api/v1/notifications/?notification_configuration__in=a,b",
		"/api/v1/notifications/?notification_configuration=x",
	} {
		r := s.Do("GET", path, nil)
		if r.Status != http.StatusForbidden || !reflect.DeepEqual(r.JSON(), map[string]any{"detail": "Filtering on notification_configuration is not allowed."}) {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
}
