// Package service assembles Herald from its parts (store, API, delivery
// engine, metrics) and runs it until it is told to stop. `herald serve` and
// the end-to-end tests start the service the same way, through here.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/herald-notify/herald"
	"github.com/herald-notify/herald/api"
	"github.com/herald-notify/herald/app"
	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/buildinfo"
	"github.com/herald-notify/herald/internal/connlimit"
	"github.com/herald-notify/herald/notify"
	"github.com/herald-notify/herald/notify/registry"
	"github.com/herald-notify/herald/secret"
	"github.com/herald-notify/herald/store"
	"github.com/herald-notify/herald/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ErrConfig marks errors the operator must fix in the configuration.
var ErrConfig = errors.New("configuration")

// Config is everything the service needs; the zero values of the delivery
// settings take the engine's defaults.
type Config struct {
	DatabaseURL   string
	SecretKey     string // the key text (at least 32 bytes)
	AdminPassword string // for the first start; "" generates one and logs it once
	BaseURL       string // public URL in messages
	Env           notify.Env
	Delivery      deliver.Config // Workers, PerNotifier, Policy, AttemptTimeout, Lease, Poll, ShutdownTimeout
	HTTP          HTTPLimits
	// KeyFile, when the key came from a file, is watched every
	// KeyCheckInterval (default 1m): a deleted or replaced key is logged.
	KeyFile          string
	KeyCheckInterval time.Duration
	Logger           *slog.Logger
}

// HTTPLimits bound what clients can hold of the server; zero values take
// the defaults below.
type HTTPLimits struct {
	MaxConnections    int           // open at once; more wait in the kernel's queue (default 1024)
	MaxHeaderBytes    int           // request line and headers (default 64 KiB): more is 431
	ReadHeaderTimeout time.Duration // to send the headers (default 10s): slow senders are cut
	IdleTimeout       time.Duration // a kept-alive connection between requests (default 2m)
}

// DefaultMaxConnections is the connection cap when none is given.
const DefaultMaxConnections = 1024

func (l HTTPLimits) withDefaults() HTTPLimits {
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxHeaderBytes <= 0 {
		// AWX's clients send a few KiB at most (cookies, a bearer token).
		l.MaxHeaderBytes = 64 << 10
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 2 * time.Minute
	}
	return l
}

// Service is a running Herald.
type Service struct {
	Store    *store.Store
	App      *app.App
	Handler  http.Handler
	Instance string

	engine *deliver.Engine
	log    *slog.Logger
	cfg    Config
}

// Open connects to the database, migrates it, checks the secret key against
// what is stored, creates the admin user on first start, and builds the API
// and the delivery engine.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	box, err := secret.NewBox(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("%w: secret key: %v", ErrConfig, err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := checkKey(ctx, st, box); err != nil {
		st.Close()
		return nil, err
	}
	types := registry.Types()
	application := app.New(app.Config{Store: st, Types: types, Secrets: box, BaseURL: cfg.BaseURL, Logger: log})
	if err := bootstrapAdmin(ctx, application, cfg.AdminPassword, log); err != nil {
		st.Close()
		return nil, err
	}
	if err := sealLegacySecrets(ctx, st, types, box, log); err != nil {
		st.Close()
		return nil, err
	}
	s := &Service{Store: st, App: application, Instance: instanceID(), log: log, cfg: cfg}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Env.UserAgent == "" {
		cfg.Env.UserAgent = "Herald/" + herald.Version
	}
	reg.MustRegister(buildInfoGauge(buildinfo.Read()))
	dc := cfg.Delivery
	typeNames := make([]string, 0, len(types))
	for name := range types {
		typeNames = append(typeNames, name)
	}
	sort.Strings(typeNames)
	metrics := deliver.NewMetrics(reg, st, typeNames, dc.AttemptTimeout)
	dc.Store, dc.Types, dc.Env, dc.Secrets, dc.Owner, dc.Logger, dc.Metrics = st, types, cfg.Env, box, s.Instance, log, metrics
	s.engine = deliver.New(dc)
	s.Handler = api.NewServer(api.Config{
		App: application, Dialect: st.Dialect(), Instance: s.Instance, Logger: log,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), Console: web.Handler(),
		Ready: func(ctx context.Context) error {
			if !s.engine.Running() {
				return errors.New("the delivery workers are not running")
			}
			if err := st.Ping(ctx); err != nil {
				return err
			}
			return st.CheckWritable(ctx) // after a full disk, ready once a write succeeds
		},
	})
	return s, nil
}

// Serve answers on ln and delivers notifications until ctx ends; then it
// stops accepting, lets requests and attempts in flight finish within the
// shutdown timeout, hands back its claims, and returns.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.cfg.HTTP.withDefaults()
	lim.MaxConnections = s.fitToFileLimit(lim.MaxConnections)
	ln = connlimit.Listen(ln, lim.MaxConnections)
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: lim.ReadHeaderTimeout, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
		IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: lim.MaxHeaderBytes, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	var engine sync.WaitGroup
	engine.Add(1)
	go func() { defer engine.Done(); s.engine.Run(engineCtx) }()
	engine.Add(1)
	go func() { defer engine.Done(); s.expireApprovals(engineCtx) }()
	for !s.engine.Running() { // ready means delivering: /readyz checks it
		time.Sleep(time.Millisecond)
	}
	if s.cfg.KeyFile != "" {
		go s.watchKeyFile(engineCtx)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	s.log.Info("herald ready", "addr", "http://"+ln.Addr().String(), "database", s.Store.Dialect(), "instance", s.Instance, "host", hostname(), "pid", os.Getpid(), "version", herald.Version)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopEngine()
		engine.Wait()
		return fmt.Errorf("serve: %w", err)
	}
	timeout := s.cfg.Delivery.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	s.log.Info("stopping: finishing requests and attempts in flight", "timeout", timeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	srv.Shutdown(shutdownCtx) // requests in flight finish
	stopEngine()              // no new claims; attempts in flight finish within the timeout
	engine.Wait()
	s.log.Info("stopped")
	return nil
}

// approvalSweep is how often pending approvals are checked against their timeout.
const approvalSweep = time.Second

// expireApprovals times out approvals past their timeout until ctx ends.
func (s *Service) expireApprovals(ctx context.Context) {
	t := time.NewTicker(approvalSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.App.ExpireApprovals(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("approval timeouts", "err", err)
			}
		}
	}
}

// watchKeyFile logs, each time it changes, whether the key file still holds
// the key this process uses. The process goes on with the key in memory,
// which is the one the stored secrets are sealed with (a new key could not
// open them); the operator is told to restore the file before the next
// start, which would refuse.
func (s *Service) watchKeyFile(ctx context.Context) {
	every := s.cfg.KeyCheckInterval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	last := "ok"
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		state := "ok"
		b, err := os.ReadFile(s.cfg.KeyFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			state = "missing"
		case err != nil:
			state = "unreadable"
		case strings.TrimSpace(string(b)) != s.cfg.SecretKey:
			state = "replaced"
		}
		if state == last {
			continue
		}
		last = state
		if state == "ok" {
			s.log.Info("the secret key file holds the key in use again", "file", s.cfg.KeyFile)
			continue
		}
		s.log.Error("the secret key file no longer holds the key this process uses; it goes on with the key in memory, "+
			"which the stored secrets need, but the next start will refuse: put the key back in the file",
			"file", s.cfg.KeyFile, "state", state)
	}
}

// fileReserve is the descriptors kept beside the connections: the database,
// its journal, deliveries in flight, logs.
const fileReserve = 128

// fitToFileLimit raises the descriptor limit where the OS allows and lowers
// the connection cap, saying so, when the limit cannot hold it: running out
// of descriptors would fail deliveries and database opens, not just accepts.
func (s *Service) fitToFileLimit(maxConns int) int {
	limit, err := connlimit.RaiseFileLimit()
	if err != nil || limit == 0 {
		return maxConns
	}
	need := uint64(maxConns) + fileReserve + 2*uint64(s.cfg.Delivery.Workers)
	if limit >= need {
		return maxConns
	}
	fit := int(limit) - fileReserve - 2*s.cfg.Delivery.Workers
	if fit < 16 {
		fit = 16
	}
	s.log.Warn("the open-file limit cannot hold the connection cap; serving fewer connections (raise it with ulimit -n or LimitNOFILE=)",
		"open_file_limit", limit, "max_connections", maxConns, "serving", fit)
	return fit
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// Close closes the database.
func (s *Service) Close() error { return s.Store.Close() }

// checkKey refuses a key that cannot open what is already stored, at start,
// rather than as undeliverable notifications later.
func checkKey(ctx context.Context, st *store.Store, box *secret.Box) error {
	const probe = "herald key check"
	sealed, err := box.Encrypt(probe)
	if err != nil {
		return err
	}
	stored, err := st.SetSettingOnce(ctx, "secret_key_check", sealed)
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	if plain, err := box.Decrypt(stored); err != nil || plain != probe {
		return fmt.Errorf("%w: the secret key cannot decrypt the secrets already stored in this database; start with the key it was created with", ErrConfig)
	}
	return nil
}

// sealLegacySecrets encrypts what older versions stored in clear (webhook
// headers, URL passwords, hook URLs, PagerDuty keys) and, once per
// database, removes the credentials they copied into notifications'
// recipients.
func sealLegacySecrets(ctx context.Context, st *store.Store, types map[string]*notify.Spec, box *secret.Box, log *slog.Logger) error {
	const page = 200
	for offset := 0; ; offset += page {
		ns, _, err := st.ListNotifiers(ctx, herald.Query{OrderBy: []string{"id"}, Limit: page, Offset: offset})
		if err != nil {
			return fmt.Errorf("read notifiers: %w", err)
		}
		for _, n := range ns {
			spec := types[n.Type]
			if spec == nil {
				continue
			}
			sealed, changed, err := notify.SealClear(spec, n.Config, box)
			if err != nil {
				return fmt.Errorf("seal notifier %d: %w", n.ID, err)
			}
			if !changed {
				continue
			}
			n.Config = sealed
			if _, err := st.UpdateNotifier(ctx, n); err != nil {
				return fmt.Errorf("seal notifier %d: %w", n.ID, err)
			}
			log.Info("encrypted secrets stored in clear by an older version", "notifier", n.ID)
		}
		if len(ns) < page {
			break
		}
	}
	const done = "recipients_redacted"
	if _, ok, err := st.Setting(ctx, done); err != nil || ok {
		return err
	}
	var secretTypes []string
	for name, spec := range types {
		if notify.SecretRecipients(spec) {
			secretTypes = append(secretTypes, name)
		}
	}
	n, err := st.RedactRecipients(ctx, secretTypes, func(typ, recorded string) string {
		return notify.RedactRecorded(types[typ], recorded)
	})
	if err != nil {
		return fmt.Errorf("redact recipients: %w", err)
	}
	if n > 0 {
		log.Info("removed credentials from recorded recipients", "notifications", n)
	}
	_, err = st.SetSettingOnce(ctx, done, "1")
	return err
}

// bootstrapAdmin creates the superuser admin on first start.
func bootstrapAdmin(ctx context.Context, a *app.App, password string, log *slog.Logger) error {
	created, generated, err := a.EnsureAdmin(ctx, password)
	switch {
	case err != nil:
		return fmt.Errorf("create admin: %w", err)
	case created && generated != "":
		// Shown once, on the first start only; it is stored nowhere in clear.
		log.Warn("created the superuser admin with a generated password (shown once; set HERALD_ADMIN_PASSWORD to choose it)", "username", "admin", "password", generated)
	case created:
		log.Info("created the superuser admin from HERALD_ADMIN_PASSWORD")
	}
	return nil
}

// buildInfoGauge is herald_build_info{version, revision, goversion} 1, as
// Prometheus' own *_build_info: a join target for alerts and dashboards.
func buildInfoGauge(b buildinfo.Info) prometheus.Collector {
	revision := b.Revision
	if revision == "" {
		revision = "unknown"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "herald_build_info", Help: "Herald's build: version, commit and Go version; always 1.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": revision, "goversion": b.GoVersion}})
	g.Set(1)
	return g
}

// instanceID is random per process: it names this instance's leases and
// is shown by the unauthenticated ping/, so it says nothing of the host.
// The log line at start pairs it with the host name and PID.
func instanceID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
