package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

var funcs = template.FuncMap{
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"dur":     humanDuration,
	"left": func(end, now time.Time) string {
		if end.IsZero() {
			return ""
		}
		d := end.Sub(now)
		if d <= 0 {
			return "ending"
		}
		return humanDuration(d.Round(time.Second)) + " left"
	},
	"join": strings.Join,
	"name": func(m map[string]string, id string) string {
		if n, ok := m[id]; ok {
			return n
		}
		return id
	},
	"terminal": func(s access.Status) bool { return s.Terminal() },
	"isoLocal": func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04") },
}

// humanDuration writes 1h30m as "1h 30m", 45s as "45s".
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	s := int(d.Seconds()) % 60
	var parts []string
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if s > 0 && h == 0 {
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	if len(parts) == 0 {
		return "0s"
	}
	return strings.Join(parts, " ")
}
