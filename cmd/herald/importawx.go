package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
)

// importAWX runs `herald import awx FILE`: it reads what `awx export` writes
// and creates or updates, by name, the organizations, notification
// templates, projects, inventories and templates it holds, and their
// notification lists, through a running server's API (/api/v2/, so that
// AWX's lists keep AWX's meaning). Running it again changes nothing.
// Secrets exported as $encrypted$ cannot be read back: they are reported as
// needing a value and left empty (or as they are, when Herald holds one).
func importAWX(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "awx" {
		return configErrorf("herald import: give a source and a file: herald import awx FILE")
	}
	s := newSettings("import awx", getenv, stdout, "Usage: herald import awx [flags] FILE\n\nImports what `awx export` writes into a running Herald ($HERALD_URL, with $HERALD_TOKEN or $HERALD_USERNAME/$HERALD_PASSWORD).")
	server := s.String("url", "HERALD_URL", "http://127.0.0.1:8080", "the Herald server")
	if err := s.parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if s.fs.NArg() != 1 {
		return configErrorf("herald import awx takes one FILE (what `awx export` wrote)")
	}
	data, err := os.ReadFile(s.fs.Arg(0))
	if err != nil {
		return configErrorf("%v", err)
	}
	var export map[string][]map[string]any
	if err := json.Unmarshal(data, &export); err != nil {
		return configErrorf("%s is not an export of awx: %v", s.fs.Arg(0), err)
	}
	im := &importer{c: &client{base: strings.TrimRight(*server, "/"), token: getenv("HERALD_TOKEN"), user: getenv("HERALD_USERNAME"), pass: getenv("HERALD_PASSWORD")},
		ids: map[string]int64{}, out: stdout}
	// In the order objects depend on each other; the lists after all of them.
	for _, step := range []struct {
		key, collection string
		fields          []string
	}{
		{"organizations", "organizations", []string{"description"}},
		{"notification_templates", "notification_templates", []string{"description", "notification_type", "notification_configuration", "messages"}},
		{"projects", "projects", []string{"description", "scm_type", "scm_url"}},
		{"inventory", "inventories", []string{"description"}},
		{"job_templates", "job_templates", []string{"description", "project", "inventory", "playbook"}},
		{"workflow_job_templates", "workflow_job_templates", []string{"description"}},
	} {
		for _, asset := range export[step.key] {
			if err := im.upsert(ctx, step.collection, asset, step.fields); err != nil {
				return err
			}
		}
	}
	for _, key := range []string{"organizations", "projects", "job_templates", "workflow_job_templates"} {
		for _, asset := range export[key] {
			if err := im.attach(ctx, asset); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stdout, "imported: %d created, %d updated, %d unchanged, %d attachments made\n", im.created, im.updated, im.same, im.attached)
	for _, n := range im.needs {
		fmt.Fprintln(stdout, "needs a value:", n)
	}
	for _, n := range im.skipped {
		fmt.Fprintln(stdout, "not imported until its secret is given (create it with the value, then import again):", n)
	}
	return nil
}

var singular = map[string]string{"organizations": "organization", "notification_templates": "notification template", "projects": "project",
	"inventories": "inventory", "job_templates": "job template", "workflow_job_templates": "workflow job template"}

// importer keeps what an import found and did.
type importer struct {
	c                                *client
	ids                              map[string]int64 // natural key → id
	out                              io.Writer
	created, updated, same, attached int
	needs                            []string
	skipped                          []string // not imported: a required secret is missing
}

// key is a natural key as text: "project:<org>/<name>".
func key(nk any) string {
	m, _ := nk.(map[string]any)
	if m == nil {
		return ""
	}
	k := fmt.Sprint(m["type"]) + ":"
	if org, ok := m["organization"]; ok {
		k += key(org) + "/"
	}
	return k + fmt.Sprint(m["name"])
}

type page struct {
	Count   int              `json:"count"`
	Results []map[string]any `json:"results"`
}

// upsert creates an asset of the export, or changes the fields that differ.
func (im *importer) upsert(ctx context.Context, collection string, asset map[string]any, fields []string) error {
	name, _ := asset["name"].(string)
	nk, _ := asset["natural_key"].(map[string]any)
	body := map[string]any{"name": name}
	query := url.Values{"name": {name}}
	if org, ok := asset["organization"].(map[string]any); ok {
		id := im.ids[key(org)]
		if id == 0 {
			return fmt.Errorf("%s %q: its organization %q is neither in the export nor in Herald", collection, name, org["name"])
		}
		body["organization"] = id
		if collection != "job_templates" { // a job template's organization is its project's
			query.Set("organization", fmt.Sprint(id))
		}
	}
	for _, f := range fields {
		v, ok := asset[f]
		if !ok {
			continue
		}
		if ref, isRef := v.(map[string]any); isRef && (f == "project" || f == "inventory") {
			if v = im.ids[key(ref)]; v == int64(0) {
				return fmt.Errorf("%s %q: its %s %q is not in the export", collection, name, f, ref["name"])
			}
		}
		body[f] = v
	}
	var found page
	if err := im.c.do(ctx, "GET", "/api/v2/"+collection+"/?"+query.Encode(), nil, &found); err != nil {
		return err
	}
	var existing map[string]any
	if found.Count > 0 {
		existing = found.Results[0]
	}
	var missing []string
	if cfg, ok := body["notification_configuration"].(map[string]any); ok {
		missing = im.keepSecrets(name, cfg, existing)
	}
	var saved map[string]any
	switch {
	case existing == nil:
		if err := im.c.do(ctx, "POST", "/api/v2/"+collection+"/", body, &saved); err != nil {
			if len(missing) > 0 { // a secret it cannot do without: the operator gives it
				im.skipped = append(im.skipped, fmt.Sprintf("notification template %q: %v", name, err))
				return nil
			}
			return fmt.Errorf("create %s %q: %w", collection, name, err)
		}
		im.created++
		fmt.Fprintf(im.out, "created %s %q\n", singular[collection], name)
	case differs(existing, body):
		if err := im.c.do(ctx, "PATCH", existing["url"].(string), body, &saved); err != nil {
			return fmt.Errorf("update %s %q: %w", collection, name, err)
		}
		im.updated++
		fmt.Fprintf(im.out, "updated %s %q\n", singular[collection], name)
	default:
		saved = existing
		im.same++
	}
	id, _ := saved["id"].(float64)
	im.ids[key(nk)] = int64(id)
	return nil
}

// keepSecrets turns the secrets an export hides ($encrypted$) into what
// Herald keeps: the stored value when there is one, else nothing, and
// notes and returns those that need a value.
func (im *importer) keepSecrets(name string, cfg, existing map[string]any) []string {
	var stored map[string]any
	if existing != nil {
		stored, _ = existing["notification_configuration"].(map[string]any)
	}
	var keys []string
	for k, v := range cfg {
		if v != "$encrypted$" {
			continue
		}
		if stored[k] != "$encrypted$" {
			cfg[k] = "" // left empty: sending it fails, saying so, until it is given
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		im.needs = append(im.needs, fmt.Sprintf("notification template %q: %s", name, k))
	}
	return keys
}

// differs reports whether any field of want is not what have shows.
func differs(have, want map[string]any) bool {
	for k, v := range want {
		if k == "notification_configuration" || k == "messages" {
			if !sameJSON(have[k], v) {
				return true
			}
			continue
		}
		if fmt.Sprint(have[k]) != fmt.Sprint(v) {
			return true
		}
	}
	return false
}

// sameJSON compares what want gives, key by key and deep: Herald shows
// defaults besides them, and null for what is not set.
func sameJSON(have, want any) bool {
	w, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(normal(have), normal(want))
	}
	h, _ := have.(map[string]any)
	for k, v := range w {
		if !sameJSON(h[k], v) {
			return false
		}
	}
	return true
}

func normal(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

// attach makes the notification lists an exported object names.
func (im *importer) attach(ctx context.Context, asset map[string]any) error {
	related, _ := asset["related"].(map[string]any)
	id := im.ids[key(asset["natural_key"])]
	nk, _ := asset["natural_key"].(map[string]any)
	collection := map[string]string{"organization": "organizations", "project": "projects", "job_template": "job_templates", "workflow_job_template": "workflow_job_templates"}[fmt.Sprint(nk["type"])]
	lists := make([]string, 0, len(related))
	for l := range related {
		lists = append(lists, l)
	}
	sort.Strings(lists)
	for _, list := range lists {
		if !strings.HasPrefix(list, "notification_templates_") || id == 0 || collection == "" {
			continue
		}
		path := fmt.Sprintf("/api/v2/%s/%d/%s/", collection, id, list)
		var have page
		if err := im.c.do(ctx, "GET", path+"?page_size=200", nil, &have); err != nil {
			return err
		}
		attached := map[float64]bool{}
		for _, n := range have.Results {
			attached[n["id"].(float64)] = true
		}
		for _, ref := range related[list].([]any) {
			nt := im.ids[key(ref)]
			if nt == 0 || attached[float64(nt)] {
				continue
			}
			if err := im.c.do(ctx, "POST", path, map[string]any{"id": nt}, nil); err != nil {
				return err
			}
			im.attached++
		}
	}
	return nil
}
