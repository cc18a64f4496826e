package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// client is a small client of the Herald API, for `herald run` and `herald flush`.
type client struct {
	base, token, user, pass string
	timeout                 time.Duration // per request
}

// newClient reads the server and credentials from the environment.
func newClient(server string, getenv func(string) string, timeout time.Duration) *client {
	return &client{base: strings.TrimRight(server, "/"), token: getenv("HERALD_TOKEN"), user: getenv("HERALD_USERNAME"), pass: getenv("HERALD_PASSWORD"), timeout: timeout}
}

// httpError is an answer Herald gave that was not a success.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// permanent reports whether sending the same request again cannot succeed:
// a refusal of the request itself, not of the moment or of the credentials
// (which someone may fix before the next try).
func (e *httpError) permanent() bool {
	switch e.status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusConflict,
		http.StatusGone, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	return c.doWith(ctx, method, path, body, out, nil)
}

// doWith is do with extra request headers.
func (c *client) doWith(ctx context.Context, method, path string, body, out any, header map[string]string) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	timeout := c.timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return &httpError{status: resp.StatusCode, msg: fmt.Sprintf("%s %s: %s %s", method, path, resp.Status, strings.TrimSpace(string(data)))}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// resolve finds a template by id or by exact name.
func (c *client) resolve(ctx context.Context, collection, nameOrID string) (int64, error) {
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		return id, nil
	}
	var page struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if err := c.do(ctx, "GET", "/api/v1/"+collection+"/?name="+url.QueryEscape(nameOrID), nil, &page); err != nil {
		return 0, err
	}
	switch len(page.Results) {
	case 0:
		return 0, &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("no %s named %q", strings.TrimSuffix(collection, "s"), nameOrID)}
	case 1:
		return page.Results[0].ID, nil
	}
	return 0, &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf("%d %s are named %q; give the id", len(page.Results), collection, nameOrID)}
}
