package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromReadsTheVCSStamp(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "6824aebc82b5ae2b98fcca4e52ef958416d26d3b"},
		{Key: "vcs.time", Value: "2026-11-25T16:51:12Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	got := From(bi, "0.1.0-dev")
	want := Info{Version: "0.1.0-dev", Revision: "6824aebc82b5ae2b98fcca4e52ef958416d26d3b-dirty", Time: "2026-11-25T16:51:12Z", GoVersion: "go1.26.8"}
	if got != want {
		t.Fatalf("From = %+v, want %+v", got, want)
	}
	if s := got.String(); !strings.Contains(s, "revision: 6824aeb") || !strings.Contains(s, "time: 2026-11-25T16:51:12Z") || !strings.Contains(s, "go: go1.26.8") {
		t.Fatalf("String = %q", s)
	}
}

func TestFromModuleVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}
	if got := From(bi, "0.1.0-dev"); got.Version != "v1.2.3" || got.Revision != "" {
		t.Fatalf("go install build: %+v", got)
	}
	if got := From(bi, "2.0.0"); got.Version != "2.0.0" {
		t.Fatalf("-ldflags version must win: %+v", got)
	}
	if got := From(nil, "0.1.0-dev"); got.GoVersion == "" || !strings.Contains(got.String(), "revision: unknown") {
		t.Fatalf("no build info: %+v", got)
	}
}
