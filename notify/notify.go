// Package notify defines what every notifier type provides: a configuration
// schema (keys, JSON types, required keys, secrets, defaults) with its checks,
// and a Sender that delivers one notification and says whether a failure is
// worth retrying. Each type lives in its own package below; registry lists them.
package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Kind is the JSON type of a configuration key.
type Kind int

const (
	String Kind = iota
	Int
	Bool
	List   // a list of strings
	Object // an object of strings
	Password
	ObjectList // a list of objects of strings (Opsgenie's responders)
)

func (k Kind) String() string {
	return [...]string{"string", "int", "bool", "list", "object", "password", "list of objects"}[k]
}

// Field declares one configuration key.
type Field struct {
	Key      string
	Kind     Kind
	Required bool
	Default  any // nil: no default; filled in and shown back when the key is absent
	Label    string
	// Generate, when set, makes the value of a secret the user asks Herald
	// to make by sending "generate" (a webhook's signing_secret). The
	// answer to that save shows it once; see GenerateSecrets.
	Generate func() (string, error)
	Secret   Secrecy // for fields that hide a credential without being a Password
}

// GenerateValue asks for a generated secret in place of one's own.
const GenerateValue = "generate"

// GenerateSecrets replaces every "generate" in cfg whose field has a
// Generate function with a new value, and returns the values made, by key,
// for the one answer that may show them. The save path calls it before
// validating and sealing cfg.
func GenerateSecrets(spec *Spec, cfg map[string]any) (map[string]string, error) {
	var made map[string]string
	for _, f := range spec.Fields {
		if f.Generate == nil || cfg[f.Key] != GenerateValue {
			continue
		}
		v, err := f.Generate()
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", f.Key, err)
		}
		if made == nil {
			made = map[string]string{}
		}
		cfg[f.Key], made[f.Key] = v, v
	}
	return made, nil
}

// Config is a notifier's configuration, secrets decrypted, defaults filled in.
// Numbers are int64, lists []string, objects map[string]string after Validate.
type Config map[string]any

// String returns key as a string ("" when absent).
func (c Config) String(key string) string { s, _ := c[key].(string); return s }

// Int returns key as an int64 (0 when absent).
func (c Config) Int(key string) int64 {
	switch v := c[key].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}

// Bool returns key as a bool.
func (c Config) Bool(key string) bool { b, _ := c[key].(bool); return b }

// List returns key as a list of strings.
func (c Config) List(key string) []string {
	switch v := c[key].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Map returns key as an object of strings.
func (c Config) Map(key string) map[string]string {
	switch v := c[key].(type) {
	case map[string]string:
		return v
	case map[string]any:
		out := make(map[string]string, len(v))
		for k, x := range v {
			if s, ok := x.(string); ok {
				out[k] = s
			}
		}
		return out
	}
	return nil
}

// Objects returns key as a list of objects of strings.
func (c Config) Objects(key string) []map[string]string {
	switch v := c[key].(type) {
	case []map[string]string:
		return v
	case []any:
		out := make([]map[string]string, 0, len(v))
		for _, x := range v {
			if m, ok := convert(Object, x); ok {
				out = append(out, m.(map[string]string))
			}
		}
		return out
	}
	return nil
}

// Endpoint is a hosted service's base URL that is not in the notifier's
// configuration (Telegram's https://api.telegram.org). The operator may move
// it with an environment variable, for self-hosted or proxied installs and
// for tests; the service reads every declared variable, so a new type needs
// no wiring of its own.
type Endpoint struct {
	Var     string // "HERALD_TELEGRAM_API_URL"
	Default string // "https://api.telegram.org"
}

// Spec is one notifier type.
type Spec struct {
	Type   string // "slack"
	Label  string // "Slack"
	Fields []Field
	// Recipients names the key whose value the notification records as its recipients.
	Recipients string
	// Check reports problems beyond key presence and JSON types (URLs, ports,
	// addresses...). It sees a config whose keys have the declared types.
	Check func(c Config) []string
	// Endpoint, when set, is the hosted service's base URL and its override
	// variable; the sender reads it with Env.Endpoint.
	Endpoint *Endpoint
	// New builds the type's sender, once per process.
	New func(env Env) Sender
}

// Message is what one attempt sends.
type Message struct {
	NotificationID int64
	NotifierID     int64
	Subject        string
	Body           string // the rendered body: JSON text for webhook, PagerDuty, Grafana; text for e-mail
	Trigger        string // "started", "success", "error" or "test"
	JobKind        string // "" for a test notification
	JobID          int64
	Started        *time.Time // the job's start and end, for Grafana regions
	Finished       *time.Time
	// Done lists the destinations an earlier attempt reached; skip them.
	Done []string
}

// Result is what an attempt reached, also when it fails part-way.
type Result struct {
	Sent   int      // destinations reached by this attempt (adds to notifications_sent)
	Done   []string // their names, recorded so a retry skips them
	Answer Answer   // what the receiver answered, for the attempt log
}

// Sender delivers one notification. It returns an error made with Permanent
// or Transient (a plain error counts as transient), and a Result that counts
// what was reached even when it fails part-way.
type Sender interface {
	Send(ctx context.Context, c Config, m Message) (Result, error)
}

// Env is what senders get from the service: endpoints of hosted services,
// identity, trusted roots, and what the destination guard admits.
type Env struct {
	SlackAPIURL  string         // default https://slack.com/api/
	PagerDutyURL string         // default https://events.pagerduty.com
	TwilioAPIURL string         // default https://api.twilio.com
	UserAgent    string         // "Herald/<version>"
	RootCAs      *x509.CertPool // nil: the system pool (SSL_CERT_FILE, SSL_CERT_DIR)
	// Endpoints are the base URLs of Spec.Endpoint by variable name, as the
	// operator set them; a missing one means the default.
	Endpoints map[string]string
	// Allow admits loopback, private and reserved destinations
	// (--allow-destinations); nil admits none.
	Allow *AllowList
	// Resolver resolves the host names of notifiers; nil: the system's.
	Resolver *net.Resolver
}

// Endpoint returns the base URL of e, as the operator set it or its default.
func (e Env) Endpoint(ep Endpoint) string {
	if v := e.Endpoints[ep.Var]; v != "" {
		return v
	}
	return ep.Default
}

func (e Env) guard() guard { return guard{allow: e.Allow, resolver: e.Resolver} }

// Dial connects to an address taken from a notifier ("host:port"), through
// the destination guard: every type that dials one itself (e-mail, IRC) dials
// through here.
func (e Env) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return e.guard().DialContext(ctx, network, addr)
}

// DialTLS is Dial followed by a TLS handshake with cfg.
func (e Env) DialTLS(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
	return e.guard().DialTLSContext(ctx, network, addr, cfg)
}

// HTTPClient returns a client for URLs taken from a notifier, whose
// connections go through the destination guard; insecure skips TLS
// verification (the types' no_verify_ssl options). Redirects are not
// followed: a webhook receiver's redirect is an answer to record, not to
// chase blindly, and a redirect could lead past the guard's allow list.
func (e Env) HTTPClient(insecure bool) *http.Client {
	t := e.transport(insecure)
	t.DialContext = e.guard().DialContext
	return client(t)
}

// TrustedHTTPClient returns a client for the operator's own endpoints
// (HERALD_SLACK_API_URL and the like), which are trusted as they are.
func (e Env) TrustedHTTPClient() *http.Client { return client(e.transport(false)) }

func (e Env) transport(insecure bool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: e.RootCAs, InsecureSkipVerify: insecure} //nolint:gosec // the user asked for it
	t.MaxIdleConnsPerHost = 64
	return t
}

func client(t *http.Transport) *http.Client {
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Sequentially sends to each destination not in done, in order and once each
// (a destination listed twice gets one message), and stops at the first
// failure so that a retry resumes where this attempt stopped. The result
// counts the destinations reached, also when it fails part-way.
func Sequentially(dests, done []string, send func(dest string) error) (Result, error) {
	skip := make(map[string]bool, len(done))
	for _, d := range done {
		skip[d] = true
	}
	var res Result
	for _, d := range dests {
		if skip[d] {
			continue
		}
		if err := send(d); err != nil {
			return res, err
		}
		skip[d] = true
		res.Sent++
		res.Done = append(res.Done, d)
	}
	return res, nil
}

// Each sends to each destination not in done, once each, and goes on past a
// failure so that one bad destination does not hold back the others. The
// failures fold into one error: transient when any is worth a retry (waiting
// the longest delay asked), since a retry only sends to the destinations not
// reached; permanent otherwise.
func Each(ctx context.Context, dests, done []string, send func(dest string) error) (Result, error) {
	skip := make(map[string]bool, len(done))
	for _, d := range done {
		skip[d] = true
	}
	var res Result
	var failures []error
	for _, d := range dests {
		if skip[d] {
			continue
		}
		skip[d] = true
		if err := ctx.Err(); err != nil {
			failures = append(failures, Transient(err, 0))
			break
		}
		if err := send(d); err != nil {
			failures = append(failures, err)
			continue
		}
		res.Sent++
		res.Done = append(res.Done, d)
	}
	return res, fold(failures)
}

func fold(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	transient := false
	var after time.Duration
	for _, e := range errs {
		if class, ra := Classify(e); class == ClassTransient {
			transient = true
			after = max(after, ra)
		}
	}
	args := make([]any, len(errs))
	for i, e := range errs {
		args[i] = e
	}
	// One line, as an error is shown: "a; b" rather than errors.Join's lines.
	err := fmt.Errorf(strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; "), args...)
	if transient {
		return Transient(err, after)
	}
	return Permanent(err)
}
