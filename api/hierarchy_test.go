package api_test

// Tests of attaching notifiers and of which notifiers a job collects
// (docs/api.md §5), for all six job kinds, with the subjects and bodies the
// notifications get (docs/api.md §7).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

const nfBaseURL = "https://herald.example.com" // the harness's base URL

// nfKind is one job kind and the levels (object types) it collects
// notifiers from, its template first (docs/api.md §5 table).
type nfKind struct {
	kind, collection, friendly, ui string
	levels                         []string
}

var nfKinds = []nfKind{
	{"job", "jobs", "Job", "playbook", []string{"job_template", "project", "organization"}},
	{"project_update", "project_updates", "Project Update", "project", []string{"project", "organization"}},
	{"inventory_update", "inventory_updates", "Inventory Update", "inventory", []string{"inventory_source", "organization"}},
	{"ad_hoc_command", "ad_hoc_commands", "AdHoc Command", "command", []string{"organization"}},
	{"workflow_job", "workflow_jobs", "Workflow Job", "workflow", []string{"workflow_job_template", "organization"}},
	{"system_job", "system_jobs", "System Job", "system", []string{"system_job_template"}},
}

// nfCollections maps an attachable object type to its collection.
var nfCollections = map[string]string{
	"organization": "organizations", "project": "projects", "inventory_source": "inventory_sources",
	"job_template": "job_templates", "workflow_job_template": "workflow_job_templates", "system_job_template": "system_job_templates",
}

// nfTree is one organization with one object of each type under it.
type nfTree struct {
	org, inventory int64
	ids            map[string]int64  // by object type
	names          map[string]string // by object type
}

func nfNewTree(t *testing.T, s *heraldtest.Server, prefix string) nfTree {
	t.Helper()
	tr := nfTree{ids: map[string]int64{}, names: map[string]string{}}
	add := func(typ string, fields map[string]any) int64 {
		id := nfCreate(t, s, nfCollections[typ], fields)
		tr.ids[typ], tr.names[typ] = id, fields["name"].(string)
		return id
	}
	tr.org = add("organization", map[string]any{"name": prefix})
	project := add("project", map[string]any{"name": "Playbooks", "organization": tr.org, "scm_type": "git"})
	tr.inventory = nfCreate(t, s, "inventories", map[string]any{"name": "Hosts", "organization": tr.org})
	add("inventory_source", map[string]any{"name": "Cloud", "inventory": tr.inventory, "source": "ec2"})
	add("job_template", map[string]any{"name": "Ping", "project": project, "inventory": tr.inventory, "playbook": "ping.yml"})
	add("workflow_job_template", map[string]any{"name": "Deploy Flow", "organization": tr.org})
	// System job template names are unique overall.
	add("system_job_template", map[string]any{"name": prefix + " Cleanup", "job_type": "cleanup_jobs"})
	return tr
}

// nfRunJob launches a job of kind k from tree, reports each status in turn,
// and returns the job's id and name. An optional result_traceback goes with a
// "failed" report; a status with "+changed" reports one host that changed something.
func nfRunJob(t *testing.T, s *heraldtest.Server, k nfKind, tree nfTree, statuses ...string) (int64, string) {
	t.Helper()
	var launch map[string]any
	switch k.kind {
	case "ad_hoc_command":
		launch = nfMust(t, s, http.StatusCreated, "POST", "/api/v1/ad_hoc_commands/", map[string]any{"inventory": tree.inventory, "module_name": "ping"})
	default:
		verb := "launch"
		if k.kind == "project_update" || k.kind == "inventory_update" {
			verb = "update"
		}
		launch = nfMust(t, s, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/%s/%d/%s/", nfCollections[k.levels[0]], tree.ids[k.levels[0]], verb), map[string]any{})
	}
	id := heraldtest.ID(launch)
	for _, st := range statuses {
		st, changed := strings.CutSuffix(st, "+changed")
		body := map[string]any{"status": st}
		if st == "failed" {
			body["result_traceback"] = "boom"
		}
		if changed {
			body["hosts"] = map[string]any{"web1": map[string]any{"changed": 1, "ok": 1, "processed": 1}}
		}
		nfMust(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/%s/%d/", k.collection, id), body)
	}
	return id, launch["name"].(string)
}

func TestHierarchy(t *testing.T) {
	t.Parallel()
	s := heraldtest.Start(t, heraldtest.Options{})
	nfWarm(t, s)
	t.Run("Attach", func(t *testing.T) { testAttachLists(t, s) })
	for _, k := range nfKinds {
		t.Run(k.kind, func(t *testing.T) { testHierarchyKind(t, s, k) })
	}
}

func testAttachLists(t *testing.T, s *heraldtest.Server) {
	t.Parallel()
	tree := nfNewTree(t, s, "Attach")
	other := nfCreate(t, s, "organizations", map[string]any{"name": "Attach Other"})
	n := nfNotifier(t, s, tree.org, "attached", "webhook", nfValidConfig("webhook"))
	n2 := nfNotifier(t, s, tree.org, "second", "webhook", nfValidConfig("webhook"))
	nfNotifier(t, s, other, "elsewhere", "webhook", nfValidConfig("webhook"))

	ids := func(path string) []int64 {
		t.Helper()
		var out []int64
		for _, r := range nfMust(t, s, http.StatusOK, "GET", path, nil)["results"].([]any) {
			out = append(out, heraldtest.ID(r.(map[string]any)))
		}
		return out
	}
	for typ, coll := range nfCollections {
		for _, list := range []string{"error", "success", "any", "started", "changed"} {
			path := fmt.Sprintf("/api/v1/%s/%d/notifiers_%s/", coll, tree.ids[typ], list)
			if got := ids(path); len(got) != 0 {
				t.Fatalf("%s starts with %v", path, got)
			}
			nfMust(t, s, http.StatusNoContent, "POST", path, map[string]any{"id": n})
			nfMust(t, s, http.StatusNoContent, "POST", path, map[string]any{"id": n}) // twice is fine
			if got := ids(path); !reflect.DeepEqual(got, []int64{n}) {
				t.Fatalf("%s lists %v, want [%d]", path, got, n)
			}
			nfMust(t, s, http.StatusNoContent, "POST", path, map[string]any{"id": n, "disassociate": true})
			if got := ids(path); len(got) != 0 {
				t.Fatalf("%s lists %v after detaching", path, got)
			}
			nfMust(t, s, http.StatusNoContent, "POST", path, map[string]any{"id": n2}) // stays, for the other lists' check
			for name, body := range map[string]any{
				"missing id": map[string]any{}, "string id": map[string]any{"id": "x"}, "fractional id": map[string]any{"id": 1.5},
				"unknown notifier": map[string]any{"id": 999999}, "detach unknown": map[string]any{"id": 999999, "disassociate": true},
			} {
				if p := nfProblems(t, s.Do("POST", path, body), "id"); len(p) != 1 || p[0] == "" {
					t.Errorf("%s %s: %q", path, name, p)
				}
			}
		}
		// Each list is its own: every list holds only n2 now.
		for _, list := range []string{"error", "success", "any", "started", "changed"} {
			path := fmt.Sprintf("/api/v1/%s/%d/notifiers_%s/", coll, tree.ids[typ], list)
			if got := ids(path); !reflect.DeepEqual(got, []int64{n2}) {
				t.Fatalf("%s lists %v, want [%d]", path, got, n2)
			}
		}
		if r := s.Do("POST", fmt.Sprintf("/api/v1/%s/999999/notifiers_any/", coll), map[string]any{"id": n}); r.Status != http.StatusNotFound {
			t.Errorf("attach to a missing %s: %d %s", typ, r.Status, r.Body)
		}
	}
	if r := s.Do("GET", fmt.Sprintf("/api/v1/inventories/%d/notifiers_any/", tree.inventory), nil); r.Status != http.StatusNotFound {
		t.Errorf("inventories have no notifier lists: %d %s", r.Status, r.Body)
	}
	owned := ids(fmt.Sprintf("/api/v1/organizations/%d/notifiers/", tree.org))
	sort.Slice(owned, func(i, j int) bool { return owned[i] < owned[j] })
	if !reflect.DeepEqual(owned, []int64{n, n2}) {
		t.Fatalf("organization's notifiers: %v, want [%d %d]", owned, n, n2)
	}
}

// nfAttachment is one notifier on one list of one level.
type nfAttachment struct {
	level, list, notifier string
}

// testHierarchyKind attaches distinct notifiers to every list of every level
// of k, runs jobs to each end, and checks exactly which notifications exist.
func testHierarchyKind(t *testing.T, s *heraldtest.Server, k nfKind) {
	t.Parallel()
	tree := nfNewTree(t, s, "H "+k.kind)
	rc := nfNewReceiver(t, http.StatusOK, nil)
	ids := map[string]int64{}
	var atts []nfAttachment
	attach := func(level, list, name string) {
		t.Helper()
		nfMust(t, s, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/%s/%d/notifiers_%s/", nfCollections[level], tree.ids[level], list), map[string]any{"id": ids[name]})
		atts = append(atts, nfAttachment{level, list, name})
	}
	hook := func(name string) {
		ids[name] = nfNotifier(t, s, tree.org, name, "webhook", map[string]any{"url": rc.URL + "/" + name})
	}
	for _, l := range k.levels {
		for _, list := range []string{"started", "success", "error", "any", "changed"} {
			hook(l + "-" + list)
			attach(l, list, l+"-"+list)
		}
	}
	// One notifier at two places is collected once.
	top, bottom := k.levels[0], k.levels[len(k.levels)-1]
	hook("shared")
	attach(top, "success", "shared")
	attach(bottom, "any", "shared")
	attach(bottom, "changed", "shared") // heard of with success or error already
	// One notifier on success and changed: one notification for a success
	// that changed something, one (changed) for an error that did.
	attach(bottom, "changed", top+"-success")
	// An e-mail notifier, for the e-mail body; nothing listens at its port.
	ids["mail"] = nfNotifier(t, s, tree.org, "mail", "email", map[string]any{
		"host": "127.0.0.1", "port": nfClosedPort(t), "sender": "herald@example.com", "recipients": []any{"ops@example.com"},
	})
	attach(top, "any", "mail")

	// fired lists the notifiers a trigger fires, from the attachments; the
	// changed trigger fires those that the status's trigger (alongside) did not.
	var alongside string
	var fired func(trigger string) []string
	fired = func(trigger string) []string {
		seen := map[string]bool{}
		for _, a := range atts {
			if a.list == trigger || (trigger != "started" && trigger != "changed" && a.list == "any") {
				seen[a.notifier] = true
			}
		}
		if trigger == "changed" {
			for _, n := range fired(alongside) {
				delete(seen, n)
			}
		}
		var out []string
		for n := range seen {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	// The attachments alone would hide a mistake in fired; spell one out.
	if got := fired("success"); len(got) != 2*len(k.levels)+2 {
		t.Fatalf("success fires %v", got)
	}

	jobs := []struct {
		statuses []string
		events   map[string]string // trigger → the job's status in that notification
	}{
		{[]string{"running", "successful"}, map[string]string{"started": "running", "success": "successful"}},
		{[]string{"running", "failed"}, map[string]string{"started": "running", "error": "failed"}},
		{[]string{"error"}, map[string]string{"error": "error"}},
		{[]string{"canceled"}, map[string]string{"error": "canceled"}},
		// A report of changes fires the changed trigger beside the status's.
		{[]string{"running", "successful+changed"}, map[string]string{"started": "running", "success": "successful", "changed": "successful"}},
		{[]string{"failed+changed"}, map[string]string{"error": "failed", "changed": "failed"}},
	}
	for _, j := range jobs {
		alongside = "success"
		if j.events["error"] != "" {
			alongside = "error"
		}
		id, name := nfRunJob(t, s, k, tree, j.statuses...)
		nfCheckJobNotifications(t, s, k, id, name, j.events, fired, ids)
		// Repeating the last status fires nothing more.
		last, _, _ := strings.Cut(j.statuses[len(j.statuses)-1], "+")
		nfMust(t, s, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/%s/%d/", k.collection, id), map[string]any{"status": last})
		nfCheckJobNotifications(t, s, k, id, name, j.events, fired, ids)
	}

	// effective_notifiers on every level names where each notifier comes from.
	for i, level := range k.levels {
		base := fmt.Sprintf("/api/v1/%s/%d/effective_notifiers/", nfCollections[level], tree.ids[level])
		for _, trigger := range []string{"started", "success", "error", "changed"} {
			want := map[string][]any{}
			for _, a := range atts {
				li := nfIndex(k.levels, a.level)
				if li < i || !(a.list == trigger || (trigger != "started" && trigger != "changed" && a.list == "any")) {
					continue
				}
				want[a.notifier] = append(want[a.notifier], map[string]any{"type": a.level, "id": tree.ids[a.level], "name": tree.names[a.level], "list": "notifiers_" + a.list})
			}
			got := nfMust(t, s, http.StatusOK, "GET", base+"?trigger="+trigger, nil)
			if got["trigger"] != trigger {
				t.Fatalf("%s?trigger=%s: %v", base, trigger, got)
			}
			results := got["results"].([]any)
			if len(results) != len(want) {
				t.Fatalf("%s?trigger=%s: %d results, want %d: %v", base, trigger, len(results), len(want), got)
			}
			for _, r := range results {
				r := r.(map[string]any)
				n := r["notifier"].(map[string]any)
				name, _ := n["name"].(string)
				typ := "webhook"
				if name == "mail" {
					typ = "email"
				}
				if want[name] == nil || heraldtest.ID(n) != ids[name] || n["notification_type"] != typ {
					t.Fatalf("%s?trigger=%s: unexpected notifier %v", base, trigger, n)
				}
				if got, want := nfSortLevels(t, k, r["levels"]), nfSortLevels(t, k, want[name]); !reflect.DeepEqual(got, want) {
					t.Errorf("%s?trigger=%s: %s levels\n got %v\nwant %v", base, trigger, name, got, want)
				}
			}
		}
		for _, q := range []string{"", "?trigger=", "?trigger=any", "?trigger=bogus"} {
			if r := s.Do("GET", base+q, nil); r.Status != http.StatusBadRequest {
				t.Errorf("GET %s%s: %d %s", base, q, r.Status, r.Body)
			}
		}
	}
}

func nfIndex(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// nfSortLevels orders levels up the hierarchy, then by list, as JSON values:
// the order within one level is not part of the contract.
func nfSortLevels(t *testing.T, k nfKind, levels any) []any {
	t.Helper()
	out := append([]any{}, nfJSON(t, levels).([]any)...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].(map[string]any), out[j].(map[string]any)
		ai, bi := nfIndex(k.levels, a["type"].(string)), nfIndex(k.levels, b["type"].(string))
		if ai != bi {
			return ai < bi
		}
		return a["list"].(string) < b["list"].(string)
	})
	return out
}

// nfCheckJobNotifications checks that job id has exactly one notification per
// notifier each event fires, with its subject and body.
func nfCheckJobNotifications(t *testing.T, s *heraldtest.Server, k nfKind, id int64, name string, events map[string]string, fired func(string) []string, ids map[string]int64) {
	t.Helper()
	list := nfMust(t, s, http.StatusOK, "GET", fmt.Sprintf("/api/v1/%s/%d/notifications/?page_size=200", k.collection, id), nil)
	got := map[string]map[string]any{} // "trigger/notifier" → notification
	for _, r := range list["results"].([]any) {
		n := r.(map[string]any)
		notifier := n["summary_fields"].(map[string]any)["notifier"].(map[string]any)["name"].(string)
		key := n["trigger"].(string) + "/" + notifier
		if got[key] != nil {
			t.Fatalf("%s #%d: two notifications for %s", k.kind, id, key)
		}
		got[key] = n
	}
	want := 0
	url := fmt.Sprintf("%s/#/jobs/%s/%d", nfBaseURL, k.ui, id)
	words := map[string]string{"running": "started", "successful": "succeeded", "failed": "failed", "error": "error", "canceled": "canceled"}
	for trigger, status := range events {
		for _, notifier := range fired(trigger) {
			want++
			n := got[trigger+"/"+notifier]
			if n == nil {
				t.Fatalf("%s #%d: no %s notification for %s; have %v", k.kind, id, trigger, notifier, nfKeys(got))
			}
			subject := fmt.Sprintf("%s #%d '%s' %s: %s", k.friendly, id, name, words[status], url)
			if n["subject"] != subject || heraldtest.ID(map[string]any{"id": n["notifier"]}) != ids[notifier] {
				t.Fatalf("%s/%s: subject %q notifier %v, want %q %d", trigger, notifier, n["subject"], n["notifier"], subject, ids[notifier])
			}
			if job := n["job"].(map[string]any); job["kind"] != k.kind || job["id"] != float64(id) {
				t.Fatalf("%s/%s: job %v", trigger, notifier, job)
			}
			nfCheckBody(t, k, n, id, name, status, url)
		}
	}
	if len(got) != want {
		t.Fatalf("%s #%d: %d notifications, want %d: %v", k.kind, id, len(got), want, nfKeys(got))
	}
}

func nfKeys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nfCheckBody checks a default body: JSON for webhooks, text then JSON for e-mail.
func nfCheckBody(t *testing.T, k nfKind, n map[string]any, id int64, name, status, url string) {
	t.Helper()
	body := n["body"]
	if n["notification_type"] == "email" {
		text, _ := body.(string)
		head := fmt.Sprintf("%s #%d had status %s, view details at %s\n\n", k.friendly, id, status, url)
		if !strings.HasPrefix(text, head) || !strings.Contains(text, "\n    \"id\": ") {
			t.Fatalf("e-mail body %q, want it to start with %q and hold JSON indented by 4", text, head)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(strings.TrimPrefix(text, head)), &m); err != nil {
			t.Fatalf("e-mail body's JSON: %v: %q", err, text)
		}
		body = m
	}
	m, ok := body.(map[string]any)
	if !ok {
		t.Fatalf("body is not a JSON object: %#v", n["body"])
	}
	wantKeys := []string{"created_by", "finished", "friendly_name", "id", "name", "started", "status", "traceback", "url"}
	if k.kind == "job" {
		wantKeys = append(wantKeys, "extra_vars", "hosts", "inventory", "limit", "playbook", "project")
	}
	sort.Strings(wantKeys)
	var gotKeys []string
	for key := range m {
		gotKeys = append(gotKeys, key)
	}
	sort.Strings(gotKeys)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Fatalf("body keys %v, want %v", gotKeys, wantKeys)
	}
	traceback := ""
	if status == "failed" {
		traceback = "boom"
	}
	for key, want := range map[string]any{
		"id": float64(id), "name": name, "url": url, "status": status, "friendly_name": k.friendly, "created_by": "admin", "traceback": traceback,
	} {
		if m[key] != want {
			t.Errorf("body %s = %#v, want %#v", key, m[key], want)
		}
	}
	if (status == "running") != (m["finished"] == nil) {
		t.Errorf("body finished = %v with status %s", m["finished"], status)
	}
	if k.kind == "job" && (m["inventory"] != "Hosts" || m["project"] != "Playbooks" || m["playbook"] != "ping.yml") {
		t.Errorf("job body: %v", m)
	}
}
