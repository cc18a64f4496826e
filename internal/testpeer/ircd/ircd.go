// Package ircd runs a real IRC server (ngircd) for tests, on free loopback
// ports, plain and TLS with a self-signed certificate, and a watcher client
// that records the PRIVMSGs a real user would see.
package ircd

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a running ngircd.
type Server struct {
	Host     string         // 127.0.0.1
	Port     int            // plain port
	TLSPort  int            // TLS port
	CertPool *x509.CertPool // trusts the TLS port's certificate
	CertFile string         // the certificate as PEM, for SSL_CERT_FILE
	Password string         // the server password, "" for none
	Dir      string         // configuration, certificate and log
}

// Option changes the server's configuration.
type Option func(*config)

type config struct {
	password string
	channels []channel
	flood    bool
}

type channel struct{ name, key string }

// WithPassword makes the server require a connection password (PASS).
func WithPassword(p string) Option { return func(c *config) { c.password = p } }

// WithFloodControl keeps ngircd's penalties (about 3 commands a second per
// client after a short burst) instead of switching them off to keep tests fast.
func WithFloodControl() Option { return func(c *config) { c.flood = true } }

// WithChannel predefines a persistent channel; a key makes it refuse
// clients that do not know it (475).
func WithChannel(name, key string) Option {
	return func(c *config) { c.channels = append(c.channels, channel{name, key}) }
}

// Start runs ngircd until the test ends. Without ngircd installed the test
// is skipped, except in CI (CI=true), where it fails: CI must run it.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := findNgircd()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ngircd not found: apt-get install ngircd")
		}
		t.Skip("ngircd not found: apt-get install ngircd")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	pool, err := writeCert(dir)
	if err != nil {
		t.Fatalf("ircd: %v", err)
	}
	// Ready-made DH parameters: without them ngircd spends over a second generating some.
	if out, err := exec.Command("openssl", "genpkey", "-genparam", "-algorithm", "DH",
		"-pkeyopt", "group:ffdhe2048", "-out", filepath.Join(dir, "dh.pem")).CombinedOutput(); err != nil {
		t.Fatalf("ircd: DH parameters: %v: %s", err, out)
	}
	if err := os.Mkdir(filepath.Join(dir, "conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{Host: "127.0.0.1", CertPool: pool, CertFile: filepath.Join(dir, "cert.pem"), Password: cfg.password, Dir: dir}
	s.Port, s.TLSPort = freePort(t), freePort(t)
	conf := filepath.Join(dir, "ngircd.conf")
	if err := os.WriteFile(conf, []byte(s.config(cfg)), 0o644); err != nil {
		t.Fatal(err)
	}

	log, err := os.Create(filepath.Join(dir, "ngircd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-f", conf)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("ircd: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
	})
	for _, port := range []int{s.Port, s.TLSPort} {
		if err := waitListening(exited, s.Host, port); err != nil {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("ircd: %v\n%s", err, b)
		}
	}
	return s
}

func (s *Server) config(c config) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `[Global]
	Name = irc.test.local
	Info = throwaway test ircd
	Listen = %s
	Ports = %d
	MotdPhrase = "test server"
	AdminInfo1 = test
	AdminInfo2 = test
	AdminEMail = root@localhost
`, s.Host, s.Port)
	if c.password != "" {
		fmt.Fprintf(&b, "\tPassword = %s\n", c.password)
	}
	penalty := 0 // no penalties: tests stay fast
	if c.flood {
		penalty = -1 // ngircd's default
	}
	fmt.Fprintf(&b, `[Limits]
	MaxConnectionsIP = 0
	PingTimeout = 120
	MaxNickLength = 30
	MaxPenaltyTime = %[3]d
[Options]
	DNS = no
	Ident = no
	PAM = no
	IncludeDir = %[1]s/conf.d
[SSL]
	CertFile = %[1]s/cert.pem
	KeyFile = %[1]s/key.pem
	DHFile = %[1]s/dh.pem
	Ports = %[2]d
`, s.Dir, s.TLSPort, penalty)
	for _, ch := range c.channels {
		fmt.Fprintf(&b, "[Channel]\n\tName = %s\n", ch.name)
		if ch.key != "" {
			fmt.Fprintf(&b, "\tKey = %s\n\tModes = +k\n", ch.key)
		}
	}
	return b.String()
}

// Addr is the plain port's host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

func findNgircd() string {
	if p, err := exec.LookPath("ngircd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/ngircd", "/usr/local/sbin/ngircd"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitListening polls until port accepts a connection, the process exits,
// or 10 s pass.
func waitListening(exited <-chan struct{}, host string, port int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("ngircd exited before listening on %s", addr)
		case <-ctx.Done():
			return fmt.Errorf("ngircd not listening on %s: %w", addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fold is IRC's case mapping (rfc1459): nicks and channels compare without case.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == '[':
			return '{'
		case r == ']':
			return '}'
		case r == '\\':
			return '|'
		case r == '~':
			return '^'
		}
		return r
	}, s)
}
