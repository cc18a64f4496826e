package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/service"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
	"github.com/herald-notify/herald/secret"
	"github.com/herald-notify/herald/store"
)

type serveConfig struct {
	addr, dataDir, database, secretKeyFile, baseURL, logFormat string
	workers, perNotifier, maxAttempts, maxConnections          int
	retryBase, retryMax, attemptTimeout, lease, shutdown, poll time.Duration
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("serve", getenv, stderr, "Usage: herald serve [flags]\n\nRuns the API, the web console and the delivery workers in one process.")
	var c serveConfig
	addr := s.String("addr", "HERALD_ADDR", "127.0.0.1:8080", "where the API and console listen")
	dataDir := s.String("data-dir", "HERALD_DATA_DIR", "./herald-data", "where the SQLite database and the generated key live")
	database := s.String("database", "HERALD_DATABASE_URL", "", "sqlite:///abs/path.db, sqlite:rel/path.db or postgres://user:pass@host:port/db (default sqlite: in the data dir)")
	keyFile := s.String("secret-key-file", "HERALD_SECRET_KEY_FILE", "", "file holding the key text that encrypts secrets at rest (HERALD_SECRET_KEY gives the text itself)")
	baseURL := s.String("base-url", "HERALD_BASE_URL", "", "public URL used in links inside messages (default http:// + addr)")
	workers := s.Int("workers", "HERALD_WORKERS", 32, "deliveries in flight at once, per instance")
	perNotifier := s.Int("per-notifier", "HERALD_PER_NOTIFIER", 0, "deliveries in flight at once for one notifier (default workers/4)")
	maxAttempts := s.Int("retry-max-attempts", "HERALD_RETRY_MAX_ATTEMPTS", 5, "attempts before a notification is failed")
	retryBase := s.Duration("retry-base", "HERALD_RETRY_BASE", 30*time.Second, "first backoff; doubled after each attempt, ±20% jitter")
	retryMax := s.Duration("retry-max-backoff", "HERALD_RETRY_MAX_BACKOFF", 5*time.Minute, "cap on one backoff")
	attemptTimeout := s.Duration("attempt-timeout", "HERALD_ATTEMPT_TIMEOUT", 30*time.Second, "cap on one delivery attempt")
	lease := s.Duration("lease", "HERALD_LEASE", 2*time.Minute, "how long a claimed notification stays with this instance")
	shutdown := s.Duration("shutdown-timeout", "HERALD_SHUTDOWN_TIMEOUT", 30*time.Second, "how long SIGTERM waits for attempts in flight")
	poll := s.Duration("poll", "HERALD_POLL", time.Second, "fallback poll for due notifications")
	allow := s.AllowList("allow-destinations", "HERALD_ALLOW_DESTINATIONS", "comma-separated CIDRs, IPs, host names and .suffix names that notifications may reach although loopback, private or reserved")
	maxConnections := s.Int("max-connections", "HERALD_MAX_CONNECTIONS", service.DefaultMaxConnections, "client connections open at once; more wait their turn in the kernel's queue")
	logFormat := s.String("log-format", "HERALD_LOG_FORMAT", "text", "text or json")
	if err := s.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	c = serveConfig{addr: *addr, dataDir: *dataDir, database: *database, secretKeyFile: *keyFile, baseURL: *baseURL, logFormat: *logFormat,
		workers: *workers, perNotifier: *perNotifier, maxAttempts: *maxAttempts, retryBase: *retryBase, retryMax: *retryMax,
		attemptTimeout: *attemptTimeout, lease: *lease, shutdown: *shutdown, poll: *poll, maxConnections: *maxConnections}
	if err := c.check(); err != nil {
		return err
	}
	log := newLogger(stderr, c.logFormat)
	if getenv("GOGC") == "" {
		// The live heap is small (tens of MiB) and the work allocation-heavy:
		// collecting at twice the live heap instead of once cut a fifth of
		// the CPU per notification under heraldbench for ~30 MiB more peak RSS.
		debug.SetGCPercent(200)
	}

	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return configErrorf("--data-dir %s: %v", c.dataDir, err)
	}
	warnOpenDirectory(log, c.dataDir)
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(c.dataDir, "herald.db")
	}
	if !strings.HasPrefix(c.database, "sqlite:") && !strings.HasPrefix(c.database, "postgres://") && !strings.HasPrefix(c.database, "postgresql://") {
		return configErrorf("HERALD_DATABASE_URL must start with sqlite: or postgres://")
	}
	key, keyPath, err := secretKey(c, getenv, log)
	if err != nil {
		return err
	}
	if c.baseURL == "" {
		c.baseURL = "http://" + c.addr
	}
	svc, err := service.Open(ctx, service.Config{
		DatabaseURL: c.database, SecretKey: key, AdminPassword: getenv("HERALD_ADMIN_PASSWORD"), BaseURL: c.baseURL, Logger: log,
		Env: notify.Env{
			SlackAPIURL:  envOr(getenv, "HERALD_SLACK_API_URL", "https://slack.com/api/"),
			PagerDutyURL: envOr(getenv, "HERALD_PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com"),
			TwilioAPIURL: envOr(getenv, "HERALD_TWILIO_API_URL", "https://api.twilio.com"),
			Allow:        *allow,
			Endpoints:    endpoints(getenv),
		},
		Delivery: deliver.Config{
			Workers: c.workers, PerNotifier: c.perNotifier, AttemptTimeout: c.attemptTimeout, Lease: c.lease, Poll: c.poll,
			ShutdownTimeout: c.shutdown,
			Policy:          deliver.Policy{MaxAttempts: c.maxAttempts, Base: c.retryBase, MaxBackoff: c.retryMax, MaxRetryAfter: time.Hour},
		},
		HTTP:    service.HTTPLimits{MaxConnections: c.maxConnections},
		KeyFile: keyPath,
	})
	if errors.Is(err, service.ErrConfig) {
		return configErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return configErrorf("--addr %s: %v", c.addr, err)
	}
	return svc.Serve(ctx, ln)
}

func (c serveConfig) check() error {
	switch {
	case c.workers < 1 || c.workers > 4096:
		return configErrorf("--workers must be between 1 and 4096")
	case c.maxConnections < 1:
		return configErrorf("--max-connections must be at least 1")
	case c.perNotifier < 0:
		return configErrorf("--per-notifier must not be negative")
	case c.maxAttempts < 1:
		return configErrorf("--retry-max-attempts must be at least 1")
	case c.retryBase <= 0 || c.retryMax <= 0 || c.attemptTimeout <= 0 || c.lease <= 0 || c.shutdown <= 0 || c.poll <= 0:
		return configErrorf("durations must be positive")
	case c.lease <= c.attemptTimeout:
		return configErrorf("--lease (%s) must be longer than --attempt-timeout (%s), or a slow attempt could be sent twice", c.lease, c.attemptTimeout)
	case c.logFormat != "text" && c.logFormat != "json":
		return configErrorf("--log-format must be text or json")
	}
	return nil
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// endpoints reads the override variable of every type that declares a
// hosted endpoint (notify.Spec.Endpoint), so a new type needs no line here.
func endpoints(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, spec := range registry.Types() {
		if e := spec.Endpoint; e != nil {
			out[e.Var] = envOr(getenv, e.Var, e.Default)
		}
	}
	return out
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// secretKey finds the key text that encrypts secrets: HERALD_SECRET_KEY, the key
// file, or (SQLite only) a key generated beside the database. file is the
// key's file, "" when it came from the environment.
func secretKey(c serveConfig, getenv func(string) string, log *slog.Logger) (key, file string, err error) {
	key = getenv("HERALD_SECRET_KEY")
	switch {
	case key != "":
	case c.secretKeyFile != "":
		b, err := os.ReadFile(c.secretKeyFile)
		if err != nil {
			return "", "", configErrorf("--secret-key-file: %v", err)
		}
		key, file = strings.TrimSpace(string(b)), c.secretKeyFile
	case strings.HasPrefix(c.database, "sqlite:"):
		path, err := store.SQLitePath(c.database)
		if err != nil {
			return "", "", configErrorf("HERALD_DATABASE_URL: %v", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", "", configErrorf("database directory: %v", err)
		}
		keyPath := filepath.Join(filepath.Dir(path), "herald.key")
		if missing(keyPath) && holdsData(path) {
			// A new key could not open what is stored: refuse, and write nothing.
			return "", "", configErrorf("the database %s exists but its key file %s is missing: restore the key file (or give the key with HERALD_SECRET_KEY)", path, keyPath)
		}
		k, created, err := secret.LoadOrCreateKey(keyPath)
		if err != nil {
			return "", "", configErrorf("secret key: %v", err)
		}
		if created {
			log.Info("generated a secret key; keep it with the database", "file", filepath.Join(filepath.Dir(path), "herald.key"))
		}
		key, file = k, keyPath
	default:
		return "", "", configErrorf("HERALD_SECRET_KEY (or --secret-key-file) is required with PostgreSQL: every instance must share it")
	}
	return key, file, nil
}
