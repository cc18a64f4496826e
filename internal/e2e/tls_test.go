package e2e

import (
	"fmt"
	"net/http"
	"net/mail"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/herald-notify/herald/deliver"
	"github.com/herald-notify/herald/internal/heraldtest"
	"github.com/herald-notify/herald/internal/testpeer/ircd"
	"github.com/herald-notify/herald/internal/testpeer/smtp"
	"github.com/herald-notify/herald/notify"
)

// tlsMaxAttempts is the TLS Herald's retry budget, spelled out here because
// the untrusted-certificate case asserts that it is used up.
const tlsMaxAttempts = 3

// tlsPeers are the servers TestTLS's Herald talks to.
type tlsPeers struct {
	irc          *ircd.Server // TLS port trusted by the Herald; wants ircPassword
	ircUntrusted *ircd.Server // TLS port with a certificate the Herald does not trust
	smtps        *smtp.Server // implicit TLS, trusted, AUTH LOGIN only
	smtpsBad     *smtp.Server // implicit TLS with a certificate the Herald does not trust
	plain        *smtp.Server // cleartext, offers AUTH LOGIN without TLS
}

// TestTLS covers the transports TestNotifiers cannot: the IRC TLS port and
// SMTPS. Their servers make their own certificates, and a Herald's trusted
// roots are fixed when it starts, so this test starts its own Herald after
// them, trusting the certificates of the two "trusted" servers and not those
// of the two "untrusted" ones. It runs alongside TestNotifiers; its cases
// run in parallel, each with its own job template and names. Without ngircd
// the whole test is skipped (outside CI), e-mail cases included: the roots
// must be complete before the Herald starts.
func TestTLS(t *testing.T) {
	t.Parallel()
	p := tlsPeers{
		irc:          ircd.Start(t, ircd.WithPassword(ircPassword)),
		ircUntrusted: ircd.Start(t),
		smtps:        smtp.Start(t, smtp.Options{Mode: smtp.ImplicitTLS, Users: map[string]string{smtpUser: smtpPassword}, Mechanisms: []string{sasl.Login}}),
		smtpsBad:     smtp.Start(t, smtp.Options{Mode: smtp.ImplicitTLS}),
		plain: smtp.Start(t, smtp.Options{Mode: smtp.Plain, Users: map[string]string{smtpUser: smtpPassword},
			Mechanisms: []string{sasl.Login}, AllowInsecureAuth: true}),
	}
	// One pool for the Herald: the SMTPS server's (cloned, as it is that
	// server's own) plus the trusted ircd's certificate from its PEM file.
	roots := p.smtps.CertPool.Clone()
	pem, err := os.ReadFile(p.irc.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", p.irc.CertFile)
	}
	s := heraldtest.Start(t, heraldtest.Options{
		Env: notify.Env{UserAgent: "Herald/e2e", RootCAs: roots},
		Delivery: deliver.Config{Policy: deliver.Policy{
			MaxAttempts: tlsMaxAttempts, Base: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxRetryAfter: 2 * time.Second,
		}},
	})
	w := &world{url: s.URL, client: &http.Client{Timeout: 30 * time.Second}}
	w.org = heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "TLS"}))
	w.project = heraldtest.ID(s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "TLS playbooks", "organization": w.org}))

	t.Run("irc", func(t *testing.T) {
		t.Parallel()
		testIRCTLS(t, w, p)
	})
	t.Run("email", func(t *testing.T) {
		t.Parallel()
		testEmailTLS(t, w, p)
	})
}

// ircTLSConfig is a notifier configuration for s's TLS port.
func ircTLSConfig(s *ircd.Server, nick, password string, targets ...string) map[string]any {
	c := ircConfig(s, s.TLSPort, nick, password, targets...)
	c["use_ssl"] = true
	return c
}

func testIRCTLS(t *testing.T, w *world, p tlsPeers) {
	t.Run("success over TLS to a channel and a nick", func(t *testing.T) {
		t.Parallel()
		watcher := p.irc.Watch(t, "wt_ok", "#tls-ok")
		sc := w.scene(t)
		// The TLS port only speaks TLS: a bot that ignored use_ssl would not
		// get registered (and one that skipped verification is caught by the
		// untrusted case below).
		note, job, notifier := sc.run("irc", ircTLSConfig(p.irc, "herald_tls", ircPassword, "#tls-ok", "wt_ok"),
			"notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 2})
		sc.checkEncrypted(notifier, "password")
		subj := subject(job, t.Name(), "succeeded")
		want := []ircd.Privmsg{
			{From: "herald_tls", Target: "#tls-ok", Text: subj},
			{From: "herald_tls", Target: "wt_ok", Text: subj},
		}
		if got := seen(t, watcher); !reflect.DeepEqual(got, want) {
			t.Errorf("the watcher saw %+v, want %+v", got, want)
		}
	})

	t.Run("wrong password over TLS fails at once", func(t *testing.T) {
		t.Parallel()
		watcher := p.irc.Watch(t, "wt_pass", "#tls-pass")
		note, _, _ := w.scene(t).run("irc", ircTLSConfig(p.irc, "herald_tls_pass", "not-the-password", "#tls-pass"),
			"notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "464"})
		if got := seen(t, watcher); len(got) != 0 {
			t.Errorf("the watcher saw %+v, want nothing", got)
		}
	})

	// notify/irc counts a failed TLS handshake as a connection failure,
	// which is transient (a certificate may be renewed or the roots fixed),
	// so the notification is retried until the attempts are used up, and
	// then failed with the certificate error.
	t.Run("untrusted certificate is retried then failed", func(t *testing.T) {
		t.Parallel()
		watcher := p.ircUntrusted.Watch(t, "wt_untrusted", "#tls-untrusted")
		note, _, _ := w.scene(t).run("irc", ircTLSConfig(p.ircUntrusted, "herald_untrusted", "", "#tls-untrusted", "wt_untrusted"),
			"notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: tlsMaxAttempts, sent: 0, error: "certificate"})
		if note["next_attempt_at"] != nil {
			t.Errorf("next_attempt_at %v, want null once failed", note["next_attempt_at"])
		}
		if got := seen(t, watcher); len(got) != 0 {
			t.Errorf("the watcher saw %+v, want nothing", got)
		}
	})
}

// smtpConfig is an e-mail notifier configuration for s; tlsKey is
// "use_ssl", "use_tls" or "" for cleartext.
func smtpConfig(s *smtp.Server, tlsKey, password string) map[string]any {
	c := map[string]any{
		"host": s.Host, "port": s.Port, "username": smtpUser, "password": password,
		"sender": "herald@example.com", "recipients": recipients,
	}
	if tlsKey != "" {
		c[tlsKey] = true
	}
	return c
}

func testEmailTLS(t *testing.T, w *world, p tlsPeers) {
	t.Run("success over SMTPS with AUTH LOGIN", func(t *testing.T) {
		t.Parallel()
		sc := w.scene(t)
		note, job, notifier := sc.run("email", smtpConfig(p.smtps, "use_ssl", smtpPassword), "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "password")
		subj := subject(job, t.Name(), "succeeded")
		got := withSubject(p.smtps, subj)
		if len(got) != 1 {
			t.Fatalf("the server accepted %d messages with the subject, want 1 to all recipients", len(got))
		}
		m := got[0]
		// The server only offers LOGIN and only accepts smtpPassword: the
		// message being recorded with that user means the decrypted
		// password went through AUTH LOGIN.
		if !m.TLS || m.User != smtpUser || m.Mechanism != sasl.Login {
			t.Errorf("session TLS %v, user %q, mechanism %q; want TLS and AUTH LOGIN as %q", m.TLS, m.User, m.Mechanism, smtpUser)
		}
		if m.From != "herald@example.com" || !reflect.DeepEqual(m.To, recipients) {
			t.Errorf("envelope from %q to %v, want herald@example.com to %v", m.From, m.To, recipients)
		}
		if from, err := mail.ParseAddress(m.Header.Get("From")); err != nil || from.Address != "herald@example.com" {
			t.Errorf("From: %q, want herald@example.com", m.Header.Get("From"))
		}
		to, err := m.Header.AddressList("To")
		var addrs []string
		for _, a := range to {
			addrs = append(addrs, a.Address)
		}
		if err != nil || !reflect.DeepEqual(addrs, recipients) {
			t.Errorf("To: %q, want all of %v in one message", m.Header.Get("To"), recipients)
		}
		if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q, want plain text", ct)
		}
		if ua := m.Header.Get("User-Agent"); ua != "Herald/e2e" {
			t.Errorf("User-Agent %q, want the service's Herald/e2e", ua)
		}
		first := fmt.Sprintf("Job #%d had status successful, view details at %s/#/jobs/playbook/%d\n\n", job, baseURL, job)
		rest, ok := strings.CutPrefix(m.Body, first)
		if !ok {
			t.Fatalf("body does not start with %q:\n%s", first, m.Body)
		}
		details := decode(t, []byte(rest))
		if num(details["id"]) != int(job) || details["name"] != t.Name() || details["status"] != "successful" {
			t.Errorf("body details %v, want the job's", details)
		}
		if body, _ := note["body"].(string); strings.TrimRight(body, "\n") != m.Body {
			t.Errorf("the reader sees\n%s\nwhile the notification records\n%s", m.Body, body)
		}
	})

	tests := []struct {
		name     string
		server   func(tlsPeers) *smtp.Server
		tlsKey   string
		password string
		error    string
	}{
		// 535 is permanent: no retry with the same wrong password.
		{"wrong password over SMTPS fails at once", func(p tlsPeers) *smtp.Server { return p.smtps }, "use_ssl", "not-the-password", "535"},
		// notify/email counts a certificate that does not verify as
		// permanent: it will not verify on the next attempt either.
		{"untrusted SMTPS certificate fails at once", func(p tlsPeers) *smtp.Server { return p.smtpsBad }, "use_ssl", smtpPassword, "certificate"},
		// The server offers AUTH LOGIN in cleartext; Herald never sends a
		// password without TLS and says how to fix the notifier.
		{"cleartext AUTH LOGIN is refused", func(p tlsPeers) *smtp.Server { return p.plain }, "", smtpPassword, "set use_tls or use_ssl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tt.server(p)
			note, job, _ := w.scene(t).run("email", smtpConfig(srv, tt.tlsKey, tt.password), "notifiers_any", "failed")
			check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: tt.error})
			if n := len(withSubject(srv, subject(job, t.Name(), "failed"))); n != 0 {
				t.Errorf("the server accepted %d messages, want none", n)
			}
			if errText, _ := note["error"].(string); strings.Contains(errText, tt.password) {
				t.Errorf("the error shows the password: %q", errText)
			}
		})
	}
}
