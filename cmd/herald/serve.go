package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"database/sql"
	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/api"
	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
	"github.com/herald-notify/herald/secret"
	"github.com/herald-notify/herald/store"
	"github.com/herald-notify/herald/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type serveConfig struct {
	addr, dataDir, database, secretKeyFile, baseURL, logFormat string
	workers, perNotifier, maxAttempts                          int
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
	logFormat := s.String("log-format", "HERALD_LOG_FORMAT", "text", "text or json")
	if err := s.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	c = serveConfig{addr: *addr, dataDir: *dataDir, database: *database, secretKeyFile: *keyFile, baseURL: *baseURL, logFormat: *logFormat,
		workers: *workers, perNotifier: *perNotifier, maxAttempts: *maxAttempts, retryBase: *retryBase, retryMax: *retryMax,
		attemptTimeout: *attemptTimeout, lease: *lease, shutdown: *shutdown, poll: *poll}
	if err := c.check(); err != nil {
		return err
	}
	log := newLogger(stderr, c.logFormat)

	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return configErrorf("--data-dir %s: %v", c.dataDir, err)
	}
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(c.dataDir, "herald.db")
	}
	if !strings.HasPrefix(c.database, "sqlite:") && !strings.HasPrefix(c.database, "postgres://") && !strings.HasPrefix(c.database, "postgresql://") {
		return configErrorf("HERALD_DATABASE_URL must start with sqlite: or postgres://")
	}
	box, err := secretBox(c, getenv, log)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, c.database)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	if err := checkKey(ctx, st, box); err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, st, getenv, log); err != nil {
		return err
	}

	instance := instanceID()
	if c.baseURL == "" {
		c.baseURL = "http://" + c.addr
	}
	types := registry.Types()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := deliver.NewMetrics(reg, st)
	engine := deliver.New(deliver.Config{
		Store: st, Types: types, Secrets: box, Owner: instance, Logger: log, Metrics: metrics,
		Env: notify.Env{
			SlackAPIURL:  envOr(getenv, "HERALD_SLACK_API_URL", "https://slack.com/api/"),
			PagerDutyURL: envOr(getenv, "HERALD_PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com"),
			TwilioAPIURL: envOr(getenv, "HERALD_TWILIO_API_URL", "https://api.twilio.com"),
			UserAgent:    "Herald/" + herald.Version,
		},
		Workers: c.workers, PerNotifier: c.perNotifier, AttemptTimeout: c.attemptTimeout, Lease: c.lease, Poll: c.poll,
		ShutdownTimeout: c.shutdown,
		Policy:          deliver.Policy{MaxAttempts: c.maxAttempts, Base: c.retryBase, MaxBackoff: c.retryMax, MaxRetryAfter: time.Hour},
	})
	var engineRunning sync.WaitGroup
	handler := api.NewServer(api.Config{
		Store: st, Types: types, Secrets: box, BaseURL: strings.TrimRight(c.baseURL, "/"), Instance: instance, Logger: log,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), Console: web.Handler(),
	})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return configErrorf("--addr %s: %v", c.addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	engineRunning.Add(1)
	go func() { defer engineRunning.Done(); engine.Run(engineCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("herald ready", "addr", "http://"+ln.Addr().String(), "database", st.Dialect(), "instance", instance, "version", herald.Version)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopEngine()
		engineRunning.Wait()
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopping: finishing requests and attempts in flight", "timeout", c.shutdown.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.shutdown)
	defer cancel()
	srv.Shutdown(shutdownCtx) // requests in flight finish
	stopEngine()              // no new claims; attempts in flight finish within the timeout
	engineRunning.Wait()
	log.Info("stopped")
	return nil
}

func (c serveConfig) check() error {
	switch {
	case c.workers < 1 || c.workers > 4096:
		return configErrorf("--workers must be between 1 and 4096")
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

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// secretBox finds the key that encrypts secrets: HERALD_SECRET_KEY, the key
// file, or (SQLite only) a key generated beside the database.
func secretBox(c serveConfig, getenv func(string) string, log *slog.Logger) (*secret.Box, error) {
	key := getenv("HERALD_SECRET_KEY")
	switch {
	case key != "":
	case c.secretKeyFile != "":
		b, err := os.ReadFile(c.secretKeyFile)
		if err != nil {
			return nil, configErrorf("--secret-key-file: %v", err)
		}
		key = strings.TrimSpace(string(b))
	case strings.HasPrefix(c.database, "sqlite:"):
		path, err := store.SQLitePath(c.database)
		if err != nil {
			return nil, configErrorf("HERALD_DATABASE_URL: %v", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, configErrorf("database directory: %v", err)
		}
		k, created, err := secret.LoadOrCreateKey(filepath.Join(filepath.Dir(path), "herald.key"))
		if err != nil {
			return nil, configErrorf("secret key: %v", err)
		}
		if created {
			log.Info("generated a secret key; keep it with the database", "file", filepath.Join(filepath.Dir(path), "herald.key"))
		}
		key = k
	default:
		return nil, configErrorf("HERALD_SECRET_KEY (or --secret-key-file) is required with PostgreSQL: every instance must share it")
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, configErrorf("secret key: %v", err)
	}
	return box, nil
}

// checkKey refuses a key that cannot open what is already stored, at start,
// rather than as undeliverable notifications later.
func checkKey(ctx context.Context, st *store.Store, box *secret.Box) error {
	sealed, err := box.Encrypt("herald key check")
	if err != nil {
		return err
	}
	stored, err := st.SetSettingOnce(ctx, "secret_key_check", sealed)
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	if plain, err := box.Decrypt(stored); err != nil || plain != "herald key check" {
		return configErrorf("the secret key cannot decrypt the secrets already stored in this database; start with the key it was created with")
	}
	return nil
}

// bootstrapAdmin creates the superuser "admin" on first start.
func bootstrapAdmin(ctx context.Context, st *store.Store, getenv func(string) string, log *slog.Logger) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, generated := getenv("HERALD_ADMIN_PASSWORD"), false
	if password == "" {
		b := make([]byte, 18)
		rand.Read(b)
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	hash, err := api.HashPassword(password)
	if err != nil {
		return err
	}
	if err := st.CreateUser(ctx, &store.User{Username: "admin", PasswordHash: hash, Superuser: true}); err != nil {
		if errors.Is(err, sql.ErrNoRows) { // another instance made it first
			return nil
		}
		return fmt.Errorf("create admin: %w", err)
	}
	if generated {
		// Printed once, on the first start only; it is not stored in clear anywhere.
		log.Warn("created the superuser admin with a generated password (shown once; set HERALD_ADMIN_PASSWORD to choose it)", "username", "admin", "password", password)
	} else {
		log.Info("created the superuser admin from HERALD_ADMIN_PASSWORD")
	}
	return nil
}

func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}
