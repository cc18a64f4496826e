// Package smtp is an in-process SMTP server for tests (go-smtp): plain,
// STARTTLS or implicit TLS with a self-signed certificate, AUTH PLAIN and
// LOGIN, and a record of every message it accepted, decoded so tests can
// assert what a reader sees. It can be told to refuse the next messages with
// a given reply, to exercise temporary and permanent failures.
package smtp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Mode is how the server speaks TLS.
type Mode int

const (
	Plain       Mode = iota // cleartext only, no STARTTLS
	StartTLS                // cleartext, offers STARTTLS
	ImplicitTLS             // TLS from the first byte (SMTPS)
)

// Options configure a server. The zero value is a plain server without AUTH.
type Options struct {
	Mode Mode
	// Users maps usernames to passwords. When set, AUTH is offered (after TLS)
	// and every message must be authenticated.
	Users map[string]string
	// Mechanisms offered for AUTH; default PLAIN and LOGIN.
	Mechanisms []string
	// AllowInsecureAuth offers AUTH on a connection without TLS.
	AllowInsecureAuth bool
}

// Server is a running SMTP server.
type Server struct {
	Host     string         // 127.0.0.1
	Port     int            // the port it listens on
	CertPool *x509.CertPool // trusts the server's certificate

	srv  *gosmtp.Server
	opts Options

	mu       sync.Mutex
	messages []Message
	failN    int
	failErr  *gosmtp.SMTPError
}

// Start runs a server on a free loopback port until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, pool, err := selfSigned()
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	if opts.Mechanisms == nil {
		opts.Mechanisms = []string{sasl.Plain, sasl.Login}
	}
	s := &Server{Host: "127.0.0.1", CertPool: pool, opts: opts}
	s.srv = gosmtp.NewServer(gosmtp.BackendFunc(s.newSession))
	s.srv.Domain = "localhost"
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are what some tests provoke
	s.srv.AllowInsecureAuth = opts.AllowInsecureAuth
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if opts.Mode != Plain {
		s.srv.TLSConfig = tlsConfig
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp test server: listen: %v", err)
	}
	if opts.Mode == ImplicitTLS {
		l = tls.NewListener(l, tlsConfig)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		_ = l.Close() // in case Serve had not registered it yet when Close ran
		<-done
	})
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// FailNext makes the server answer code (e.g. 451 or 554) with msg to the
// end of DATA of the next n messages, which are then not recorded.
func (s *Server) FailNext(n, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN = n
	s.failErr = &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCodeNotSet, Message: msg}
}

func (s *Server) newSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	_, tlsOn := c.TLSConnectionState()
	return &session{srv: s, tls: tlsOn}, nil
}

// session is one SMTP connection's transaction state.
type session struct {
	srv  *Server
	tls  bool
	user string
	mech string
	from string
	to   []string
}

var _ gosmtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if len(s.srv.opts.Users) == 0 {
		return nil
	}
	return s.srv.opts.Mechanisms
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(username, password string) error {
		want, ok := s.srv.opts.Users[username]
		if !ok || want != password {
			return gosmtp.ErrAuthFailed // 535 5.7.8, as real servers answer
		}
		s.user, s.mech = username, mech
		return nil
	}
	for _, m := range s.srv.opts.Mechanisms {
		if m != mech {
			continue
		}
		switch mech {
		case sasl.Plain:
			return sasl.NewPlainServer(func(_, username, password string) error { return check(username, password) }), nil
		case sasl.Login:
			return &loginServer{check: check}, nil
		}
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if len(s.srv.opts.Users) > 0 && s.user == "" {
		return gosmtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failN > 0 {
		s.srv.failN--
		return s.srv.failErr
	}
	m, err := parse(raw)
	if err != nil {
		return errors.Join(&gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: "unparsable message"}, err)
	}
	m.From, m.To, m.User, m.Mechanism, m.TLS = s.from, append([]string(nil), s.to...), s.user, s.mech, s.tls
	s.srv.messages = append(s.srv.messages, m)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }
