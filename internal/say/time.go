package say

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time says t in loc (nil: UTC) for people: "Tue 8 Dec 2026 09:00 CET",
// with the seconds when t is not on a whole minute ("09:00:30"), so a
// one-minute window never reads as starting and ending at the same time.
// The zero time is "—".
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return t.Format("Mon 2 Jan 2006 ") + Clock(t) + " " + zoneName(t)
}

// Clock is t's time of day in its own location: "09:00", or "09:00:30"
// when t is not on a whole minute.
func Clock(t time.Time) string {
	if t.Second() != 0 {
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}

// zoneName is t's zone abbreviation, or its offset ("+0530") where the
// zone has no abbreviation.
func zoneName(t time.Time) string {
	name, _ := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		return t.Format("-0700")
	}
	return name
}

// Span says how long until or since, in words for a sentence: "42 min",
// "1h 30m", "2d 3h", "less than a minute". Under an hour it counts whole
// minutes (rounded up, so "ends in 1 min" until it has ended); from an
// hour it is Duration rounded to the minute, from a day to the hour.
func Span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	mins := (d + time.Minute - 1) / time.Minute // rounded up
	switch {
	case d < time.Minute:
		return "less than a minute"
	case mins < 60:
		return strconv.Itoa(int(mins)) + " min"
	case d < day:
		return Duration(d.Round(time.Minute))
	}
	return Duration(d.Round(time.Hour))
}

// Relative says t against now: "in 42 min", "42 min ago", "now" (within
// a second).
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -time.Second && d < time.Second:
		return "now"
	case d > 0:
		return "in " + Span(d)
	}
	return Span(d) + " ago"
}

// Ends says when access ends: "ends in 42 min" before end, "ended 5 min
// ago" after it.
func Ends(end, now time.Time) string {
	if end.After(now) {
		return "ends " + Relative(end, now)
	}
	return "ended " + Relative(end, now)
}

// Starts says when access starts: "starts in 2h", "started 5 min ago".
func Starts(start, now time.Time) string {
	if start.After(now) {
		return "starts " + Relative(start, now)
	}
	return "started " + Relative(start, now)
}

// SlackDate is t as Slack's date token, so each reader sees it in their
// own Slack time zone: <!date^1765184400^{date_short_pretty} at {time}|fallback>,
// {time_secs} when t is not on a whole minute. The fallback, for clients
// that cannot render the token, is Time in UTC.
func SlackDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	clock := "{time}"
	if t.Second() != 0 {
		clock = "{time_secs}"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at %s|%s>", t.Unix(), clock, Time(t, time.UTC))
}

// Zone loads a time zone by IANA name ("Europe/Berlin"); "" and "UTC" are
// UTC, "Local" the machine's zone. A name the system does not know is an
// error that says what to write instead.
func Zone(name string) (*time.Location, error) {
	switch strings.TrimSpace(name) {
	case "", "UTC", "utc", "Z":
		return time.UTC, nil
	case "Local", "local":
		return time.Local, nil
	}
	loc, err := time.LoadLocation(strings.TrimSpace(name))
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin or America/New_York, or UTC", name)
	}
	return loc, nil
}

// ParseStart reads a start time as people type it, relative to now in loc
// (the reader's zone): RFC 3339 ("2026-12-08T09:00:00Z"), a date and time
// without zone ("2026-12-08 09:00", "2026-12-08T09:00", seconds optional)
// meaning that wall time in loc, a time today or tomorrow ("09:00": the
// next such time), "now", and an offset from now ("+2h", "+1d", "+1h 30m").
func ParseStart(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	in := strings.TrimSpace(s)
	hint := "write it like 2026-12-08 09:00, 09:00, +2h, +1d or RFC 3339 (2026-12-08T09:00:00Z)"
	switch {
	case in == "":
		return time.Time{}, fmt.Errorf("no start time given: %s", hint)
	case strings.EqualFold(in, "now"):
		return now, nil
	case strings.HasPrefix(in, "+"):
		d, err := ParseDuration(in[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("start %q: %s", s, hint)
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, in); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, in, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if c, err := time.Parse(layout, in); err == nil {
			n := now.In(loc)
			t := time.Date(n.Year(), n.Month(), n.Day(), c.Hour(), c.Minute(), c.Second(), 0, loc)
			if !t.After(n) {
				t = t.AddDate(0, 0, 1)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("start %q is not a time: %s", s, hint)
}
