package main

import "testing"

// leadingID reads the shapes Herald writes (a job answer, a webhook's
// indented metadata body) and declines others, so that the caller decodes.
func TestLeadingID(t *testing.T) {
	for _, tt := range []struct {
		data string
		want int64
	}{
		{`{"id":42,"type":"job"}`, 42},
		{"{\n    \"id\": 7,\n    \"name\": \"x\"\n}", 7},
		{`{"id":9}`, 9},
		{`{"name":"x","id":3}`, 0},
		{`{"id":"3"}`, 0},
		{`not json`, 0},
	} {
		if got := leadingID([]byte(tt.data)); got != tt.want {
			t.Errorf("leadingID(%q) = %d, want %d", tt.data, got, tt.want)
		}
	}
}
