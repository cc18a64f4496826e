package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/service"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
	"github.com/herald-notify/herald/secret"
	"github.com/herald-notify/herald/store"
	"github.com/jackc/pgx/v5/pgconn"
)

type serveConfig struct {
	addr, dataDir, database, secretKeyFile, baseURL, logFormat, logLevel string
	workers, perNotifier, maxAttempts, maxConnections                    int
	retryBase, retryMax, attemptTimeout, lease, shutdown, poll           time.Duration
	retention, cooldown                                                  time.Duration
}

// serve is `herald serve`. Everything that can be checked without side
// effects is checked first; then the port is bound, so that a port in use
// stops it before it creates anything; only then come the data dir, the
// key and the database.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("serve", getenv, stdout, "Usage: herald serve [flags]\n\nRuns the API, the web console and the delivery workers in one process.\nSIGTERM, SIGINT and SIGHUP stop it cleanly: attempts in flight finish within --shutdown-timeout.")
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
	retention := s.Duration("attempt-retention", "HERALD_ATTEMPT_RETENTION", 720*time.Hour, "how long the attempt log keeps an attempt")
	cooldown := s.Duration("circuit-cooldown", "HERALD_CIRCUIT_COOLDOWN", 30*time.Second, "first cool-down of an open circuit breaker; doubled at each opening up to 10m")
	logFormat := s.String("log-format", "HERALD_LOG_FORMAT", "text", "text or json")
	logLevel := s.String("log-level", "HERALD_LOG_LEVEL", "info", "debug, info, warn or error")
	if err := s.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := s.noArgs(); err != nil {
		return err
	}
	c = serveConfig{addr: *addr, dataDir: *dataDir, database: *database, secretKeyFile: *keyFile, baseURL: *baseURL,
		logFormat: *logFormat, logLevel: *logLevel,
		workers: *workers, perNotifier: *perNotifier, maxAttempts: *maxAttempts, retryBase: *retryBase, retryMax: *retryMax,
		attemptTimeout: *attemptTimeout, lease: *lease, shutdown: *shutdown, poll: *poll, maxConnections: *maxConnections,
		retention: *retention, cooldown: *cooldown}
	if err := c.check(); err != nil {
		return err
	}
	log := newLogger(stderr, c.logFormat, c.logLevel)
	if getenv("GOGC") == "" { // else the operator's choice stands
		gcCtx, stopGC := context.WithCancel(ctx)
		defer stopGC()
		go tuneGC(gcCtx)
	}
	db, err := c.databasePlan()
	if err != nil {
		return err
	}
	key, keyPath, err := givenKey(c, getenv)
	if err != nil {
		return err
	}
	if key == "" && db.sqlitePath == "" {
		return configErrorf("HERALD_SECRET_KEY (or --secret-key-file) is required with PostgreSQL: every instance must share it")
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return configErrorf("--addr %s: %v", c.addr, oneLine(err))
	}
	defer ln.Close() // Serve closes it too; this is for the early returns

	if db.makeDataDir {
		if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
			return configErrorf("--data-dir %s: %v", c.dataDir, oneLine(err))
		}
		warnOpenDirectory(log, c.dataDir)
	}
	if key == "" {
		if key, keyPath, err = generatedKey(db.sqlitePath, log); err != nil {
			return err
		}
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
			ShutdownTimeout: c.shutdown, AttemptRetention: c.retention,
			Breaker: deliver.Breaker{Threshold: deliver.DefaultBreaker.Threshold, Cooldown: c.cooldown, MaxCooldown: max(c.cooldown, deliver.DefaultBreaker.MaxCooldown)},
			Policy:  deliver.Policy{MaxAttempts: c.maxAttempts, Base: c.retryBase, MaxBackoff: c.retryMax, MaxRetryAfter: time.Hour},
		},
		HTTP:    service.HTTPLimits{MaxConnections: c.maxConnections},
		KeyFile: keyPath,
	})
	if errors.Is(err, service.ErrConfig) {
		return configErrorf("%v", oneLine(err))
	}
	if err != nil {
		return databaseError(c.database, err)
	}
	defer svc.Close()
	return svc.Serve(ctx, ln)
}

func (c serveConfig) check() error {
	switch {
	case c.workers < 1 || c.workers > 4096:
		return configErrorf("--workers must be between 1 and 4096")
	case c.perNotifier < 0:
		return configErrorf("--per-notifier must not be negative")
	case c.maxConnections < 1:
		return configErrorf("--max-connections must be at least 1")
	case c.maxAttempts < 1:
		return configErrorf("--retry-max-attempts must be at least 1")
	case c.retryBase <= 0:
		return configErrorf("--retry-base must be positive")
	case c.retryMax <= 0:
		return configErrorf("--retry-max-backoff must be positive")
	case c.attemptTimeout <= 0:
		return configErrorf("--attempt-timeout must be positive")
	case c.lease <= 0:
		return configErrorf("--lease must be positive")
	case c.shutdown <= 0:
		return configErrorf("--shutdown-timeout must be positive")
	case c.poll <= 0:
		return configErrorf("--poll must be positive")
	case c.retention <= 0:
		return configErrorf("--attempt-retention must be positive")
	case c.cooldown <= 0:
		return configErrorf("--circuit-cooldown must be positive")
	case c.lease <= c.attemptTimeout:
		return configErrorf("--lease (%s) must be longer than --attempt-timeout (%s), or a slow attempt could be sent twice", c.lease, c.attemptTimeout)
	case c.logFormat != "text" && c.logFormat != "json":
		return configErrorf("--log-format must be text or json, not %q", c.logFormat)
	}
	if _, ok := logLevels[c.logLevel]; !ok {
		return configErrorf("--log-level must be debug, info, warn or error, not %q", c.logLevel)
	}
	return nil
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[level]}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// dbPlan is what the database setting asks of the file system.
type dbPlan struct {
	sqlitePath  string // "" for PostgreSQL
	makeDataDir bool   // the database lives in the data dir, which may be created
}

// databasePlan resolves --database and checks it without touching the disk.
// Herald creates the data dir and nothing else: a SQLite file elsewhere must
// go in a directory that exists, so that a typo is an error, not a new
// empty database (and a new key) in a directory nobody meant.
func (c *serveConfig) databasePlan() (dbPlan, error) {
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(c.dataDir, "herald.db")
	}
	switch {
	case strings.HasPrefix(c.database, "postgres://"), strings.HasPrefix(c.database, "postgresql://"):
		if _, err := url.Parse(c.database); err != nil {
			return dbPlan{}, configErrorf("--database/HERALD_DATABASE_URL: not a URL")
		}
		return dbPlan{}, nil
	case !strings.HasPrefix(c.database, "sqlite:"):
		return dbPlan{}, configErrorf("--database/HERALD_DATABASE_URL must start with sqlite: or postgres://")
	}
	path, err := store.SQLitePath(c.database)
	if err != nil {
		return dbPlan{}, configErrorf("--database/HERALD_DATABASE_URL: %v", err)
	}
	dir := filepath.Dir(path)
	if within(dir, c.dataDir) {
		if !within(c.dataDir, dir) { // below the data dir, not the data dir itself
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return dbPlan{}, configErrorf("--database %s: directory %s does not exist (Herald creates only --data-dir itself)", c.database, dir)
			}
		}
		return dbPlan{sqlitePath: path, makeDataDir: true}, nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return dbPlan{}, configErrorf("--database %s: directory %s does not exist (Herald creates only --data-dir)", c.database, dir)
	}
	return dbPlan{sqlitePath: path}, nil
}

// within reports whether dir is root or below it.
func within(dir, root string) bool {
	d, err1 := filepath.Abs(dir)
	r, err2 := filepath.Abs(root)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(r, d)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// databaseError is a database that cannot be opened, in one line that names
// the setting and the host, never the password nor pgx's several lines.
func databaseError(dbURL string, err error) error {
	where := "the SQLite database"
	if u, perr := url.Parse(dbURL); perr == nil && u.Host != "" {
		where = "PostgreSQL at " + u.Host
	} else if p, perr := store.SQLitePath(dbURL); perr == nil {
		where = "the SQLite database " + p
	}
	var op *net.OpError
	var pg *pgconn.PgError
	cause := oneLine(err)
	switch {
	case errors.As(err, &pg):
		cause = pg.Message
	case errors.As(err, &op):
		cause = op.Err.Error()
	}
	return fmt.Errorf("--database/HERALD_DATABASE_URL: cannot open %s: %s", where, cause)
}

// oneLine keeps the first line of an error's text.
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSuffix(strings.TrimSpace(s), ":")
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

// givenKey is the key text from HERALD_SECRET_KEY or the key file, checked
// and named by where it came from; "" when neither is set. file is the key's
// file, "" when it came from the environment.
func givenKey(c serveConfig, getenv func(string) string) (key, file string, err error) {
	key, from := getenv("HERALD_SECRET_KEY"), "HERALD_SECRET_KEY"
	if key == "" && c.secretKeyFile != "" {
		b, err := os.ReadFile(c.secretKeyFile)
		if err != nil {
			return "", "", configErrorf("--secret-key-file: %v", oneLine(err))
		}
		key, from, file = strings.TrimSpace(string(b)), "--secret-key-file "+c.secretKeyFile, c.secretKeyFile
	}
	if key == "" {
		return "", "", nil
	}
	if _, err := secret.NewBox(key); err != nil {
		return "", "", configErrorf("%s: the key must be at least %d bytes (for example: openssl rand -base64 32)", from, secret.MinKeyLen)
	}
	return key, file, nil
}

// generatedKey is the SQLite default: a key generated beside the database on
// first start, and read from there after.
func generatedKey(dbPath string, log *slog.Logger) (key, file string, err error) {
	path := filepath.Join(filepath.Dir(dbPath), "herald.key")
	if missing(path) && holdsData(dbPath) {
		// A new key could not open what is stored: refuse, and write nothing.
		return "", "", configErrorf("the database %s exists but its key file %s is missing: restore the key file (or give the key with HERALD_SECRET_KEY)", dbPath, path)
	}
	k, created, err := secret.LoadOrCreateKey(path)
	if err != nil {
		return "", "", configErrorf("secret key %s: %v", path, oneLine(err))
	}
	if _, err := secret.NewBox(k); err != nil {
		return "", "", configErrorf("secret key %s: the key must be at least %d bytes", path, secret.MinKeyLen)
	}
	if created {
		log.Info("generated a secret key; keep it with the database", "file", path)
	}
	return k, path, nil
}
