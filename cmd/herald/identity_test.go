package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// status sends a request to a running herald with an Authorization header
// and returns the answer's status and body.
func status(t *testing.T, base, method, path, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := procClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func basicAuth(user, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, password)
	return req.Header.Get("Authorization")
}

// TestRevocationReachesEveryInstance: a token revoked, or a password
// changed, through one instance is refused by another at once.
func TestRevocationReachesEveryInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald and runs two processes")
	}
	dbURL := heraldtest.PostgresURL(t)
	a, err := startInstance(t, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := startInstance(t, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	admin := basicAuth("admin", heraldtest.AdminPassword)
	code, u := status(t, a.url, "POST", "/api/v1/users/", admin, map[string]any{"username": "roamer", "password": "first-password"})
	if code != http.StatusCreated {
		t.Fatalf("create user: %d %v", code, u)
	}
	code, tok := status(t, a.url, "POST", "/api/v1/tokens/", basicAuth("roamer", "first-password"), map[string]any{})
	if code != http.StatusCreated {
		t.Fatalf("create token: %d %v", code, tok)
	}
	bearer := "Bearer " + tok["token"].(string)
	// Both instances know the token and the password (and B has them cached).
	for _, auth := range []string{bearer, basicAuth("roamer", "first-password")} {
		if code, _ := status(t, b.url, "GET", "/api/v1/me/", auth, nil); code != http.StatusOK {
			t.Fatalf("instance B before: %d", code)
		}
	}
	if code, _ := status(t, a.url, "DELETE", fmt.Sprintf("/api/v1/tokens/%d/", heraldtest.ID(tok)), bearer, nil); code != http.StatusNoContent {
		t.Fatalf("revoke on A: %d", code)
	}
	if code, body := status(t, b.url, "GET", "/api/v1/me/", bearer, nil); code != http.StatusUnauthorized || body["detail"] != "Invalid token." {
		t.Errorf("revoked token on B: %d %v, want 401 Invalid token.", code, body)
	}
	if code, _ := status(t, a.url, "PATCH", fmt.Sprintf("/api/v1/users/%d/", heraldtest.ID(u)), basicAuth("roamer", "first-password"), map[string]any{"password": "second-password"}); code != http.StatusOK {
		t.Fatalf("password change on A: %d", code)
	}
	if code, _ := status(t, b.url, "GET", "/api/v1/me/", basicAuth("roamer", "first-password"), nil); code != http.StatusUnauthorized {
		t.Errorf("old password on B after the change on A: %d, want 401", code)
	}
	if code, _ := status(t, b.url, "GET", "/api/v1/me/", basicAuth("roamer", "second-password"), nil); code != http.StatusOK {
		t.Errorf("new password on B: %d", code)
	}
}

// TestAdminResetPassword runs `herald admin reset-password` against the
// database of a running server.
func TestAdminResetPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("builds herald")
	}
	dataDir := t.TempDir()
	p := mustServe(t, []string{"HOME=" + t.TempDir(), "HERALD_DATA_DIR=" + dataDir})
	admin := basicAuth("admin", heraldtest.AdminPassword)
	code, tok := status(t, p.url, "POST", "/api/v1/tokens/", admin, map[string]any{})
	if code != http.StatusCreated {
		t.Fatalf("token: %d", code)
	}
	reset := func(stdin string, env ...string) (int, string) {
		cmd := exec.Command(heraldBinary(t), "admin", "reset-password", "--data-dir", dataDir, "admin")
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		cmd.Stdin = strings.NewReader(stdin)
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := reset("short\n"); code != 2 || !strings.Contains(out, "at least 8") {
		t.Errorf("a short password: exit %d, %s", code, out)
	}
	if code, out := reset("brand-new-password\n"); code != 0 {
		t.Fatalf("reset from standard input: exit %d, %s", code, out)
	}
	if code, _ := status(t, p.url, "GET", "/api/v1/me/", admin, nil); code != http.StatusUnauthorized {
		t.Errorf("old password after the reset: %d", code)
	}
	if code, _ := status(t, p.url, "GET", "/api/v1/me/", "Bearer "+tok["token"].(string), nil); code != http.StatusUnauthorized {
		t.Errorf("admin's token after the reset: %d", code)
	}
	if code, _ := status(t, p.url, "GET", "/api/v1/me/", basicAuth("admin", "brand-new-password"), nil); code != http.StatusOK {
		t.Errorf("new password: %d", code)
	}
	if code, out := reset("", "HERALD_ADMIN_PASSWORD=from-the-environment"); code != 0 {
		t.Fatalf("reset from HERALD_ADMIN_PASSWORD: exit %d, %s", code, out)
	}
	if code, _ := status(t, p.url, "GET", "/api/v1/me/", basicAuth("admin", "from-the-environment"), nil); code != http.StatusOK {
		t.Errorf("password from the environment: %d", code)
	}
	cmd := exec.Command(heraldBinary(t), "admin", "reset-password", "--data-dir", dataDir, "nobody")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HERALD_ADMIN_PASSWORD=whatever-long"}
	if out, _ := cmd.CombinedOutput(); cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "no user") {
		t.Errorf("unknown user: exit %d, %s", cmd.ProcessState.ExitCode(), out)
	}
}
