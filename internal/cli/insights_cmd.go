package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/say"
)

// `elevate insights`: usage insight over a window (GET /api/v1/insights):
// which grants were used and for what, the eligibility nobody uses, and
// per permission set the actions used with a narrower policy suggested.

func cmdInsights(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "insights")
	cf := addClientFlags(fs, env)
	since := fs.String("since", "90d", "how far back to look: 90d, 30d, 36h")
	c, err := clientNoArgs(fs, cf, args)
	if err != nil {
		return err
	}
	d, err := say.ParseDuration(*since)
	if err != nil || d == 0 {
		return fmt.Errorf("%w: --since %q is not how far back to look: write a duration like 90d, 30d or 36h", ErrUsage, *since)
	}
	rep, err := c.Insights(ctx, *since)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(rep)
	}
	return printInsights(env.Stdout, rep, cf.voice())
}

// printInsights writes the report as three sections: grants, unused
// eligibility, permission sets.
func printInsights(w io.Writer, rep *client.Insights, v voice) error {
	whose := "everyone's"
	if rep.Scope == "own" {
		whose = "your own"
	}
	fmt.Fprintf(w, "Usage insight over the last %s (since %s), %s. Session activity: %s.\n",
		say.Duration(rep.Until.Sub(rep.Since)), v.when(&rep.Since), whose, rep.ActivitySource)
	if rep.ActivitySource == "none" {
		fmt.Fprintln(w, "Session activity is off (activity.source), so no grant's use is known: see docs/operations.md.")
	}

	counts := map[string]int{}
	for _, g := range rep.Grants {
		counts[g.State]++
	}
	fmt.Fprintf(w, "\nGrants: %s", plural(len(rep.Grants), "grant"))
	if len(rep.Grants) > 0 {
		var parts []string
		for _, st := range []string{client.UseUsed, client.UseUnused, client.UsePending, client.UseUnknown} {
			if counts[st] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
			}
		}
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
	if len(rep.Grants) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USE\tREQUESTER\tACCOUNT\tPERMISSION SET\tACTIVE FROM\tFOR\tACTIONS USED")
		for _, g := range rep.Grants {
			for i, line := range grantActionLines(g) {
				if i == 0 {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(g.State), g.Requester, say.Account(g.AccountName, g.AccountID),
						g.PermissionSetName, v.when(&g.ActivatedAt), grantSpan(g), line)
					continue
				}
				fmt.Fprintf(tw, "\t\t\t\t\t\t%s\n", line)
			}
		}
		if err := flushTable(tw); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nUnused eligibility: %s\n", plural(len(rep.Unused), "pair"))
	if len(rep.Unused) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tACCOUNT\tPERMISSION SET\tSTATE\tREQUESTS\tLAST REQUESTED\tRULE")
		for _, u := range rep.Unused {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", u.UserName, say.Account(u.AccountName, u.AccountID), u.PermissionSetName,
				strings.ReplaceAll(u.State, "_", " "), u.Requests, v.when(u.LastRequested), u.Rule)
		}
		if err := flushTable(tw); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nPermission sets: %s\n", plural(len(rep.PermissionSets), "permission set"))
	for _, ps := range rep.PermissionSets {
		fmt.Fprintf(w, "\n%s: %s, %d used\n", ps.PermissionSetName, plural(ps.Grants, "grant"), ps.UsedGrants)
		if ps.Error != "" {
			fmt.Fprintf(w, "  its policies could not be read: %s\n", ps.Error)
		}
		fmt.Fprintf(w, "  used:            %s\n", orDash(strings.Join(serviceActions(ps.Used), ", ")))
		fmt.Fprintf(w, "  allowed inline:  %s\n", orDash(strings.Join(ps.Allowed.Inline, ", ")))
		if len(ps.UnusedPatterns) > 0 {
			fmt.Fprintf(w, "  allowed, unused: %s\n", strings.Join(ps.UnusedPatterns, ", "))
		}
		if len(ps.Allowed.Managed) > 0 {
			fmt.Fprintf(w, "  AWS managed:     %s\n", strings.Join(ps.Allowed.Managed, ", "))
		}
		if len(ps.Allowed.CustomerManaged) > 0 {
			fmt.Fprintf(w, "  customer managed: %s\n", strings.Join(ps.Allowed.CustomerManaged, ", "))
		}
		if ps.Suggestion != "" {
			fmt.Fprintln(w, "  Suggested narrower permission set (inline policy of only the actions used):")
			for _, line := range strings.Split(ps.Suggestion, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
		if len(ps.Caveats) > 0 {
			fmt.Fprintln(w, "  Caveats:")
			for _, c := range ps.Caveats {
				fmt.Fprintf(w, "  - %s\n", c)
			}
		}
	}
	return nil
}

// grantActionLines are a grant's used actions, one service a line, with
// its refused actions after them; "-" for none.
func grantActionLines(g client.InsightGrant) []string {
	var lines []string
	for _, s := range g.Services {
		lines = append(lines, strings.Join(s.Actions, ", "))
	}
	if len(g.Denied) > 0 {
		lines = append(lines, "refused: "+strings.Join(g.Denied, ", "))
	}
	if len(lines) == 0 {
		if g.State == client.UseUsed {
			return []string{"signed in only"}
		}
		return []string{"-"}
	}
	return lines
}

// grantSpan says how long a grant was active ("active" while it is).
func grantSpan(g client.InsightGrant) string {
	if g.EndedAt == nil {
		return "active"
	}
	return say.Span(g.EndedAt.Sub(g.ActivatedAt))
}

// serviceActions flattens used services into their actions.
func serviceActions(ss []client.InsightService) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Actions...)
	}
	return out
}
