package opsgenie

import (
	"encoding/json"
	"reflect"
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
		{"key only", `{"api_key": "eb243592-faa2-4ba2-a551q-1afdf565c889"}`, nil},
		{"every key", `{"api_key": "k", "api_url": "https://api.eu.opsgenie.com", "responders": [{"type": "team", "name": "NOC"}, {"type": "user", "username": "a@example.com"}, {"type": "escalation", "id": "4513b7ea"}],
		  "priority": "P1", "tags": ["ansible", "prod"], "notify_started": true}`, nil},
		{"empty object", `{}`, []string{"Missing required fields for Notification Configuration: api_key."}},
		{"bad priority and URL", `{"api_key": "k", "api_url": "api.opsgenie.com", "priority": "high"}`, []string{
			"Configuration field 'api_url' must be an absolute http or https URL.",
			"Configuration field 'priority' must be one of P1, P2, P3, P4, P5.",
		}},
		{"bad responders", `{"api_key": "k", "responders": [{"type": "group", "name": "x"}, {"type": "team"}, {"type": "team", "name": "a", "id": "b"}, {"type": "user", "email": "a@b"}]}`, []string{
			"Configuration field 'responders' item 1: 'type' must be one of escalation, schedule, team, user.",
			"Configuration field 'responders' item 2: give exactly one of 'name', 'id' or 'username'.",
			"Configuration field 'responders' item 3: give exactly one of 'name', 'id' or 'username'.",
			"Configuration field 'responders' item 4: unknown key 'email'.",
			"Configuration field 'responders' item 4: give exactly one of 'name', 'id' or 'username'.",
		}},
		{"responders not objects", `{"api_key": "k", "responders": ["NOC"]}`, []string{"Configuration field 'responders' incorrect type, expected list of objects."}},
		{"responder value not a string", `{"api_key": "k", "responders": [{"type": "team", "name": 5}]}`, []string{"Configuration field 'responders' incorrect type, expected list of objects."}},
		{"notify_started not a bool", `{"api_key": "k", "notify_started": "yes"}`, []string{"Configuration field 'notify_started' incorrect type, expected bool."}},
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

func TestDefaults(t *testing.T) {
	c, p := notify.Validate(Spec(), map[string]any{"api_key": "k"})
	want := notify.Config{"api_key": "k", "api_url": "https://api.opsgenie.com", "priority": "P3", "notify_started": false}
	if len(p) > 0 || !reflect.DeepEqual(c, want) {
		t.Errorf("config %v, problems %q; want %v", c, p, want)
	}
}

// What the store gives back (JSON decoded into any) validates the same.
func TestRespondersSurviveTheJSONRoundTrip(t *testing.T) {
	c, p := notify.Validate(Spec(), map[string]any{"api_key": "k", "responders": []map[string]string{{"type": "team", "name": "NOC"}}})
	if len(p) > 0 {
		t.Fatal(p)
	}
	b, _ := json.Marshal(c)
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	again, p := notify.Validate(Spec(), raw)
	if len(p) > 0 || !reflect.DeepEqual(again, c) {
		t.Errorf("after the round trip %v, %q; want %v", again, p, c)
	}
}

func TestSpecSecrets(t *testing.T) {
	if got := Spec().Secrets(); !slices.Equal(got, []string{"api_key"}) {
		t.Errorf("secrets = %q, want [api_key]", got)
	}
}
