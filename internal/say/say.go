// Package say is the one way elevate says things to people, whatever the
// channel (portal, CLI, Slack, email, webhook text): accounts as
// "prod (4444 5555 6666)", durations as "4h", "1h 30m" or "1d", times in
// the reader's time zone with relative phrases ("ends in 42 min"), Slack's
// date tokens so each Slack reader sees their own zone, and the "now use
// it" step (the AWS access portal's console shortcut and a ready
// ~/.aws/config profile). It is pure and imports the standard library only,
// so every edge can import it.
package say

import (
	"fmt"
	"strings"
	"time"
)

// AccountID groups a 12-digit AWS account id by four digits for reading:
// "444455556666" becomes "4444 5555 6666". Anything else is returned as is.
func AccountID(id string) string {
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return id
	}
	return id[0:4] + " " + id[4:8] + " " + id[8:12]
}

// Account names an account for people: "prod (4444 5555 6666)", or the
// grouped id alone when the name is unknown or is the id itself.
func Account(name, id string) string {
	if name == "" || name == id {
		return AccountID(id)
	}
	return name + " (" + AccountID(id) + ")"
}

// Accounts names several accounts, names mapping id to name (a missing
// name shows the id alone), joined with ", ".
func Accounts(names map[string]string, ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = Account(names[id], id)
	}
	return strings.Join(parts, ", ")
}

const day = 24 * time.Hour

// Duration says d the way people write it: "4h", "1h 30m", "1d",
// "1d 6h", "45m", "30s", "1m 30s". Units below the largest two are
// dropped once d reaches an hour (seconds) or a day (minutes), so the
// phrase stays short; d is rounded to the second. Zero or less is "0s".
func Duration(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0s"
	}
	days := d / day
	h := (d % day) / time.Hour
	m := (d % time.Hour) / time.Minute
	s := (d % time.Minute) / time.Second
	var parts []string
	add := func(n time.Duration, unit string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, unit))
		}
	}
	add(days, "d")
	add(h, "h")
	if days == 0 {
		add(m, "m")
		if h == 0 {
			add(s, "s")
		}
	}
	return strings.Join(parts, " ")
}

// ParseDuration reads a duration as people type it: Go's form ("1h30m",
// "90m", "45s"), days ("1d", "2d"), and parts separated by spaces
// ("1d 6h", "1h 30m"). It refuses a negative or empty duration with an
// error that shows the accepted forms.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("no duration given: write it like 30m, 1h 30m, 4h or 1d")
	}
	var total time.Duration
	for _, f := range strings.Fields(in) {
		d, err := parsePart(f)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: write it like 30m, 1h 30m, 4h or 1d", s)
		}
		total += d
	}
	if total < 0 {
		return 0, fmt.Errorf("%q is negative: write a duration like 30m, 1h 30m, 4h or 1d", s)
	}
	return total, nil
}

// parsePart reads one field: Go's form with an optional leading day count
// ("1d", "1d6h").
func parsePart(f string) (time.Duration, error) {
	var days time.Duration
	if i := strings.IndexByte(f, 'd'); i >= 0 {
		var n int
		if _, err := fmt.Sscanf(f[:i], "%d", &n); err != nil || fmt.Sprint(n) != f[:i] || n < 0 {
			return 0, fmt.Errorf("bad day count %q", f[:i])
		}
		days = time.Duration(n) * day
		f = f[i+1:]
		if f == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(f)
	if err != nil {
		return 0, err
	}
	return days + d, nil
}
