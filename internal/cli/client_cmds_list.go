package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/elevate/elevate/client"
)

// listTime reads a bound of ls's date range: an RFC 3339 time, a date
// (YYYY-MM-DD, UTC; as --until it includes that day), or a span before
// now (90m, 24h, 7d).
func listTime(name, s string, end bool, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErr("--%s %q: give a date (2026-12-07, UTC), a time (2026-12-07T09:00:00Z) or a span before now (24h, 7d)", name, s)
}

func cmdLs(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "ls")
	cf := addClientFlags(fs, env)
	var statuses, accounts listFlag
	fs.Var(&statuses, "status", "only these statuses; repeat it or separate with commas (pending, scheduled, active, ...)")
	fs.Var(&accounts, "account", "only requests for these accounts (ids or names); repeat it or separate with commas")
	scope := fs.String("scope", "", "mine, approvals, involved (default) or all (admins and auditors)")
	limit := fs.Int("limit", 0, "at most this many requests per page (default 100, at most 1000)")
	search := fs.String("search", "", "only requests whose id, requester, permission set, justification, ticket or account contains this")
	requester := fs.String("requester", "", "only requests by this user (id, or a part of the name)")
	ps := fs.String("permission-set", "", "only requests for this permission set (ARN, or a part of the name)")
	since := fs.String("since", "", "only requests created since: a date (UTC), an RFC 3339 time or a span before now (7d)")
	until := fs.String("until", "", "only requests created before: a time, or a date (UTC, that day included)")
	sortBy := fs.String("sort", "", "newest (default) or oldest first")
	cursor := fs.String("cursor", "", "continue after the page that printed this cursor")
	all := fs.Bool("all", false, "follow every page, not just the first")
	export := fs.String("export", "", "write every matching request as csv or jsonl, streamed (auditors and admins; scope all)")
	c, err := clientNoArgs(fs, cf, args)
	if err != nil {
		return err
	}
	opts := client.ListOptions{Scope: *scope, Limit: *limit, Search: *search, Requester: *requester, Accounts: accounts,
		PermissionSet: *ps, Sort: *sortBy, Cursor: *cursor}
	for _, s := range statuses {
		opts.Statuses = append(opts.Statuses, client.Status(s))
	}
	now := time.Now()
	if opts.Since, err = listTime("since", *since, false, now); err != nil {
		return err
	}
	if opts.Until, err = listTime("until", *until, true, now); err != nil {
		return err
	}
	if *export != "" {
		if *export != "csv" && *export != "jsonl" {
			return usageErr("--export %q: use csv or jsonl", *export)
		}
		if *all || *cursor != "" || *limit != 0 || *scope != "" && *scope != "all" {
			return usageErr("--export writes every matching request: leave out --all, --cursor, --limit and --scope")
		}
		_, err := c.ExportRequests(ctx, env.Stdout, opts, *export)
		return cf.explain(err)
	}

	var reqs []client.Request
	next := ""
	for {
		page, err := c.ListRequestsPage(ctx, opts)
		if err != nil {
			return cf.explain(err)
		}
		reqs = append(reqs, page.Items...)
		next = page.NextCursor
		if !*all || next == "" {
			break
		}
		opts.Cursor = next
	}
	if next != "" {
		fmt.Fprintf(env.Stderr, "More requests match: run it again with --cursor %s (or --all for every page).\n", next)
	}
	if cf.json {
		if reqs == nil {
			reqs = []client.Request{}
		}
		return cf.printJSON(reqs)
	}
	if len(reqs) == 0 {
		if opts.Cursor != "" {
			fmt.Fprintln(env.Stdout, "No more requests.")
		} else {
			fmt.Fprintln(env.Stdout, "No requests.")
		}
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	v := cf.voice()
	fmt.Fprintln(tw, "ID\tSTATUS\tREQUESTER\tPERMISSION SET\tDURATION\tACCOUNTS\tENDS")
	for _, r := range reqs {
		ends := "-"
		if r.EndsAt != nil {
			ends = v.relWhen(r.EndsAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Status, r.Requester.UserName, r.PermissionSet.Name,
			durationOf(&r), accountCell(&r), ends)
	}
	return flushTable(tw)
}
