package message

import (
	"testing"
	"time"

	"github.com/herald-notify/herald"
)

const base = "https://herald.example.com"

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// playbookJob is a finished job with hosts, non-ASCII and HTML characters.
func playbookJob() *herald.Job {
	invID, projID := int64(3), int64(4)
	return &herald.Job{
		Object:           herald.Object{ID: 42, Created: *ts("2020-07-28T20:43:30Z"), Modified: *ts("2020-07-28T20:43:45.5Z")},
		Kind:             herald.KindJob,
		Name:             "Déploiement <prod> & co",
		Status:           herald.StatusFailed,
		Failed:           true,
		Started:          ts("2020-07-28T20:43:36.966686Z"),
		Finished:         ts("2020-07-28T22:43:44.936072+02:00"),
		LaunchType:       "manual",
		CreatedBy:        "bianca",
		ExtraVars:        `{"sleep_interval": 300}`,
		Limit:            "web*",
		HostStatusCounts: &herald.HostCounts{OK: 3, Changed: 1, Failed: 1, Processed: 2},
		Hosts: map[string]herald.HostSummary{
			"web1":      {OK: 2, Changed: 1, Processed: 1},
			"localhost": {Failed: true, OK: 1, Processed: 1, Failures: 1},
		},
		Template: 9,
		Refs: herald.JobRefs{
			TemplateName: "Deploy JT", Inventory: "Demo Inventory", Playbook: "fail.yml",
			InventoryID: &invID, ProjectID: &projID,
		},
	}
}

func projectUpdate() *herald.Job {
	return &herald.Job{
		Object:  herald.Object{ID: 7},
		Kind:    herald.KindProjectUpdate,
		Name:    "Sync repo",
		Status:  herald.StatusRunning,
		Started: ts("2024-05-06T07:08:09.123Z"),
	}
}

func TestSubject(t *testing.T) {
	tests := []struct {
		kind   herald.JobKind
		status string
		want   string
	}{
		{herald.KindJob, herald.StatusRunning, "Job #5 'Ping' started: https://herald.example.com/#/jobs/playbook/5"},
		{herald.KindJob, herald.StatusSuccessful, "Job #5 'Ping' succeeded: https://herald.example.com/#/jobs/playbook/5"},
		{herald.KindJob, herald.StatusFailed, "Job #5 'Ping' failed: https://herald.example.com/#/jobs/playbook/5"},
		{herald.KindJob, herald.StatusError, "Job #5 'Ping' error: https://herald.example.com/#/jobs/playbook/5"},
		{herald.KindJob, herald.StatusCanceled, "Job #5 'Ping' canceled: https://herald.example.com/#/jobs/playbook/5"},
		{herald.KindProjectUpdate, herald.StatusSuccessful, "Project Update #5 'Ping' succeeded: https://herald.example.com/#/jobs/project/5"},
		{herald.KindInventoryUpdate, herald.StatusFailed, "Inventory Update #5 'Ping' failed: https://herald.example.com/#/jobs/inventory/5"},
		{herald.KindAdHocCommand, herald.StatusRunning, "AdHoc Command #5 'Ping' started: https://herald.example.com/#/jobs/command/5"},
		{herald.KindWorkflowJob, herald.StatusCanceled, "Workflow Job #5 'Ping' canceled: https://herald.example.com/#/jobs/workflow/5"},
		{herald.KindSystemJob, herald.StatusError, "System Job #5 'Ping' error: https://herald.example.com/#/jobs/system/5"},
	}
	for _, tt := range tests {
		job := &herald.Job{Object: herald.Object{ID: 5}, Kind: tt.kind, Name: "Ping", Status: tt.status}
		for _, b := range []string{base, base + "/"} {
			if got := Subject(job, b); got != tt.want {
				t.Errorf("Subject(%s, %s, base %q) =\n %q\nwant\n %q", tt.kind, tt.status, b, got, tt.want)
			}
		}
	}
}

const playbookMetadata = `{
    "id": 42,
    "name": "Déploiement <prod> & co",
    "url": "https://herald.example.com/#/jobs/playbook/42",
    "created_by": "bianca",
    "started": "2020-07-28T20:43:36.966686Z",
    "finished": "2020-07-28T20:43:44.936072Z",
    "status": "failed",
    "traceback": "",
    "friendly_name": "Job",
    "inventory": "Demo Inventory",
    "project": null,
    "playbook": "fail.yml",
    "limit": "web*",
    "extra_vars": "{\"sleep_interval\": 300}",
    "hosts": {
        "localhost": {
            "failed": true,
            "changed": 0,
            "dark": 0,
            "failures": 1,
            "ok": 1,
            "processed": 1,
            "skipped": 0,
            "rescued": 0,
            "ignored": 0
        },
        "web1": {
            "failed": false,
            "changed": 1,
            "dark": 0,
            "failures": 0,
            "ok": 2,
            "processed": 1,
            "skipped": 0,
            "rescued": 0,
            "ignored": 0
        }
    }
}`

const projectUpdateMetadata = `{
    "id": 7,
    "name": "Sync repo",
    "url": "https://herald.example.com/#/jobs/project/7",
    "created_by": "",
    "started": "2024-05-06T07:08:09.123000Z",
    "finished": null,
    "status": "running",
    "traceback": "",
    "friendly_name": "Project Update"
}`

func TestMetadata(t *testing.T) {
	noHosts := playbookJob()
	noHosts.Hosts = nil
	noHosts.Refs = herald.JobRefs{Project: "Demo Project"}
	noHosts.ResultTraceback = "Traceback:\n  boom"
	tests := []struct {
		name string
		job  *herald.Job
		want string
	}{
		{"job with hosts", playbookJob(), playbookMetadata},
		{"project update", projectUpdate(), projectUpdateMetadata},
		{"job without hosts", noHosts, `{
    "id": 42,
    "name": "Déploiement <prod> & co",
    "url": "https://herald.example.com/#/jobs/playbook/42",
    "created_by": "bianca",
    "started": "2020-07-28T20:43:36.966686Z",
    "finished": "2020-07-28T20:43:44.936072Z",
    "status": "failed",
    "traceback": "Traceback:\n  boom",
    "friendly_name": "Job",
    "inventory": null,
    "project": "Demo Project",
    "playbook": "",
    "limit": "web*",
    "extra_vars": "{\"sleep_interval\": 300}",
    "hosts": {}
}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Metadata(tt.job, base+"/"); got != tt.want {
				t.Errorf("Metadata =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEmailBody(t *testing.T) {
	want := "Project Update #7 had status running, view details at https://herald.example.com/#/jobs/project/7\n\n" + projectUpdateMetadata
	if got := EmailBody(projectUpdate(), base); got != want {
		t.Errorf("EmailBody =\n%s\nwant\n%s", got, want)
	}
}

func TestTest(t *testing.T) {
	subject, body := Test(12, base+"/")
	if want := "Herald Notification Test 12 https://herald.example.com"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	if want := `{"body": "Test Notification 12 https://herald.example.com"}`; body != want {
		t.Errorf("body = %q, want %q", body, want)
	}
}

// withFailures is the playbook job with two failed tasks reported.
func withFailures() *herald.Job {
	j := playbookJob()
	j.Failures = []herald.Failure{
		{Host: "web1", Task: "Install nginx", Action: "ansible.builtin.apt", Msg: "No package matching 'ngnix' is available"},
		{Host: "db1", Task: "Gathering Facts", Action: "", Msg: "Failed to connect to the host via ssh:\nConnection refused"},
	}
	return j
}

func TestEmailBodyListsFailures(t *testing.T) {
	want := "Job #42 had status failed, view details at https://herald.example.com/#/jobs/playbook/42\n\n" +
		"Failures:\n" +
		"- web1 failed 'Install nginx' (ansible.builtin.apt): No package matching 'ngnix' is available\n" +
		"- db1 failed 'Gathering Facts': Failed to connect to the host via ssh: Connection refused\n\n" +
		playbookMetadata
	if got := EmailBody(withFailures(), base); got != want {
		t.Errorf("EmailBody =\n%s\nwant\n%s", got, want)
	}
}

func TestCustomMessageNamesFailures(t *testing.T) {
	m := &herald.CustomMessage{Message: str("{% for f in job.failures %}{{ f.host }} failed '{{ f.task }}': {{ f.msg }}{% if not loop.last %}; {% endif %}{% endfor %}")}
	subject, _ := Render("slack", herald.Messages{"error": m}, herald.TriggerError, withFailures(), base)
	want := "web1 failed 'Install nginx': No package matching 'ngnix' is available; db1 failed 'Gathering Facts': Failed to connect to the host via ssh: Connection refused"
	if subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if errs := Validate(herald.Messages{"error": m}); len(errs) != 0 {
		t.Errorf("a message over job.failures is refused on save: %v", errs)
	}
}

// The changed trigger has no messages of its own; it says what the job's
// status trigger would.
func TestChangedTriggerUsesTheStatusMessages(t *testing.T) {
	msgs := herald.Messages{"success": {Message: str("ok and changed")}, "error": {Message: str("failed and changed")}}
	failed := playbookJob()
	ok := playbookJob()
	ok.Status = herald.StatusSuccessful
	for job, want := range map[*herald.Job]string{failed: "failed and changed", ok: "ok and changed"} {
		if subject, _ := Render("slack", msgs, herald.TriggerChanged, job, base); subject != want {
			t.Errorf("%s: subject %q, want %q", job.Status, subject, want)
		}
	}
}
