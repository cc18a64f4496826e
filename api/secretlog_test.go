package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// lockedBuffer is a log sink safe for the service's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A receiver that quotes the password back in its error answer must not get
// it into the notification's error, the API's answers or any log line.
func TestSecretNeverLogged(t *testing.T) {
	const password = "s3cr3t-hunter2-password"
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		io.Copy(io.Discard, r.Body)
		http.Error(w, "rejected credentials "+pw, http.StatusBadRequest)
	}))
	defer receiver.Close()
	var log lockedBuffer
	s := heraldtest.Start(t, heraldtest.Options{Log: &log})
	s.Must(http.StatusCreated, "POST", "/api/v1/organizations/", map[string]any{"name": "Ops"})
	s.Must(http.StatusCreated, "POST", "/api/v1/projects/", map[string]any{"name": "P", "organization": 1})
	s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/", map[string]any{"name": "T", "project": 1})
	n := s.Must(http.StatusCreated, "POST", "/api/v1/notifiers/", map[string]any{
		"name": "hook", "organization": 1, "notification_type": "webhook",
		"notification_configuration": map[string]any{"url": receiver.URL, "username": "bot", "password": password},
	})
	s.Must(http.StatusNoContent, "POST", "/api/v1/job_templates/1/notifiers_any/", map[string]any{"id": heraldtest.ID(n)})
	job := s.Must(http.StatusCreated, "POST", "/api/v1/job_templates/1/launch/", nil)
	s.Must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/jobs/%d/", heraldtest.ID(job)), map[string]any{"status": "failed"})
	list := s.Must(http.StatusOK, "GET", "/api/v1/notifications/", nil)
	note := list["results"].([]any)[0].(map[string]any)
	got := s.WaitNotification(heraldtest.ID(note), 10*time.Second)

	errText, _ := got["error"].(string)
	if got["status"] != "failed" || !strings.Contains(errText, "rejected credentials $encrypted$") {
		t.Fatalf("notification = %v; want failed with the quoted password masked", got)
	}
	answers := s.Do("GET", "/api/v1/notifications/", nil).Body
	answers = append(answers, s.Do("GET", fmt.Sprintf("/api/v1/notifiers/%d/", heraldtest.ID(n)), nil).Body...)
	if strings.Contains(string(answers), password) {
		t.Errorf("an answer shows the password: %s", answers)
	}
	if !strings.Contains(log.String(), "notification attempt failed") {
		t.Fatalf("the failure was not logged; the check below would prove nothing:\n%s", log.String())
	}
	if strings.Contains(log.String(), password) {
		t.Errorf("a log line shows the password:\n%s", log.String())
	}
}
