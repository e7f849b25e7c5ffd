package aws

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseISODuration parses the ISO-8601 durations that Identity Center uses
// for session durations: PnDTnHnMnS, each part optional but at least one
// present, in that order, e.g. "PT1H", "PT12H", "PT1H30M", "P1D", "P1DT2H".
// Weeks ("P2W") are accepted in place of days; the seconds may have a
// fraction ("PT1.5S"). Years and months, which have no fixed length, signs,
// lowercase letters and spaces are refused.
func parseISODuration(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("invalid ISO-8601 duration %q: %s", s, why)
	}
	rest, ok := strings.CutPrefix(s, "P")
	if !ok {
		return bad("it must start with P")
	}
	if rest == "" {
		return bad("no value after P")
	}
	datePart, timePart, hasT := strings.Cut(rest, "T")
	if hasT && timePart == "" {
		return bad("no value after T")
	}

	var total time.Duration
	// add adds n units of u to total, refusing overflow.
	add := func(n int64, u time.Duration) error {
		if n > int64(math.MaxInt64/u) {
			return fmt.Errorf("too long")
		}
		v := time.Duration(n) * u
		if total > math.MaxInt64-v {
			return fmt.Errorf("too long")
		}
		total += v
		return nil
	}
	// units in the order they may appear.
	type unit struct {
		letter   byte
		length   time.Duration
		fraction bool
	}
	parse := func(part string, units []unit) error {
		next := 0
		for part != "" {
			i := 0
			for i < len(part) && (part[i] >= '0' && part[i] <= '9' || part[i] == '.') {
				i++
			}
			if i == 0 {
				return fmt.Errorf("expected a number at %q", part)
			}
			if i == len(part) {
				return fmt.Errorf("number %q has no unit", part)
			}
			num, letter := part[:i], part[i]
			part = part[i+1:]
			u := -1
			for j := next; j < len(units); j++ {
				if units[j].letter == letter {
					u = j
					break
				}
			}
			if u < 0 {
				return fmt.Errorf("unit %q is unknown, repeated or out of order", letter)
			}
			next = u + 1
			if units[u].letter == 'D' || units[u].letter == 'W' {
				next = len(units) // days and weeks exclude each other
			}
			whole, frac, hasFrac := strings.Cut(num, ".")
			if hasFrac && !units[u].fraction {
				return fmt.Errorf("only seconds may have a fraction, not %q", num+string(letter))
			}
			if whole == "" || hasFrac && (frac == "" || strings.Contains(frac, ".")) {
				return fmt.Errorf("malformed number %q", num)
			}
			n, err := strconv.ParseInt(whole, 10, 64)
			if err != nil {
				return fmt.Errorf("number %q is too large", whole)
			}
			if err := add(n, units[u].length); err != nil {
				return err
			}
			if hasFrac {
				// Nanosecond precision: digits beyond the ninth are dropped.
				frac = (frac + "000000000")[:9]
				ns, _ := strconv.ParseInt(frac, 10, 64)
				if err := add(ns, time.Nanosecond); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := parse(datePart, []unit{{'D', 24 * time.Hour, false}, {'W', 7 * 24 * time.Hour, false}}); err != nil {
		return bad(err.Error())
	}
	if err := parse(timePart, []unit{{'H', time.Hour, false}, {'M', time.Minute, false}, {'S', time.Second, true}}); err != nil {
		return bad(err.Error())
	}
	return total, nil
}
