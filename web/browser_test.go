package web_test

// The console as people use it: Debian's Chromium, driven by chromedp,
// against a whole Herald (heraldtest: real SQLite, the API, the delivery
// engine) and webhook receivers that record what they get.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/herald-notify/herald/internal/heraldtest"
)

// hang bounds every wait for the page; only a hang reaches it.
const hang = 60 * time.Second

// chromium finds the browser; with CI=true a missing one fails the test.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install -y chromium); CI must install it")
	}
	t.Skip("chromium not installed: apt-get install -y chromium")
	return ""
}

// world is one Herald and one browser, shared by the cases (each in its own tab).
type world struct {
	h       *heraldtest.Server
	browser context.Context
	host    string
}

func TestConsole(t *testing.T) {
	path := chromium(t)
	h := heraldtest.Start(t, heraldtest.Options{})
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	u, _ := url.Parse(h.URL)
	w := &world{h: h, browser: browser, host: u.Host}
	for _, c := range []struct {
		name string
		run  func(t *testing.T, w *world)
	}{
		{"SignIn", testSignIn},
		{"CreateEachType", testCreateEachType},
		{"EditKeepsSecretAndTest", testEditKeepsSecretAndTest},
		{"TestShowsFailure", testTestShowsFailure},
		{"AttachOnTemplateFires", testAttachOnTemplateFires},
		{"PreviewMessages", testPreviewMessages},
		{"RetryFailed", testRetryFailed},
		{"JobLinks", testJobLinks},
		{"NarrowLayout", testNarrowLayout},
		{"DeleteAndPause", testDeleteAndPause},
		{"UsersAndRoles", testUsersAndRoles},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, w) })
	}
}

// tab is one browser tab; it fails the test on a script error, a browser
// dialog, or a request to another host.
type tab struct {
	t     *testing.T
	w     *world
	ctx   context.Context
	mu    sync.Mutex
	bad   []string
	base  string
	loads int
}

func (w *world) tab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(w.browser)
	tb := &tab{t: t, w: w, ctx: ctx, base: w.h.URL}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			tb.flag("script error: %s %s", e.ExceptionDetails.Text, exceptionText(e.ExceptionDetails))
		case *page.EventJavascriptDialogOpening:
			tb.flag("a browser dialog opened: %s %q", e.Type, e.Message)
		case *network.EventRequestWillBeSent:
			if r, err := url.Parse(e.Request.URL); err == nil && r.Scheme != "data" && r.Host != w.host {
				tb.flag("request to another host: %s", e.Request.URL)
			}
		case *cdplog.EventEntryAdded:
			// A refused resource (a CSP violation among them) is logged as an error.
			// (Failed loads are the console's feature probes and expected 4xx answers.)
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				tb.flag("browser log: %s %s", e.Entry.Text, e.Entry.URL)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tb.flag("console error: %s", strings.Join(parts, " "))
			}
		}
	})
	t.Cleanup(func() {
		tb.mu.Lock()
		for _, b := range tb.bad {
			t.Error(b)
		}
		tb.mu.Unlock()
		cancel()
	})
	return tb
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

func (tb *tab) flag(format string, args ...any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.bad = append(tb.bad, fmt.Sprintf(format, args...))
}

// do runs steps, failing the test (with what the page shows) on an error.
func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, hang)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%v\npage: %s", err, tb.visibleText())
	}
}

func (tb *tab) visibleText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + " rendered " + document.querySelector("#view").dataset.rendered +
		" type " + (document.querySelector("select[name=notification_type]") || {}).value +
		" errors " + [...document.querySelectorAll(".error, .field-error, .error-text")].map((e) => e.textContent).filter(Boolean).join(" | ") +
		"\n" + document.body.innerText.slice(0, 3000)`))
	return s
}

// eval returns what a script gives.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, hang)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// until waits for a script to be true.
func until(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(hang))
}

func (tb *tab) waitFor(js string) {
	tb.t.Helper()
	tb.do(until(js))
}

// set gives a control a value the way a user's choice would, with its events.
func set(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) throw new Error("no " + %[1]s);
			e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, js(sel), js(value))
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	})
}

func js(s string) string { b, _ := json.Marshal(s); return string(b) }

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// signIn opens the console and signs in as admin through the form.
func (tb *tab) signIn(hash string) {
	tb.t.Helper()
	tb.signInAs("admin", heraldtest.AdminPassword, hash)
}

func (tb *tab) signInAs(user, password, hash string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.base+"/"+hash),
		chromedp.WaitVisible(css("#login-username")),
		chromedp.SendKeys(css("#login-username"), user),
		chromedp.SendKeys(css("#login-password"), password),
		chromedp.Click(css("#login-form button[type=submit]")),
		chromedp.WaitVisible(css("#nav")), until(`document.querySelector("#view").dataset.rendered === location.hash`))
}

// open navigates within the console and waits for the page's heading.
func (tb *tab) open(hash string) {
	tb.t.Helper()
	// A fresh load each time (the console ignores the query), so that opening
	// the page already shown starts it anew rather than keeping what was typed.
	tb.loads++
	tb.do(chromedp.Navigate(fmt.Sprintf("%s/?load=%d%s", tb.base, tb.loads, hash)), until(`document.querySelector("#view").dataset.rendered === location.hash`))
}

// shot saves a screenshot: into docs/screenshots with HERALD_UPDATE_SCREENSHOTS=1, else a temporary directory.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, hang)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.save(name, png)
}

func (tb *tab) save(name string, png []byte) {
	dir := tb.t.TempDir()
	if os.Getenv("HERALD_UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs", "screenshots")
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// shotOf saves a screenshot of one element, as shot does.
func (tb *tab) shotOf(sel, name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, hang)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(css(sel)))
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.save(name, png)
}

// receiver is a webhook endpoint that answers with status and records what it got.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	got    []request
}

type request struct {
	header http.Header
	body   string
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, request{r.Header.Clone(), string(body)})
		status := rc.status
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

func (rc *receiver) answer(status int) {
	rc.mu.Lock()
	rc.status = status
	rc.mu.Unlock()
}

func (w *world) webhook(t *testing.T, name string, rc *receiver, extra map[string]any) int64 {
	t.Helper()
	cfg := map[string]any{"url": rc.URL + "/hook"}
	for k, v := range extra {
		cfg[k] = v
	}
	return heraldtest.ID(w.h.For(t).Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": name, "organization": w.org(t), "notification_type": "webhook", "notification_configuration": cfg,
	}))
}

var orgOnce sync.Once
var orgID int64

func (w *world) org(t *testing.T) int64 {
	orgOnce.Do(func() {
		orgID = heraldtest.ID(w.h.For(t).Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"}))
	})
	return orgID
}

func itoa(n int64) string { return fmt.Sprint(n) }

// --- the cases ---

func testSignIn(t *testing.T, w *world) {
	tb := w.tab(t)
	tb.do(chromedp.Navigate(tb.base+"/"),
		chromedp.WaitVisible(css("#login-username")),
		chromedp.SendKeys(css("#login-username"), "admin"),
		chromedp.SendKeys(css("#login-password"), "not-the-password"),
		chromedp.Click(css("#login-form button[type=submit]")),
		until(`document.querySelector("#login-error").textContent !== ""`))
	if got := eval[string](tb, `document.querySelector("#login-error").textContent`); got != "Wrong username or password." {
		t.Errorf("wrong password shows %q", got)
	}
	if eval[bool](tb, `!document.querySelector("#nav").hidden || sessionStorage.getItem("herald-token") !== null`) {
		t.Error("a wrong password signed in")
	}
	// The password field is selected for another try; type the right one.
	tb.do(chromedp.SendKeys(css("#login-password"), heraldtest.AdminPassword),
		chromedp.Click(css("#login-form button[type=submit]")),
		chromedp.WaitVisible(css("#nav")), until(`document.querySelector("#whoami").textContent === "admin"`))
	token := eval[string](tb, `sessionStorage.getItem("herald-token")`)
	if r := w.h.Do("GET", "/api/v1/notifiers/", nil, "Authorization", "Bearer "+token); r.Status != http.StatusOK {
		t.Fatalf("the console's token: %d", r.Status)
	}
	tb.do(chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-username")))
	if r := w.h.Do("GET", "/api/v1/notifiers/", nil, "Authorization", "Bearer "+token); r.Status != http.StatusUnauthorized {
		t.Errorf("after sign-out the token answers %d, want 401 (revoked)", r.Status)
	}
	if eval[bool](tb, `sessionStorage.getItem("herald-token") !== null`) {
		t.Error("sign-out left the token in sessionStorage")
	}
}

// sampleValue is what a user would type into a required field of a type.
func sampleValue(key, typ string) string {
	switch {
	case strings.Contains(key, "url"):
		return "https://hooks.example.com/" + key
	case key == "port":
		return "587"
	case key == "host" || key == "server":
		return "relay.example.com"
	case key == "sender":
		return "herald@example.com"
	case key == "recipients":
		return "ops@example.com\noncall@example.com"
	case key == "bot_token":
		return "123456789:AAE-example-token-from-BotFather"
	case key == "chat_ids":
		return "-1001234567890"
	case strings.Contains(key, "number"):
		return "+15555550100"
	case key == "channels" || key == "targets":
		return "#ops"
	case typ == "integer":
		return "1"
	case typ == "list":
		return "ops"
	}
	return "typed-" + key
}

func testCreateEachType(t *testing.T, w *world) {
	w.org(t)
	types := w.h.For(t).Must(http.StatusOK, "GET", "/api/v1/notification_types/", nil)["results"].([]any)
	if len(types) < 10 {
		t.Fatalf("%d types listed", len(types))
	}
	tb := w.tab(t)
	tb.signIn("#/notifiers")
	for _, x := range types {
		typ := x.(map[string]any)
		name := typ["notification_type"].(string)
		t.Run(name, func(t *testing.T) {
			tb.t = t
			tb.open("#/notifiers/new")
			notifierName := "Created " + name
			tb.do(set("select[name=notification_type]", name),
				until(fmt.Sprintf(`document.querySelector("fieldset.config legend").textContent === %s`, js(typ["label"].(string)+" settings"))),
				chromedp.SendKeys(css("input[name=name]"), notifierName))
			want := map[string]any{}
			for _, f := range typ["fields"].([]any) {
				field := f.(map[string]any)
				key, ftype := field["key"].(string), field["type"].(string)
				if field["required"] != true {
					continue
				}
				value := sampleValue(key, ftype)
				sel := fmt.Sprintf(`[name="cfg-%s"]`, key)
				if ftype == "list" {
					// A list is typed one per line.
					tb.do(chromedp.SendKeys(css(sel), value))
					want[key] = strings.Split(value, "\n")
				} else {
					tb.do(chromedp.SendKeys(css(sel), value))
					want[key] = value
				}
				if ftype == "integer" {
					want[key] = json.Number(value)
				}
				if field["secret"] == true {
					want[key] = "$encrypted$"
				}
			}
			// Enter in a field submits, as a user would; a click by coordinates
			// could miss the button while the previews above it grow.
			tb.do(chromedp.SendKeys(css("input[name=name]"), kb.Enter),
				until(`location.hash.startsWith("#/notifiers?search=")`), until(`document.querySelectorAll("table.cards tbody tr").length === 1`))
			list := w.h.For(t).Must(http.StatusOK, "GET", "/api/v1/notifiers/?name="+url.QueryEscape(notifierName), nil)
			if list["count"] != 1.0 {
				t.Fatalf("%s: %v notifiers named %q", name, list["count"], notifierName)
			}
			n := list["results"].([]any)[0].(map[string]any)
			if n["notification_type"] != name || n["organization"] != float64(w.org(t)) {
				t.Errorf("stored type %v organization %v", n["notification_type"], n["organization"])
			}
			cfg := n["notification_configuration"].(map[string]any)
			for key, v := range want {
				got := cfg[key]
				switch v := v.(type) {
				case json.Number:
					if fmt.Sprint(got) != v.String() {
						t.Errorf("%s = %v, want %v", key, got, v)
					}
				case []string:
					if fmt.Sprint(got) != fmt.Sprint(v) {
						t.Errorf("%s = %v, want %v", key, got, v)
					}
				default:
					if got != v {
						t.Errorf("%s = %v, want %v", key, got, v)
					}
				}
			}
		})
	}
}

func testEditKeepsSecretAndTest(t *testing.T, w *world) {
	rc := newReceiver(t, http.StatusOK)
	id := w.webhook(t, "Keeps its password", rc, map[string]any{"username": "hook", "password": "original-s3cret"})
	tb := w.tab(t)
	tb.signIn("#/notifiers/" + itoa(id) + "/edit")
	tb.waitFor(`document.querySelector("input[name=cfg-password]") !== null`)
	if v := eval[string](tb, `document.querySelector("input[name=cfg-password]").value`); v != "$encrypted$" {
		t.Errorf("the password field holds %q, want $encrypted$", v)
	}
	if typ := eval[string](tb, `document.querySelector("input[name=cfg-password]").type`); typ != "password" {
		t.Errorf("the secret is an input of type %q", typ)
	}
	tb.do(chromedp.SendKeys(css("input[name=description]"), "edited in the console"),
		chromedp.SendKeys(css("input[name=description]"), kb.Enter), until(`location.hash.startsWith("#/notifiers?search=")`))
	n := w.h.For(t).Must(http.StatusOK, "GET", "/api/v1/notifiers/"+itoa(id)+"/", nil)
	if n["description"] != "edited in the console" {
		t.Errorf("description = %v", n["description"])
	}
	// The stored password is unchanged: the test delivery carries it.
	tb.open("#/notifiers/" + itoa(id) + "/edit")
	// The previews above the button come in first; then it stays where it is.
	tb.do(until(`document.querySelector('.rendered[data-trigger="error"] .subject') !== null`), chromedp.Click(css(".panel button")),
		until(`document.querySelector(".panel .test-result .status-successful") !== null`))
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	user, pass, _ := (&http.Request{Header: got[0].header}).BasicAuth()
	if user != "hook" || pass != "original-s3cret" {
		t.Errorf("delivered with %q:%q, want the original password", user, pass)
	}
}

func testTestShowsFailure(t *testing.T, w *world) {
	rc := newReceiver(t, http.StatusNotFound)
	name := "Answers 404"
	w.webhook(t, name, rc, nil)
	tb := w.tab(t)
	tb.signIn("#/notifiers")
	row := fmt.Sprintf(`[...document.querySelectorAll("table.cards tbody tr")].find((r) => r.textContent.includes(%s))`, js(name))
	tb.waitFor(row + ` !== undefined`)
	tb.do(chromedp.Click(css("table.cards tbody tr:nth-child("+itoa(eval[int64](tb, `[...document.querySelectorAll("table.cards tbody tr")].indexOf(`+row+`) + 1`))+") button")),
		until(`document.querySelector(".test-result .status-failed") !== null`))
	text := eval[string](tb, row+`.querySelector(".test-result").textContent`)
	if !strings.Contains(text, "404") {
		t.Errorf("the failed test shows %q, want the error with its 404", text)
	}
	tb.shot("notifiers.png")
}

func testAttachOnTemplateFires(t *testing.T, w *world) {
	h := w.h.For(t)
	org := w.org(t)
	project := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Attach project", "organization": org}))
	tpl := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Deploy web", "project": project, "playbook": "site.yml"}))
	rc := newReceiver(t, http.StatusOK)
	id := w.webhook(t, "Deploy hook", rc, nil)
	above := newReceiver(t, http.StatusOK)
	inherited := w.webhook(t, "Org-wide hook", above, nil)
	h.Must(http.StatusNoContent, "POST", "/api/v1/organizations/"+itoa(org)+"/notifiers_error/", map[string]any{"id": inherited})

	tb := w.tab(t)
	tb.signIn(fmt.Sprintf("#/job_templates/%d/notifications?search=hook", tpl))
	sw := fmt.Sprintf(`input[data-notifier="%d"][data-trigger="success"]`, id)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%s) !== null`, js(sw)))
	// The organization's attachment shows as inherited on the template's error switch.
	from := eval[string](tb, fmt.Sprintf(`document.querySelector('input[data-notifier="%d"][data-trigger="error"]').closest(".switch-cell").textContent`, inherited))
	if !strings.Contains(from, "organization") || !strings.Contains(from, "Ops") {
		t.Errorf("the inherited notifier shows %q", from)
	}
	tb.do(chromedp.Click(css(sw)), until(`document.querySelector(".why").textContent.includes("Deploy hook")`))
	att := h.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", tpl), nil)
	if att["count"] != 1.0 {
		t.Fatalf("notifiers_success after the switch: %v", att)
	}
	tb.do(chromedp.EmulateViewport(400, 860))
	tb.shot("template-notifications-400px.png")
	tb.do(chromedp.EmulateViewport(1280, 900))

	job := heraldtest.ID(h.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tpl), nil))
	h.Must(http.StatusOK, "PATCH", "/api/v1/jobs/"+itoa(job)+"/", map[string]any{"status": "running"})
	h.Must(http.StatusOK, "PATCH", "/api/v1/jobs/"+itoa(job)+"/", map[string]any{"status": "successful"})
	if !heraldtest.Eventually(t, 20*time.Second, func() bool { return len(rc.requests()) == 1 }) {
		t.Fatalf("the receiver got %d requests after the job succeeded", len(rc.requests()))
	}
	if body := rc.requests()[0].body; !strings.Contains(body, `"id": `+itoa(job)) && !strings.Contains(body, `"id":`+itoa(job)) {
		t.Errorf("the webhook body does not name job %d: %s", job, body)
	}
	if n := len(above.requests()); n != 0 {
		t.Errorf("the organization's error notifier fired %d times on success", n)
	}
	// Switching it off detaches it.
	tb.do(chromedp.Click(css(sw)), until(`!document.querySelector(".why").textContent.includes("Deploy hook")`))
	if att := h.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_success/", tpl), nil); att["count"] != 0.0 {
		t.Errorf("still attached after switching off: %v", att["count"])
	}
}

func testPreviewMessages(t *testing.T, w *world) {
	h := w.h.For(t)
	project := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Preview project", "organization": w.org(t)}))
	tpl := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Nightly backup", "project": project}))
	job := heraldtest.ID(h.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tpl), nil))

	tb := w.tab(t)
	tb.signIn("#/notifiers/new")
	tb.do(set("select[name=notification_type]", "slack"),
		chromedp.SendKeys(css("input[name=msg-error-message]"), "{{ job.name }} broke on {{ job.status }}"),
		until(`(document.querySelector('.rendered[data-trigger="error"] .subject') || {}).textContent === "Sample Job broke on failed"`))
	if !eval[bool](tb, `document.querySelector("input[name=msg-error-on]").checked`) {
		t.Error("typing a message did not tick its trigger")
	}
	// Against a real job.
	tb.do(set("select[name=preview-job]", "job:"+itoa(job)),
		until(`(document.querySelector('.rendered[data-trigger="error"] .subject') || {}).textContent === "Nightly backup broke on pending"`))
	tb.shotOf("fieldset.messages", "message-preview.png")
	// A mistake on the third line of a body is shown at its line.
	tb.do(chromedp.SendKeys(css("textarea[name=msg-success-body]"), "Deployed.\nHosts:\n{{ job.name }\nBye"),
		until(`document.querySelector('.template-error[data-line="3"]') !== null`))
	bad := eval[string](tb, `document.querySelector(".template-error li.bad").textContent`)
	if bad != "{{ job.name }" {
		t.Errorf("the marked line is %q", bad)
	}
	if !eval[bool](tb, `document.querySelector("textarea[name=msg-success-body]").getAttribute("aria-invalid") === "true"`) {
		t.Error("the body with the error is not marked invalid")
	}
	// "Go to line" puts the cursor on it.
	tb.do(chromedp.Click(css(".template-error button")))
	if sel := eval[string](tb, `(() => { const t = document.querySelector("textarea[name=msg-success-body]"); return t.value.slice(t.selectionStart, t.selectionEnd) })()`); sel != "{{ job.name }" {
		t.Errorf("go to line selects %q", sel)
	}
}

func testRetryFailed(t *testing.T, w *world) {
	h := w.h.For(t)
	rc := newReceiver(t, http.StatusBadRequest) // permanent: fails at once
	id := w.webhook(t, "Retry me", rc, nil)
	note := heraldtest.ID(map[string]any{"id": h.Must(http.StatusAccepted, "POST", "/api/v1/notifiers/"+itoa(id)+"/test/", nil)["notification"]})
	if n := h.WaitNotification(note, 20*time.Second); n["status"] != "failed" {
		t.Fatalf("notification %d is %v, want failed", note, n["status"])
	}
	if r := h.Do("POST", "/api/v1/notifications/"+itoa(note)+"/retry/", map[string]any{}); r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed {
		// Awaits POST notifications/N/retry/ (docs/api.md §6); the console hides the button until then.
		if os.Getenv("CI") == "true" {
			t.Fatalf("POST notifications/N/retry/ answers %d: the retry flow awaits that API (docs/api.md §6)", r.Status)
		}
		t.Skipf("POST notifications/N/retry/ answers %d: awaits that API (docs/api.md §6)", r.Status)
	}
	// That probe may have retried it already; let it fail again first.
	h.WaitNotification(note, 20*time.Second)
	rc.answer(http.StatusOK)
	tb := w.tab(t)
	tb.signIn("#/notifications/" + itoa(note))
	tb.do(until(`[...document.querySelectorAll(".actions button")].some((b) => b.textContent === "Retry")`),
		chromedp.Click(css(".actions button.primary")))
	// The click's POST may land after this first look: wait for the outcome, not for "not pending".
	var status any
	if !heraldtest.Eventually(t, 20*time.Second, func() bool {
		status = h.Must(http.StatusOK, "GET", "/api/v1/notifications/"+itoa(note)+"/", nil)["status"]
		return status == "successful"
	}) {
		t.Errorf("after retry: %v", status)
	}
	tb.open("#/notifications/" + itoa(note))
	tb.waitFor(`document.querySelector("ol.timeline") !== null && document.querySelectorAll("ol.timeline li").length >= 2`)
}

func testJobLinks(t *testing.T, w *world) {
	h := w.h.For(t)
	org := w.org(t)
	project := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Linked project", "organization": org}))
	tpl := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Patch hosts", "project": project, "playbook": "patch.yml"}))
	rc := newReceiver(t, http.StatusOK)
	id := w.webhook(t, "Link hook", rc, nil)
	h.Must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_error/", tpl), map[string]any{"id": id})
	h.Must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/projects/%d/notifiers_success/", project), map[string]any{"id": id})
	job := heraldtest.ID(h.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tpl), nil))
	h.Must(http.StatusOK, "PATCH", "/api/v1/jobs/"+itoa(job)+"/", map[string]any{"status": "failed",
		"host_status_counts": map[string]any{"ok": 3, "failures": 1, "processed": 2},
		"hosts":              map[string]any{"web1": map[string]any{"ok": 2, "failures": 1}, "web2": map[string]any{"ok": 1}}})
	update := heraldtest.ID(h.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/projects/%d/update/", project), nil))
	h.Must(http.StatusOK, "PATCH", "/api/v1/project_updates/"+itoa(update)+"/", map[string]any{"status": "successful"})

	link := regexp.MustCompile(`https://herald\.example\.com(/#/jobs/[a-z]+/\d+)`)
	find := func(kind string, jobID int64) string {
		t.Helper()
		var subject string
		heraldtest.Eventually(t, 20*time.Second, func() bool {
			list := h.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/%s/%d/notifications/", kind, jobID), nil)["results"].([]any)
			if len(list) == 0 {
				return false
			}
			subject = list[0].(map[string]any)["subject"].(string)
			return true
		})
		m := link.FindStringSubmatch(subject)
		if m == nil {
			t.Fatalf("no job link in %q", subject)
		}
		return m[1]
	}
	tb := w.tab(t)
	tb.signIn("#/jobs")
	playbook := find("jobs", job)
	if playbook != fmt.Sprintf("/#/jobs/playbook/%d", job) {
		t.Errorf("the message links %s", playbook)
	}
	tb.open(strings.TrimPrefix(playbook, "/"))
	h2 := eval[string](tb, `document.querySelector("#view h2").textContent`)
	if !strings.Contains(h2, fmt.Sprintf("#%d", job)) || !strings.Contains(h2, "Patch hosts") || !strings.HasPrefix(h2, "Playbook run") {
		t.Errorf("%s opens %q", playbook, h2)
	}
	hosts := eval[string](tb, `[...document.querySelectorAll("table.cards")].find((t) => t.caption.textContent === "Host results").tBodies[0].innerText`)
	if !strings.Contains(hosts, "web1") || !strings.Contains(hosts, "failed") || !strings.Contains(hosts, "web2") {
		t.Errorf("host results show %q", hosts)
	}
	projectLink := find("project_updates", update)
	tb.open(strings.TrimPrefix(projectLink, "/"))
	if h2 := eval[string](tb, `document.querySelector("#view h2").textContent`); !strings.HasPrefix(h2, fmt.Sprintf("Project update #%d", update)) {
		t.Errorf("%s opens %q", projectLink, h2)
	}
}

// Nothing is wider than a 400 px viewport on any screen.
func testNarrowLayout(t *testing.T, w *world) {
	h := w.h.For(t)
	rc := newReceiver(t, http.StatusOK)
	notifier := w.webhook(t, "A notifier with a rather long name to wrap at four hundred pixels", rc, nil)
	project := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "Narrow project", "organization": w.org(t)}))
	tpl := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "Narrow template", "project": project}))
	h.Must(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/job_templates/%d/notifiers_any/", tpl), map[string]any{"id": notifier})
	job := heraldtest.ID(h.Must(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/job_templates/%d/launch/", tpl), nil))
	h.Must(http.StatusOK, "PATCH", "/api/v1/jobs/"+itoa(job)+"/", map[string]any{"status": "failed",
		"hosts": map[string]any{"a-very-long-host-name-that-does-not-fit.example.com": map[string]any{"ok": 2, "failures": 1}}})
	var note int64
	heraldtest.Eventually(t, 20*time.Second, func() bool {
		list := h.Must(http.StatusOK, "GET", "/api/v1/jobs/"+itoa(job)+"/notifications/", nil)["results"].([]any)
		if len(list) > 0 {
			note = heraldtest.ID(list[0].(map[string]any))
		}
		return note != 0
	})
	tb := w.tab(t)
	tb.do(chromedp.EmulateViewport(400, 800))
	tb.signIn("#/notifiers")
	for _, page := range []string{
		"#/notifiers", "#/notifiers/new", fmt.Sprintf("#/notifiers/%d/edit", notifier), "#/notifications",
		fmt.Sprintf("#/notifications/%d", note), "#/jobs", fmt.Sprintf("#/jobs/playbook/%d", job),
		"#/job_templates", fmt.Sprintf("#/job_templates/%d/notifications", tpl), "#/organizations",
	} {
		tb.open(page)
		wide := eval[[]string](tb, `(() => {
			const out = [], width = document.documentElement.clientWidth;
			if (document.documentElement.scrollWidth > width) out.push("page scrolls sideways: " + document.documentElement.scrollWidth);
			for (const e of document.querySelectorAll("body *")) {
				const r = e.getBoundingClientRect();
				if (r.width === 0 || e.closest(".visually-hidden, thead, [hidden]")) continue;
				if (r.right > width + 0.5 || r.left < -0.5) out.push(e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " " + Math.round(r.left) + ".." + Math.round(r.right));
			}
			return out.slice(0, 10);
		})()`)
		if len(wide) > 0 {
			t.Errorf("%s at 400 px: wider than the viewport: %v", page, wide)
		}
	}
}

func testDeleteAndPause(t *testing.T, w *world) {
	h := w.h.For(t)
	rc := newReceiver(t, http.StatusOK)
	id := w.webhook(t, "Delete me", rc, nil)
	tb := w.tab(t)
	tb.signIn("#/notifiers?search=Delete+me")
	tb.waitFor(`document.querySelectorAll("table.cards tbody tr").length === 1`)
	// Cancel in the page's own dialog keeps it.
	tb.do(chromedp.Click(css("table.cards tbody tr button.danger")), chromedp.WaitVisible(css("dialog.confirm")),
		chromedp.Click(css("dialog.confirm .actions button:not(.danger)")), chromedp.WaitNotPresent(css("dialog.confirm")))
	h.Must(http.StatusOK, "GET", "/api/v1/notifiers/"+itoa(id)+"/", nil)
	if n := h.Must(http.StatusOK, "GET", "/api/v1/notifiers/"+itoa(id)+"/", nil); n["enabled"] != nil {
		// Pause and resume exist once notifiers have `enabled` (docs/api.md §6).
		tb.do(until(`[...document.querySelectorAll("table.cards tbody tr button")].some((b) => b.textContent === "Pause")`))
		tb.do(chromedp.Click(css("table.cards tbody tr .actions button:nth-child(2)")),
			until(`[...document.querySelectorAll("table.cards tbody tr button")].some((b) => b.textContent === "Resume")`))
		if n := h.Must(http.StatusOK, "GET", "/api/v1/notifiers/"+itoa(id)+"/", nil); n["enabled"] != false {
			t.Errorf("after Pause enabled = %v", n["enabled"])
		}
	}
	tb.do(chromedp.Click(css("table.cards tbody tr button.danger")), chromedp.WaitVisible(css("dialog.confirm")),
		chromedp.Click(css("dialog.confirm button.danger")), until(`document.querySelector("p.empty") !== null`))
	if r := h.Do("GET", "/api/v1/notifiers/"+itoa(id)+"/", nil); r.Status != http.StatusNotFound {
		t.Errorf("after delete: %d", r.Status)
	}
}

// A user made and given a role in the console signs in and sees only what the role shows.
func testUsersAndRoles(t *testing.T, w *world) {
	h := w.h.For(t)
	if r := h.Do("GET", "/api/v1/users/", nil); r.Status == http.StatusNotFound {
		if os.Getenv("CI") == "true" {
			t.Fatal("users/ answers 404: the users screens await docs/api.md §9")
		}
		t.Skip("users/ answers 404: awaits docs/api.md §9")
	}
	org := w.org(t)
	other := heraldtest.ID(h.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Elsewhere"}))
	rc := newReceiver(t, http.StatusOK)
	w.webhook(t, "Ops only", rc, nil)
	h.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{"name": "Not for her", "organization": other,
		"notification_type": "webhook", "notification_configuration": map[string]any{"url": rc.URL}})

	tb := w.tab(t)
	tb.signIn("#/users")
	tb.do(chromedp.SendKeys(css("form.panel input[name=username]"), "dana"),
		chromedp.SendKeys(css("form.panel input[name=password]"), "dana-password-1"),
		chromedp.SendKeys(css("form.panel input[name=email]"), "dana@example.com"+kb.Enter),
		until(`[...document.querySelectorAll("table.cards a")].some((a) => a.textContent === "dana")`))
	users := h.Must(http.StatusOK, "GET", "/api/v1/users/?username=dana", nil)
	if users["count"] != 1.0 {
		t.Fatalf("users named dana: %v", users["count"])
	}
	dana := heraldtest.ID(users["results"].([]any)[0].(map[string]any))
	tb.open(fmt.Sprintf("#/users/%d", dana))
	tb.do(set("select[name=object_type]", "organizations"), set("input[name=object_id]", itoa(org)),
		until(`[...document.querySelectorAll("select[name=role] option")].some((o) => o.textContent === "notification_admin")`))
	tb.do(set("select[name=role]", eval[string](tb, `[...document.querySelectorAll("select[name=role] option")].find((o) => o.textContent === "notification_admin").value`)),
		chromedp.Click(css("form.panel button[type=submit]")),
		until(`[...document.querySelectorAll("table.cards td")].some((td) => td.textContent === "notification_admin")`))
	roles := h.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d/roles/", dana), nil)["results"].([]any)
	granted := false
	for _, r := range roles {
		ro := r.(map[string]any)
		granted = granted || (ro["name"] == "notification_admin" && ro["resource_type"] == "organization" && ro["resource_id"] == float64(org))
	}
	if !granted {
		t.Fatalf("dana's roles: %v", roles)
	}
	// Dana sees Ops's notifiers, not Elsewhere's.
	as := w.tab(t)
	as.signInAs("dana", "dana-password-1", "#/notifiers")
	names := eval[string](as, `[...document.querySelectorAll("table.cards tbody tr td:first-child")].map((td) => td.textContent).join("\n")`)
	if !strings.Contains(names, "Ops only") || strings.Contains(names, "Not for her") {
		t.Errorf("dana sees %q", names)
	}
}
