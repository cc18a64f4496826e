package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/herald-notify/herald"
)

// The AWX-compatible API (docs/api.md §10): /api/v2/ serves every v1 resource
// under AWX's names, so that AWX's own tools (the awx.awx collection, the
// awx CLI) manage Herald. It only translates: a v2 request is renamed to its
// v1 request, served by the v1 routes, and the answer renamed back.

// v2Names maps v2 path segments and answer keys to v1's, and back.
var v2Names = [][2]string{
	{"notification_templates_", "notifiers_"},
	{"notification_templates", "notifiers"},
	{"notification_template", "notifier"},
}

func toV1Segment(seg string) string {
	for _, n := range v2Names {
		if strings.HasPrefix(seg, n[0]) {
			return n[1] + seg[len(n[0]):]
		}
	}
	return seg
}

func toV2Segment(seg string) string {
	for _, n := range v2Names {
		if strings.HasPrefix(seg, n[1]) {
			return n[0] + seg[len(n[1]):]
		}
	}
	return seg
}

// v1Path is the v1 path of a v2 one.
func v1Path(p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/api/v2/"), "/")
	for i, s := range segs {
		segs[i] = toV1Segment(s)
	}
	return "/api/v1/" + strings.Join(segs, "/")
}

// v2URL is the v2 form of a v1 link.
func v2URL(u string) string {
	path, query, _ := strings.Cut(strings.TrimPrefix(u, "/api/v1/"), "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = toV2Segment(s)
	}
	out := "/api/v2/" + strings.Join(segs, "/")
	if query != "" {
		out += "?" + query
	}
	return out
}

// awxFields are fields AWX's answers have and Herald does not use, with the
// values AWX's tools expect of them.
var awxFields = map[string]map[string]any{
	"token":     {"refresh_token": nil, "application": nil},
	"inventory": {"kind": "", "host_filter": nil},
}

// toV2 renames a decoded v1 answer in place: links, keys and types.
func toV2(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[toV2Segment(k)] = toV2(val)
		}
		if t, _ := out["type"].(string); t == "notifier" {
			out["type"] = "notification_template"
		}
		if t, _ := out["type"].(string); out["url"] != nil {
			for k, def := range awxFields[t] {
				if _, ok := out[k]; !ok {
					out[k] = def
				}
			}
		}
		return out
	case []any:
		for i := range x {
			x[i] = toV2(x[i])
		}
		return x
	case string:
		if strings.HasPrefix(x, "/api/v1/") {
			return v2URL(x)
		}
	}
	return v
}

// recorder keeps an answer of the v1 routes for translation.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// serveV1 runs a request through the v1 routes and returns its answer.
func serveV1(v1 http.Handler, r *http.Request, method, path string, body []byte) *recorder {
	req := r.Clone(r.Context())
	req.Method = method
	req.URL.Path, req.URL.RawPath = path, ""
	q := req.URL.Query()
	for k, vals := range q {
		if v1k := toV1Segment(k); v1k != k {
			q.Del(k)
			q[v1k] = vals
		}
	}
	req.URL.RawQuery = q.Encode()
	req.Body = http.NoBody
	req.ContentLength = int64(len(body))
	if body != nil {
		req.Body = readCloser{bytes.NewReader(body)}
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	v1.ServeHTTP(rec, req)
	return rec
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// writeV2 answers with a v1 answer translated.
func writeV2(w http.ResponseWriter, rec *recorder) {
	for k, vals := range rec.header {
		if k == "Location" {
			vals = []string{v2URL(vals[0])}
		}
		w.Header()[k] = vals
	}
	var v any
	if rec.body.Len() == 0 || json.Unmarshal(rec.body.Bytes(), &v) != nil {
		w.WriteHeader(rec.status)
		w.Write(rec.body.Bytes())
		return
	}
	w.Header().Del("Content-Length")
	writeJSON(w, rec.status, toV2(v))
}

// v2 serves /api/v2/ through v1.
func (s *server) v2(v1 http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if !strings.HasSuffix(path, "/") {
			path += "/"
		}
		var body []byte
		if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			var err error
			if body, err = readAll(r); err != nil {
				detail(w, http.StatusRequestEntityTooLarge, "Request body is larger than %d bytes.", maxBody)
				return
			}
		}
		p1 := v1Path(path)
		// AWX has no "any" list: v1's notifiers_any shows in both the success and the error list.
		for _, outcome := range []string{"success", "error"} {
			if strings.HasSuffix(p1, "/notifiers_"+outcome+"/") {
				s.v2OutcomeList(w, r, v1, p1, outcome, body)
				return
			}
		}
		writeV2(w, serveV1(v1, r, r.Method, p1, body))
	}
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

// v2OutcomeList serves notification_templates_success/ or _error/: the
// v1 list with the any list's notifiers. Taking a notifier off one of them
// that v1 holds in its any list keeps it on the other.
func (s *server) v2OutcomeList(w http.ResponseWriter, r *http.Request, v1 http.Handler, p1, outcome string, body []byte) {
	anyPath := strings.TrimSuffix(p1, "notifiers_"+outcome+"/") + "notifiers_any/"
	other := map[string]string{"success": "error", "error": "success"}[outcome]
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		var req struct {
			ID           int64 `json:"id"`
			Disassociate any   `json:"disassociate"`
		}
		json.Unmarshal(body, &req)
		if req.Disassociate == nil || req.Disassociate == false || req.ID <= 0 {
			writeV2(w, serveV1(v1, r, r.Method, p1, body))
			return
		}
		if rec := serveV1(v1, r, http.MethodGet, anyPath, nil); rec.status == http.StatusOK && listHas(rec, req.ID) {
			attach, _ := json.Marshal(map[string]any{"id": req.ID})
			if rec := serveV1(v1, r, http.MethodPost, strings.TrimSuffix(p1, outcome+"/")+other+"/", attach); rec.status != http.StatusNoContent {
				writeV2(w, rec)
				return
			}
			if rec := serveV1(v1, r, http.MethodPost, anyPath, body); rec.status != http.StatusNoContent {
				writeV2(w, rec)
				return
			}
		}
		writeV2(w, serveV1(v1, r, r.Method, p1, body))
		return
	}
	own := serveV1(v1, r, http.MethodGet, p1, nil)
	if own.status != http.StatusOK {
		writeV2(w, own)
		return
	}
	anyList := serveV1(v1, r, http.MethodGet, anyPath, nil)
	var a, b struct {
		Count   int              `json:"count"`
		Next    any              `json:"next"`
		Results []map[string]any `json:"results"`
	}
	json.Unmarshal(own.body.Bytes(), &a)
	json.Unmarshal(anyList.body.Bytes(), &b)
	seen := map[any]bool{}
	for _, n := range a.Results {
		seen[n["id"]] = true
	}
	for _, n := range b.Results {
		if !seen[n["id"]] {
			a.Results = append(a.Results, n)
			a.Count++
		}
	}
	if a.Next == nil {
		a.Next = b.Next
	}
	out, _ := json.Marshal(map[string]any{"count": a.Count, "next": a.Next, "previous": nil, "results": a.Results})
	own.body.Reset()
	own.body.Write(out)
	writeV2(w, own)
}

// listHas reports whether a list answer holds the object with id.
func listHas(rec *recorder, id int64) bool {
	var l struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	json.Unmarshal(rec.body.Bytes(), &l)
	for _, x := range l.Results {
		if x.ID == id {
			return true
		}
	}
	return false
}

// apiRoot answers GET /api/ as AWX does.
func (s *server) apiRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"description": "Herald REST API", "current_version": "/api/v2/",
		"available_versions": map[string]any{"v1": "/api/v1/", "v2": "/api/v2/"},
	})
}

// v2Root maps each v2 collection to its URL.
func (s *server) v2Root(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{}
	for _, c := range []string{"ping", "me", "users", "teams", "roles", "tokens", "notification_templates", "notifications",
		"unified_jobs", "workflow_approvals"} {
		out[c] = "/api/v2/" + c + "/"
	}
	for _, t := range herald.ObjectTypes {
		out[t.Collection] = "/api/v2/" + t.Collection + "/"
	}
	for _, k := range herald.JobKinds {
		out[k.Collection()] = "/api/v2/" + k.Collection() + "/"
	}
	writeJSON(w, http.StatusOK, out)
}

// productHeaders names Herald on every answer, as AWX does for its tools.
func productHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-API-Product-Name", "Herald")
		w.Header().Set("X-API-Product-Version", herald.Version)
		next.ServeHTTP(w, r)
	})
}
