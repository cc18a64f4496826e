package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/herald-notify/herald/notify"
)

const errPrefix = "Error sending notification email"

type sender struct{ env notify.Env }

// Send delivers one message to all recipients. It counts one destination,
// "email": the message is accepted for every recipient or not at all.
func (s *sender) Send(ctx context.Context, c notify.Config, m notify.Message) (notify.Result, error) {
	const done = "email"
	for _, d := range m.Done {
		if d == done {
			return notify.Result{}, nil
		}
	}
	timeout := time.Duration(c.Int("timeout")) * time.Second
	if timeout <= 0 {
		timeout = defaultTimeout * time.Second
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return notify.Result{}, notify.Transient(fmt.Errorf("%s: %w", errPrefix, context.DeadlineExceeded), 0)
		}
		timeout = min(timeout, left)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client, err := s.client(c, timeout)
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", errPrefix, err)
	}
	msg, err := s.message(c, m)
	if err != nil {
		return notify.Result{}, notify.Permanentf("%s: %w", errPrefix, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if errors.Is(err, mail.ErrNoSupportedAuthDiscovered) && !c.Bool("use_tls") && !c.Bool("use_ssl") {
			return notify.Result{}, notify.Permanentf("%s: the password is only sent over TLS; set use_tls or use_ssl: %w", errPrefix, err)
		}
		return notify.Result{}, classify(err)
	}
	return notify.Result{Sent: 1, Done: []string{done}}, nil
}

func (s *sender) client(c notify.Config, timeout time.Duration) (*mail.Client, error) {
	host := c.String("host")
	tlsConfig := &tls.Config{ServerName: host, RootCAs: s.env.RootCAs, MinVersion: tls.VersionTLS12}
	opts := []mail.Option{
		mail.WithPort(int(c.Int("port"))),
		mail.WithTimeout(timeout),
		mail.WithTLSConfig(tlsConfig),
	}
	dial := s.env.Dial // through the destination guard
	switch {
	case c.Bool("use_ssl"):
		// Implicit TLS, dialled here because go-mail does not wrap a dial
		// function of ours in TLS. Opportunistic STARTTLS (never offered
		// inside TLS) makes go-mail look at the connection, find it
		// encrypted, and allow PLAIN and LOGIN as with its own WithSSL.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return s.env.DialTLS(ctx, network, addr, tlsConfig)
		}
	case c.Bool("use_tls"):
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		// The user chose cleartext; do not upgrade behind their back, as AWX does not.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	opts = append(opts, mail.WithDialContextFunc(dial))
	if user, pass := c.String("username"), c.String("password"); user != "" && pass != "" {
		// Auto-discovery picks the strongest mechanism offered and never
		// sends PLAIN or LOGIN over a connection without TLS.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(user), mail.WithPassword(pass))
	}
	return mail.NewClient(host, opts...)
}

// subjectBreaks turns line breaks into spaces: a subject is one header line,
// and a break in it could start another header.
var subjectBreaks = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

func (s *sender) message(c notify.Config, m notify.Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := msg.From(c.String("sender")); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	if err := msg.To(c.List("recipients")...); err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	msg.Subject(subjectBreaks.Replace(m.Subject))
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	msg.SetDate()
	msg.SetMessageID()
	if s.env.UserAgent != "" {
		msg.SetUserAgent(s.env.UserAgent)
	}
	return msg, nil
}

// classify sorts a failed session: a 5xx reply (535 bad credentials, 554
// rejected) or a setup the server cannot satisfy is permanent; a 4xx reply,
// a refused or dropped connection, or a timeout is transient.
func classify(err error) error {
	if r, ok := notify.Refused(err); ok {
		return notify.Permanent(fmt.Errorf("%s: %w", errPrefix, r))
	}
	wrapped := fmt.Errorf("%s: %w", errPrefix, err)
	// The attempt log keeps the server's reply code and text.
	if code := replyCode(err); code >= 500 {
		return notify.WithAnswer(notify.Permanent(wrapped), notify.NewAnswer(code, []byte(err.Error())))
	} else if code >= 400 {
		return notify.WithAnswer(notify.Transient(wrapped, 0), notify.NewAnswer(code, []byte(err.Error())))
	}
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &cv),
		errors.Is(err, mail.ErrNoSupportedAuthDiscovered),
		strings.Contains(err.Error(), "server does not support SMTP AUTH"),
		strings.Contains(err.Error(), "does not support STARTTLS"):
		// Certificates, AUTH and STARTTLS support do not change between retries.
		return notify.Permanent(wrapped)
	}
	return notify.Transient(wrapped, 0)
}

// replyCode finds the SMTP reply code in err, 0 when the server gave none.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code != 0 {
			return code
		}
		if se.IsTemp() {
			return 450
		}
	}
	return 0
}
