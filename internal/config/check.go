package config

import (
	"fmt"
	"os"
	"strings"
	"unicode"
)

// Sources are where Resolve reads a configuration from, in increasing
// precedence: the defaults, the file, the environment, then flags.
type Sources struct {
	// File is the YAML file; empty for none.
	File string
	// Getenv reads the environment (os.Getenv).
	Getenv func(string) string
	// ReadFile reads *_FILE secrets (os.ReadFile when nil).
	ReadFile func(string) ([]byte, error)
	// Sets are --set key=value flags, applied in order.
	Sets []string
	// Flags are the named flags (--addr, --data-dir, ...) by key path,
	// applied last; empty values are ignored.
	Flags map[string]string
}

// Resolve builds the effective configuration from its sources and
// validates it. The problems name the source: the file's line and key, the
// environment variable, or the flag. Problems is empty when the
// configuration is valid.
func Resolve(src Sources) (Config, []string) {
	c := Default()
	var problems []string
	add := func(prefix string, err error) {
		if err == nil {
			return
		}
		for l := range strings.SplitSeq(err.Error(), "\n") {
			problems = append(problems, prefix+l)
		}
	}
	lines := map[string]int{}
	if src.File != "" {
		b, err := os.ReadFile(src.File)
		if err != nil {
			return c, []string{fmt.Sprintf("read config: %v", err)}
		}
		lines, err = c.decodeYAML(b)
		add(src.File+": ", err)
		if err != nil {
			return c, problems // the rest would only repeat the file's errors
		}
	}
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	readFile := src.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	c.ApplyEnv(getenv)
	add("environment: ", c.ApplyEnvironment(getenv, readFile))
	add("", c.ApplySets(src.Sets))
	for path, v := range src.Flags {
		if v == "" {
			continue
		}
		if err := c.Set(path, v); err != nil {
			add("", fmt.Errorf("flag for %s: %w", path, err))
		}
	}
	if len(problems) > 0 {
		return c, problems
	}
	if err := c.Validate(); err != nil {
		for l := range strings.SplitSeq(err.Error(), "\n") {
			if n := lineOf(l, lines); n > 0 {
				l = fmt.Sprintf("%s: line %d: %s", src.File, n, l)
			}
			problems = append(problems, l)
		}
	}
	return c, problems
}

// lineOf finds the line of the longest key path msg starts with.
func lineOf(msg string, lines map[string]int) int {
	best, line := 0, 0
	for path, n := range lines {
		if len(path) <= best || !strings.HasPrefix(msg, path) {
			continue
		}
		if rest := msg[len(path):]; rest != "" {
			if r := rune(rest[0]); unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
				continue
			}
		}
		best, line = len(path), n
	}
	return line
}
