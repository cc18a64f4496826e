package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald/notify"
)

const errPrefix = "Error sending webhook notification"

type sender struct {
	client, insecure *http.Client
	userAgent        string
}

func newSender(env notify.Env) notify.Sender {
	return &sender{client: env.HTTPClient(false), insecure: env.HTTPClient(true), userAgent: env.UserAgent}
}

func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	body := requestBody(m.Body)
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(c.String("http_method")), c.String("url"), bytes.NewReader(body))
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", errPrefix, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set("Idempotency-Key", fmt.Sprintf("herald-%d", m.NotificationID))
	for _, k := range sortedKeys(c.Map("headers")) {
		v := c.Map("headers")[k]
		if http.CanonicalHeaderKey(k) == "Host" {
			req.Host = v // net/http ignores a Host entry in Header
			continue
		}
		req.Header.Set(k, v)
	}
	if secret := c.String("signing_secret"); secret != "" {
		// Set after the user's headers, so none of theirs can replace them.
		// The id is the same on every attempt; the timestamp is this one's.
		id, ts := fmt.Sprintf("herald-%d", m.NotificationID), time.Now().Unix()
		sig, err := signatures([]string{secret, c.String("signing_secret_previous")}, id, ts, body)
		if err != nil {
			return notify.Result{}, notify.Permanentf("%s: signing_secret: %w", errPrefix, err)
		}
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("webhook-signature", sig)
	}
	if u, p := c.String("username"), c.String("password"); u != "" || p != "" {
		req.SetBasicAuth(u, p)
	}
	client := s.client
	if c.Bool("disable_ssl_verification") {
		client = s.insecure
	}
	resp, err := client.Do(req)
	if err != nil {
		return notify.Result{}, notify.RequestError(errPrefix, err)
	}
	answer := notify.ReadBody(resp)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return notify.Result{Sent: 1, Answer: notify.HTTPAnswer(resp, answer)}, nil
	case resp.StatusCode < 400:
		// A redirect is not followed: replaying the body (job details,
		// perhaps basic auth) to wherever a receiver points would hand them
		// to a host the user never chose. As in AWX, an answer that is
		// neither an error nor 2xx leaves the notification successful with
		// nothing counted as sent.
		return notify.Result{Answer: notify.HTTPAnswer(resp, answer)}, nil
	}
	return notify.Result{}, notify.StatusError(errPrefix, resp, answer)
}

// requestBody is what a webhook sends for a rendered body, as AWX does: a JSON
// object as it is (compacted), text that is not JSON (or is empty) as {},
// and any other JSON value (list, number, string) as its text in a JSON string.
func requestBody(rendered string) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(rendered)); err != nil {
		return []byte("{}") // not JSON
	}
	if b.Len() > 0 && b.Bytes()[0] == '{' {
		return b.Bytes()
	}
	b.Reset()
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // AWX sends the text as is, not with <>& escaped
	_ = enc.Encode(rendered)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
