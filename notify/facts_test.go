package notify

import (
	"reflect"
	"testing"
)

func TestParseFacts(t *testing.T) {
	body := `{
    "id": 7, "name": "site", "url": "https://h/#/jobs/playbook/7", "created_by": "bob",
    "started": "2026-11-24T10:00:00.000000Z", "finished": "2026-11-24T10:00:30.400000Z", "status": "failed",
    "traceback": "Traceback\nboom", "friendly_name": "Job", "inventory": null, "project": "p", "playbook": "site.yml",
    "limit": "", "extra_vars": "{}",
    "hosts": {"b": {"failed": 0, "dark": 2, "failures": 0}, "a": {"failed": true, "failures": 1, "dark": 0}, "c": {"ok": 1, "failed": false}},
    "failures": [{"host": "a", "task": "restart", "action": "service", "msg": "unit not found"}]
}`
	f := ParseFacts(body)
	want := []Fact{{"Status", "failed"}, {"Project", "p"}, {"Playbook", "site.yml"}, {"Launched by", "bob"},
		{"Started", "2026-11-24T10:00:00.000000Z"}, {"Finished", "2026-11-24T10:00:30.400000Z"}, {"Elapsed", "30s"},
		{"Failed hosts", "a (failures 1), b (unreachable 2)"}, {"Failed task", "a: restart: unit not found"}, {"Traceback", "Traceback\nboom"}}
	if !f.Job || f.Title() != "Job #7 'site'" || f.URL != "https://h/#/jobs/playbook/7" || f.Severity() != "bad" || !reflect.DeepEqual(f.List(), want) {
		t.Errorf("facts %+v\nlist %v\nwant %v", f, f.List(), want)
	}
}

func TestParseFactsOfOtherBodies(t *testing.T) {
	for _, tt := range []struct{ body, text string }{
		{`{"body": "Test Notification 3 https://h"}`, "Test Notification 3 https://h"},
		{"plain custom text", "plain custom text"},
		{`{"custom": "json"}`, `{"custom": "json"}`},
		{`{"friendly_name": 5}`, `{"friendly_name": 5}`},
	} {
		f := ParseFacts(tt.body)
		if f.Job || f.Text != tt.text || f.List() != nil || f.PlainText() != tt.text {
			t.Errorf("ParseFacts(%q) = %+v, want text %q", tt.body, f, tt.text)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo", 3); got != "hé…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("hé", 3); got != "hé" {
		t.Errorf("Truncate = %q", got)
	}
}

// ParseFacts reads whatever a custom template rendered: it must not panic,
// and what it gives back must be printable.
func FuzzParseFacts(f *testing.F) {
	f.Add(`{"id": 1, "name": "n", "friendly_name": "Job", "status": "failed", "hosts": {"h": {"failed": true, "dark": 1}}, "failures": [{"host": "h"}]}`)
	f.Add(`{"body": "Test Notification 1 https://h"}`)
	f.Add(`{"friendly_name": "Job", "started": "2026-11-24T10:00:00Z", "finished": "2026-11-24T09:00:00Z", "hosts": {"h": 5}}`)
	f.Add("plain text")
	f.Fuzz(func(t *testing.T, body string) {
		facts := ParseFacts(body)
		_ = facts.PlainText()
		for _, x := range facts.List() {
			if x.Title == "" || x.Value == "" {
				t.Fatalf("empty fact %+v from %q", x, body)
			}
		}
		if !facts.Job && (facts.List() != nil || facts.Text == "" && body != "") {
			t.Fatalf("facts %+v of a body that is not the job's JSON: %q", facts, body)
		}
	})
}
