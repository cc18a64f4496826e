// Package buildinfo says which build this is: the version, the commit it was
// built from and when that commit was made, and the Go toolchain, read from
// what the Go linker stamps into the binary (debug.ReadBuildInfo).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/herald-notify/herald"
)

// Info describes one build. Revision and Time are empty when the binary was
// built outside a git checkout (or with -buildvcs=false).
type Info struct {
	Version   string // herald.Version, or the module version when built with go install
	Revision  string // vcs.revision, with "-dirty" when vcs.modified
	Time      string // vcs.time: the commit's time, RFC 3339
	GoVersion string
}

// Read reads this binary's build information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return From(bi, herald.Version)
}

// From builds an Info from bi (nil when the binary carries none) and the
// version set at link time.
func From(bi *debug.BuildInfo, version string) Info {
	info := Info{Version: version, GoVersion: runtime.Version()}
	if bi == nil {
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	// A binary built by `go install module@v1.2.3` knows its version; a
	// version set with -ldflags wins over it.
	if v := bi.Main.Version; version == herald.DevVersion && v != "" && v != "(devel)" {
		info.Version = v
	}
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && info.Revision != "" {
		info.Revision += "-dirty"
	}
	return info
}

// String is what `herald version` prints; time is the commit's (vcs.time),
// so that two builds of one commit say the same.
func (i Info) String() string {
	or := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	return fmt.Sprintf("herald %s\nrevision: %s\ntime: %s\ngo: %s\n", i.Version, or(i.Revision), or(i.Time), i.GoVersion)
}
