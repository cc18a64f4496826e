package grafana

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/herald-notify/herald/notify"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"minimal", `{"grafana_url": "https://grafana.example.com", "grafana_key": "glsa_x"}`, nil},
		{"every key", `{"grafana_url": "http://grafana.example.com:3000/sub/", "grafana_key": "glsa_x", "dashboardId": 0, "panelId": 2,
			"annotation_tags": ["deploy", "herald"], "grafana_no_verify_ssl": true}`, nil},
		{"empty tags are fine", `{"grafana_url": "https://grafana.example.com", "grafana_key": "glsa_x", "annotation_tags": []}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: grafana_url, grafana_key."}},
		{"not an http URL", `{"grafana_url": "ftp://grafana.example.com", "grafana_key": "glsa_x"}`,
			[]string{"Configuration field 'grafana_url' must be an absolute http or https URL."}},
		{"a URL without scheme", `{"grafana_url": "grafana.example.com", "grafana_key": "glsa_x"}`,
			[]string{"Configuration field 'grafana_url' must be an absolute http or https URL."}},
		{"blank values", `{"grafana_url": "", "grafana_key": " "}`, []string{
			"Configuration field 'grafana_url' must not be empty.",
			"Configuration field 'grafana_key' must not be empty.",
		}},
		{"wrong types", `{"grafana_url": "https://g", "grafana_key": "k", "dashboardId": "5", "panelId": 1.5, "annotation_tags": "deploy", "grafana_no_verify_ssl": "true"}`, []string{
			"Configuration field 'dashboardId' incorrect type, expected int.",
			"Configuration field 'panelId' incorrect type, expected int.",
			"Configuration field 'annotation_tags' incorrect type, expected list.",
			"Configuration field 'grafana_no_verify_ssl' incorrect type, expected bool.",
		}},
		{"typo", `{"grafana_url": "https://g", "grafana_key": "k", "dashboard_id": 5}`, []string{"Unknown configuration field 'dashboard_id'."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.raw), &raw); err != nil {
				t.Fatal(err)
			}
			_, got := notify.Validate(Spec(), raw)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestValidateFillsDefaults(t *testing.T) {
	c, problems := notify.Validate(Spec(), map[string]any{"grafana_url": "https://g", "grafana_key": "k"})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if v, ok := c["grafana_no_verify_ssl"]; !ok || v != false {
		t.Errorf("grafana_no_verify_ssl = %v (present %v), want false filled in", v, ok)
	}
	for _, k := range []string{"dashboardId", "panelId", "annotation_tags"} {
		if _, ok := c[k]; ok {
			t.Errorf("%s filled in, want it absent so the annotation leaves it out", k)
		}
	}
	if got := Spec().Secrets(); !slices.Equal(got, []string{"grafana_key"}) {
		t.Errorf("secrets = %q, want [grafana_key]", got)
	}
}
