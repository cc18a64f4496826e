package httppeer_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/httppeer"
)

// echo answers 200 with the method and path it saw, and logs each body
// under the peer's lock, as a fake logs what it accepted.
type echo struct {
	peer   *httppeer.Peer
	bodies []string
}

func (e *echo) answer(r *http.Request, body []byte) httppeer.Reply {
	e.bodies = append(e.bodies, string(body))
	return httppeer.Reply{Status: http.StatusOK, Body: r.Method + " " + r.URL.Path + " " + r.PathValue("name")}
}

func do(t *testing.T, c *http.Client, method, url, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestScriptThenAnswer(t *testing.T) {
	t.Parallel()
	e := &echo{}
	e.peer = httppeer.New(t, e.answer)
	e.peer.Script(
		httppeer.Reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "3"}, Body: "slow down"},
		httppeer.Reply{}, // the zero Reply lets one request through
		httppeer.Reply{Status: http.StatusBadGateway},
	)
	want := []struct {
		status int
		body   string
	}{
		{http.StatusTooManyRequests, "slow down"},
		{http.StatusOK, "POST /b "},
		{http.StatusBadGateway, ""},
		{http.StatusOK, "POST /d "},
	}
	for i, w := range want {
		path := "/" + string(rune('a'+i))
		status, header, body := do(t, e.peer.Client(), http.MethodPost, e.peer.URL+path, "body"+path)
		if status != w.status || body != w.body {
			t.Errorf("request %d = %d %q, want %d %q", i, status, body, w.status, w.body)
		}
		if i == 0 && header.Get("Retry-After") != "3" {
			t.Errorf("scripted Retry-After = %q, want 3", header.Get("Retry-After"))
		}
	}
	reqs := e.peer.Requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests recorded, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		path := "/" + string(rune('a'+i))
		if r.Method != http.MethodPost || r.Path != path || string(r.Body) != "body"+path || r.Status != want[i].status {
			t.Errorf("request %d recorded as %s %s %q %d", i, r.Method, r.Path, r.Body, r.Status)
		}
	}
	got := httppeer.Snapshot(e.peer, &e.bodies)
	if strings.Join(got, ",") != "body/b,body/d" {
		t.Errorf("answer saw %q, want only the unscripted requests", got)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []httppeer.Option
		script   []httppeer.Reply
		path     string
		wantPath string // as recorded
		wantBody string
		wantType string
	}{
		{"path decoded by default", nil, nil, "/a%20b", "/a b", "GET /a b ", ""},
		{"EscapedPath keeps it as sent", []httppeer.Option{httppeer.EscapedPath()}, nil, "/a%20b", "/a%20b", "GET /a b ", ""},
		{"Header overrides a scripted reply's",
			[]httppeer.Option{httppeer.Header("Content-Type", "application/json")},
			[]httppeer.Reply{{Status: http.StatusOK, Header: map[string]string{"Content-Type": "text/html"}, Body: "{}"}},
			"/x", "/x", "{}", "application/json"},
		{"Wrap routes through a mux",
			[]httppeer.Option{httppeer.Wrap(func(peer http.Handler) http.Handler {
				mux := http.NewServeMux()
				mux.Handle("GET /room/{name}", peer)
				return mux
			})},
			nil, "/room/ops", "/room/ops", "GET /room/ops ops", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &echo{}
			e.peer = httppeer.New(t, e.answer, tt.opts...)
			e.peer.Script(tt.script...)
			_, header, body := do(t, e.peer.Client(), http.MethodGet, e.peer.URL+tt.path, "")
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantType != "" && header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", header.Get("Content-Type"), tt.wantType)
			}
			if r := e.peer.Requests(); len(r) != 1 || r[0].Path != tt.wantPath {
				t.Errorf("recorded %+v, want one request to %s", r, tt.wantPath)
			}
		})
	}
}

func TestTLSCertPool(t *testing.T) {
	t.Parallel()
	e := &echo{}
	e.peer = httppeer.NewTLS(t, e.answer)
	if !strings.HasPrefix(e.peer.URL, "https://") {
		t.Fatalf("URL = %s, want https", e.peer.URL)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.peer.CertPool()}}
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	if status, _, _ := do(t, c, http.MethodGet, e.peer.URL+"/", ""); status != http.StatusOK {
		t.Errorf("status = %d, want 200 through a client trusting CertPool", status)
	}
}
