package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/client"
)

// cmdAway shows, sets or clears the caller's absence: while away, the
// requests that would ask them to approve ask the delegate.
func cmdAway(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "away")
	cf := addClientFlags(fs, env)
	until := fs.String("until", "", "the end of the absence: an RFC 3339 time (2026-12-24T09:00:00Z) or a duration from now (72h)")
	delegate := fs.String("delegate", "", "who approves in your place: a user name, email or id")
	clearIt := fs.Bool("clear", false, "end the absence now")
	c, err := clientNoArgs(fs, cf, args)
	if err != nil {
		return err
	}
	var a *client.Away
	switch {
	case *clearIt:
		if *until != "" || *delegate != "" {
			return usageErr("--clear takes neither --until nor --delegate")
		}
		a, err = c.ClearAway(ctx)
	case *until == "" && *delegate == "":
		a, err = c.GetAway(ctx)
	case *until == "" || *delegate == "":
		return usageErr("give both --until and --delegate: elevate away --until 2026-12-24T09:00:00Z --delegate bob")
	default:
		t, perr := parseUntil(*until, time.Now())
		if perr != nil {
			return perr
		}
		a, err = c.SetAway(ctx, t, *delegate)
	}
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(a)
	}
	if !a.Away || a.Until == nil {
		fmt.Fprintln(env.Stdout, "Not away: requests ask you to approve as usual.")
		return nil
	}
	fmt.Fprintf(env.Stdout, "Away until %s: %s approves in your place (never their own requests).\n",
		a.Until.UTC().Format(time.RFC3339), a.Delegate)
	return nil
}

// parseUntil reads an RFC 3339 time or a duration from now.
func parseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, usageErr("--until %q is neither an RFC 3339 time (2026-12-24T09:00:00Z) nor a duration (72h)", s)
}
