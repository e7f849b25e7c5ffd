package web

import (
	"html/template"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// funcs are the template functions in UTC.
var funcs = funcsIn(time.UTC)

// funcsIn are the template functions for a reader in loc: times are said
// in loc (say.Time), durations and accounts the way every channel says them.
func funcsIn(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"ts":      func(t time.Time) string { return say.Time(t, loc) },
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"dur":     say.Duration,
		"left": func(end, now time.Time) string {
			if end.IsZero() {
				return ""
			}
			if !end.After(now) {
				return "ending"
			}
			return say.Ends(end, now)
		},
		"rel":     say.Relative,
		"account": func(m map[string]string, id string) string { return say.Account(m[id], id) },
		"acct":    say.Account, // a name and an id: "prod (4444 5555 6666)"
		"join":    strings.Join,
		"name": func(m map[string]string, id string) string {
			if n, ok := m[id]; ok {
				return n
			}
			return id
		},
		"terminal": func(s access.Status) bool { return s.Terminal() },
		// isoLocal is t in the reader's zone for a datetime-local input.
		"isoLocal": func(t time.Time) string { return t.In(loc).Format("2006-01-02T15:04") },
		"zone":     func() string { return loc.String() },
		// The policy editor's pickers and accounts (policy_form.go).
		"pick":       pick,
		"sayAccount": say.Account,
	}
}

// humanDuration writes 1h30m as "1h 30m", 45s as "45s" (say.Duration).
func humanDuration(d time.Duration) string { return say.Duration(d) }
