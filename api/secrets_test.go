package api_test

// Tests of notifier secrets (docs/api.md §4): shown as "$encrypted$", kept when
// "$encrypted$" comes back, replaced or cleared otherwise, never stored in
// clear and never echoed by an error. What is kept is proved by sending.

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// secretMark starts every secret these tests store, so one search of the
// database files finds any of them in clear; plainMark starts values that
// are not secret and must be found, which proves the search reads the data.
const (
	secretMark = "SEKRET-"
	plainMark  = "PLAINMARK-"
)

// nfWait waits until notification id is delivered or failed and returns it.
func nfWait(t *testing.T, s *heraldtest.Server, id int64) map[string]any {
	t.Helper()
	var n map[string]any
	if !heraldtest.Eventually(t, 15*time.Second, func() bool {
		n = nfMust(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifications/%d/", id), nil)
		return n["status"] != "pending"
	}) {
		t.Fatalf("notification %d still pending: %v", id, n)
	}
	return n
}

// nfTest sends a test notification from notifier id and waits for its outcome.
func nfTest(t *testing.T, s *heraldtest.Server, id int64) map[string]any {
	t.Helper()
	r := nfMust(t, s, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/notifiers/%d/test/", id), nil)
	return nfWait(t, s, heraldtest.ID(r))
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "herald.db")
	s := heraldtest.Start(t, heraldtest.Options{DatabaseURL: "sqlite:" + dbPath})
	nfWarm(t, s)
	rc := nfNewReceiver(t, http.StatusOK, nil)
	t.Run("group", func(t *testing.T) {
		t.Run("Masked", func(t *testing.T) { testSecretsMasked(t, s) })
		t.Run("KeptReplacedCleared", func(t *testing.T) { testSecretsKept(t, s, rc) })
		t.Run("NotEchoed", func(t *testing.T) { testSecretsNotEchoed(t, s) })
	})
	// Once everything above is stored, no secret may be in the files.
	t.Run("AtRest", func(t *testing.T) { testSecretsAtRest(t, dbPath) })
}

func testSecretsMasked(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Masked"})
	secrets := map[string][]string{
		"email": {"password"}, "slack": {"token"}, "hipchat": {"token"}, "pagerduty": {"token"}, "twilio": {"account_token"},
		"irc": {"password"}, "webhook": {"password"}, "grafana": {"grafana_key"},
		"opsgenie": {"api_key"}, "ntfy": {"token"}, "gotify": {"app_token"},
	}
	for typ, keys := range secrets {
		t.Run(typ, func(t *testing.T) {
			nfSpec(t, typ)
			cfg := nfValidConfig(typ)
			for _, k := range keys {
				cfg[k] = secretMark + typ + "-" + k
			}
			r := s.Do("POST", "/api/v1/notifiers/", map[string]any{"name": typ, "description": plainMark + typ, "organization": org, "notification_type": typ, "notification_configuration": cfg})
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			id := heraldtest.ID(r.JSON())
			for _, path := range []string{
				"", fmt.Sprintf("/api/v1/notifiers/%d/", id), fmt.Sprintf("/api/v1/notifiers/?organization=%d", org),
				fmt.Sprintf("/api/v1/organizations/%d/notifiers/", org),
			} {
				if path != "" {
					r = s.Do("GET", path, nil)
				}
				if r.Status/100 != 2 || bytes.Contains(r.Body, []byte(secretMark)) {
					t.Fatalf("GET %s shows a secret: %d %s", path, r.Status, r.Body)
				}
			}
			shown := nfMust(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/notifiers/%d/", id), nil)["notification_configuration"].(map[string]any)
			for _, k := range keys {
				if shown[k] != "$encrypted$" {
					t.Errorf("%s shown as %v, want $encrypted$", k, shown[k])
				}
			}
		})
	}
	// "$encrypted$" on create has nothing to keep.
	cfg := nfValidConfig("slack")
	cfg["token"] = "$encrypted$"
	p := nfProblems(t, s.Do("POST", "/api/v1/notifiers/", map[string]any{"name": "keepless", "organization": org, "notification_type": "slack", "notification_configuration": cfg}), "notification_configuration")
	if len(p) != 1 || !strings.Contains(p[0], "'token'") {
		t.Fatalf("$encrypted$ on create: %q", p)
	}
}

func testSecretsKept(t *testing.T, s *heraldtest.Server, rc *nfReceiver) {
	t.Parallel()
	tree := nfNewTree(t, s, "Kept")
	hook := func(path, password string) map[string]any {
		return map[string]any{"url": rc.URL + path, "username": plainMark + "user", "password": password}
	}
	id := nfNotifier(t, s, tree.org, "kept", "webhook", hook("/kept/1", secretMark+"first"))
	path := fmt.Sprintf("/api/v1/notifiers/%d/", id)
	// last checks the newest request at at and its password.
	last := func(at string, n int, want string) {
		t.Helper()
		if !heraldtest.Eventually(t, 15*time.Second, func() bool { return len(rc.requests(at)) >= n }) {
			t.Fatalf("%d requests at %s, want %d", len(rc.requests(at)), at, n)
		}
		got := rc.requests(at)[n-1]
		if !got.Auth || got.User != plainMark+"user" || got.Password != want {
			t.Fatalf("request at %s: auth %v user %q password %q, want password %q", at, got.Auth, got.User, got.Password, want)
		}
	}

	// Through a job: attach, run, the stored secret arrives.
	nfMust(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", tree.ids["job_template"]), map[string]any{"id": id})
	nfRunJob(t, s, nfKinds[0], tree, "successful")
	last("/kept/1", 1, secretMark+"first")

	// PATCH with "$encrypted$" (and a new URL, to see the change applied) keeps it.
	got := nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_configuration": hook("/kept/2", "$encrypted$")})
	if c := got["notification_configuration"].(map[string]any); c["password"] != "$encrypted$" || c["url"] != rc.URL+"/kept/2" {
		t.Fatalf("after PATCH: %v", c)
	}
	nfRunJob(t, s, nfKinds[0], tree, "successful")
	last("/kept/2", 1, secretMark+"first")

	// So does PUT.
	nfMust(t, s, http.StatusOK, "PUT", path, map[string]any{"name": "kept", "organization": tree.org, "notification_type": "webhook", "notification_configuration": hook("/kept/3", "$encrypted$")})
	if n := nfTest(t, s, id); n["status"] != "successful" {
		t.Fatalf("test after PUT: %v", n)
	}
	last("/kept/3", 1, secretMark+"first")

	// Another value replaces it.
	nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_configuration": hook("/kept/3", secretMark+"second")})
	nfTest(t, s, id)
	last("/kept/3", 2, secretMark+"second")

	// "" clears it: shown as "", sent as no password.
	got = nfMust(t, s, http.StatusOK, "PATCH", path, map[string]any{"notification_configuration": hook("/kept/3", "")})
	if c := got["notification_configuration"].(map[string]any); c["password"] != "" {
		t.Fatalf("cleared password shown as %v", c["password"])
	}
	nfTest(t, s, id)
	last("/kept/3", 3, "")

	// Nothing is left to keep now.
	p := nfProblems(t, s.Do("PATCH", path, map[string]any{"notification_configuration": hook("/kept/3", "$encrypted$")}), "notification_configuration")
	if len(p) != 1 || !strings.Contains(p[0], "'password'") {
		t.Fatalf("$encrypted$ after clearing: %q", p)
	}
	// A secret of another type cannot be kept across a type change.
	slack := nfValidConfig("slack")
	slack["token"] = "$encrypted$"
	if r := s.Do("PATCH", path, map[string]any{"notification_type": "slack", "notification_configuration": slack}); r.Status != http.StatusBadRequest {
		t.Fatalf("$encrypted$ across a type change: %d %s", r.Status, r.Body)
	}
}

func testSecretsNotEchoed(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	org := nfCreate(t, s, "organizations", map[string]any{"name": "Echo"})
	const secret = secretMark + "echo"
	stored := nfNotifier(t, s, org, "stored", "webhook", map[string]any{"url": "https://hooks.example.com/x", "password": secret + "-stored"})
	with := func(typ string, changes map[string]any) map[string]any {
		c := nfValidConfig(typ)
		for k, v := range changes {
			c[k] = v
		}
		return c
	}
	create := func(typ string, cfg map[string]any) map[string]any {
		return map[string]any{"name": "echo", "organization": org, "notification_type": typ, "notification_configuration": cfg}
	}
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"bad url", "POST", "/api/v1/notifiers/", create("webhook", with("webhook", map[string]any{"url": "ftp://x", "password": secret}))},
		{"secret of wrong type", "POST", "/api/v1/notifiers/", create("webhook", with("webhook", map[string]any{"password": []any{secret}}))},
		{"secret under an unknown key", "POST", "/api/v1/notifiers/", create("webhook", with("webhook", map[string]any{"passwrod": secret}))},
		{"slack", "POST", "/api/v1/notifiers/", create("slack", with("slack", map[string]any{"token": secret, "channels": []any{}}))},
		{"twilio", "POST", "/api/v1/notifiers/", create("twilio", with("twilio", map[string]any{"account_token": secret, "from_number": "1"}))},
		{"email", "POST", "/api/v1/notifiers/", create("email", with("email", map[string]any{"password": secret, "port": 0}))},
		{"grafana", "POST", "/api/v1/notifiers/", create("grafana", with("grafana", map[string]any{"grafana_key": secret, "grafana_url": "nope"}))},
		{"bad type", "POST", "/api/v1/notifiers/", create("pigeon", with("webhook", map[string]any{"password": secret}))},
		{"malformed JSON", "POST", "/api/v1/notifiers/", `{"name": "echo", "notification_configuration": {"password": "` + secret + `"`},
		{"malformed JSON after the secret", "POST", "/api/v1/notifiers/", `{"notification_configuration": {"password": "` + secret + `", x}}`},
		{"kept secret, bad change", "PATCH", fmt.Sprintf("/api/v1/notifiers/%d/", stored), map[string]any{"notification_configuration": map[string]any{"url": "nope", "password": "$encrypted$"}}},
		{"unknown notifier", "PATCH", "/api/v1/notifiers/999999/", map[string]any{"notification_configuration": map[string]any{"password": secret}}},
	}
	for _, c := range cases {
		r := s.Do(c.method, c.path, c.body)
		if r.Status/100 != 4 || bytes.Contains(r.Body, []byte(secretMark)) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
}

func testSecretsAtRest(t *testing.T, dbPath string) {
	files, err := filepath.Glob(dbPath + "*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files at %s: %v", dbPath, err)
	}
	var all []byte
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(f))
		all = append(all, data...)
		if i := bytes.Index(data, []byte(secretMark)); i >= 0 {
			end := min(i+40, len(data))
			t.Errorf("%s holds a secret in clear: %q", f, data[i:end])
		}
	}
	if !bytes.Contains(all, []byte(plainMark)) {
		t.Fatalf("the stored notifiers are not in %v: the search reads nothing", names)
	}
	if !strings.Contains(strings.Join(names, " "), "-wal") {
		t.Logf("no -wal file beside the database (files: %v)", names)
	}
}
