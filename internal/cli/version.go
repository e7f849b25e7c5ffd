package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at link time by release builds (the Makefile and the Dockerfile):
//
//	go build -ldflags "-X github.com/elevate/elevate/internal/cli.version=v1.2.3
//	  -X github.com/elevate/elevate/internal/cli.commit=abc123
//	  -X github.com/elevate/elevate/internal/cli.date=2026-05-01T12:00:00Z" ./cmd/elevate
//
// Empty values fall back to the module version and the VCS stamp Go writes
// into every build of a checkout (runtime/debug.BuildInfo).
var version, commit, date string

// BuildInfo is what `elevate version` prints.
type BuildInfo struct {
	Version, Commit, Date, Go, Platform string
	Modified                            bool
}

// Build returns the binary's version information.
func Build() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true" && commit == ""
			}
		}
	}
	for _, p := range []*string{&b.Version, &b.Commit, &b.Date} {
		if *p == "" {
			*p = "unknown"
		}
	}
	return b
}

// Version is the one-line version: v1.2.3 (abc123def456).
func Version() string {
	b := Build()
	c := b.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	return fmt.Sprintf("%s (%s)", b.Version, c)
}

func cmdVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	b := Build()
	modified := ""
	if b.Modified {
		modified = " (modified)"
	}
	fmt.Fprintf(env.Stdout, "elevate %s\ncommit:   %s%s\ndate:     %s\ngo:       %s %s\n", b.Version, b.Commit, modified, b.Date, b.Go, b.Platform)
	return nil
}
