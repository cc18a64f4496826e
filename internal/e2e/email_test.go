package e2e

import (
	"fmt"
	"net/mail"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/internal/testpeer/smtp"
)

var _ = register("email", testEmail)

// The SMTP server's one account.
const (
	smtpUser     = "herald"
	smtpPassword = "smtp-e2e-secret"
)

var recipients = []string{"ops@example.com", "dev@example.com"}

func emailConfig(s *smtp.Server, password string) map[string]any {
	return map[string]any{
		"host": s.Host, "port": s.Port, "use_tls": true, "username": smtpUser, "password": password,
		"sender": "herald@example.com", "recipients": recipients,
	}
}

// withSubject returns the messages the server accepted with that subject.
func withSubject(s *smtp.Server, subject string) []smtp.Message {
	var out []smtp.Message
	for _, m := range s.Messages() {
		if m.Subject == subject {
			out = append(out, m)
		}
	}
	return out
}

// testEmail runs its cases one after another: they share the SMTP server,
// and one of them makes it refuse the next message.
func testEmail(t *testing.T, w *world) {
	t.Run("success over STARTTLS with AUTH", func(t *testing.T) {
		sc := w.scene(t)
		note, job, notifier := sc.run("email", emailConfig(w.smtp, smtpPassword), "notifiers_success", "successful")
		check(t, note, outcome{status: "successful", attempts: 1, sent: 1})
		sc.checkEncrypted(notifier, "password")
		subj := subject(job, t.Name(), "succeeded")
		if note["subject"] != subj {
			t.Errorf("notification subject %q, want %q", note["subject"], subj)
		}
		got := withSubject(w.smtp, subj)
		if len(got) != 1 {
			t.Fatalf("the server accepted %d messages with the subject, want 1 to all recipients", len(got))
		}
		m := got[0]
		if !m.TLS || m.User != smtpUser {
			t.Errorf("session TLS %v, user %q; want STARTTLS and AUTH as %q with the decrypted password", m.TLS, m.User, smtpUser)
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

	t.Run("wrong password fails", func(t *testing.T) {
		sc := w.scene(t)
		note, job, _ := sc.run("email", emailConfig(w.smtp, "not-the-password"), "notifiers_any", "failed")
		check(t, note, outcome{status: "failed", attempts: 1, sent: 0, error: "535"})
		if n := len(withSubject(w.smtp, subject(job, t.Name(), "failed"))); n != 0 {
			t.Errorf("the server accepted %d messages without authentication", n)
		}
		if strings.Contains(note["error"].(string), "not-the-password") {
			t.Errorf("the error shows the password: %q", note["error"])
		}
	})

	t.Run("451 once then accepted", func(t *testing.T) {
		sc := w.scene(t)
		w.smtp.FailNext(1, 451, "Requested action aborted: try again later")
		note, job, _ := sc.run("email", emailConfig(w.smtp, smtpPassword), "notifiers_any", "successful")
		check(t, note, outcome{status: "successful", attempts: 2, sent: 1})
		if n := len(withSubject(w.smtp, subject(job, t.Name(), "succeeded"))); n != 1 {
			t.Errorf("the server accepted %d messages, want 1 (the retry)", n)
		}
	})
}
