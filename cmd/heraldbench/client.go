package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// api is a JSON client of Herald. It authenticates with a bearer token:
// basic auth would cost the server a bcrypt comparison per request.
type api struct {
	base, token string
	hc          *http.Client
}

func newHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = conns*2, conns*2, 0
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

// login makes a token with the given credentials.
func login(ctx context.Context, base, user, password string, conns int) (*api, error) {
	a := &api{base: base, hc: newHTTPClient(conns)}
	var tok struct {
		Token string `json:"token"`
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/tokens/", strings.NewReader(`{"description": "heraldbench"}`))
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json")
	if err := a.send(req, http.StatusCreated, &tok); err != nil {
		return nil, fmt.Errorf("create a token: %w", err)
	}
	a.token = tok.Token
	return a, nil
}

// do sends body as JSON and decodes the answer into out unless it is nil.
func (a *api) do(ctx context.Context, want int, method, path string, body, out any) error {
	var rd io.Reader
	if raw, ok := body.(json.RawMessage); ok {
		rd = bytes.NewReader(raw)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return a.send(req, want, out)
}

func (a *api) send(req *http.Request, want int, out any) error {
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if id, ok := out.(*idOnly); ok {
		if id.ID = leadingID(data); id.ID != 0 {
			return nil
		}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

type idOnly struct {
	ID int64 `json:"id"`
}

// leadingID reads the id of a JSON object whose first key is "id", as
// Herald's job answers and notification bodies are, without decoding the
// rest: the load generator shares the cores with the server. 0: not so.
func leadingID(data []byte) int64 {
	rest, ok := bytes.CutPrefix(bytes.TrimLeft(data, "{ \n\t"), []byte(`"id":`))
	if !ok {
		return 0
	}
	rest = bytes.TrimLeft(rest, " ")
	end := bytes.IndexAny(rest, ",}\n ")
	if end < 0 {
		return 0
	}
	id, _ := strconv.ParseInt(string(rest[:end]), 10, 64)
	return id
}

// metrics reads the named gauges from /metrics (no labels).
func (a *api) metrics(ctx context.Context, names ...string) map[string]float64 {
	out := map[string]float64{}
	req, _ := http.NewRequestWithContext(ctx, "GET", a.base+"/metrics", nil)
	resp, err := a.hc.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		for _, n := range names {
			if f[0] == n {
				out[n], _ = strconv.ParseFloat(f[1], 64)
			}
		}
	}
	return out
}
