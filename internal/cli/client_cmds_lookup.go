package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/say"
)

func cmdShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "show")
	cf := addClientFlags(fs, env)
	events := fs.Bool("events", false, "also print the request's decision log")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "show")
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	r, err := c.GetRequest(ctx, id)
	if err != nil {
		return cf.explain(err)
	}
	var evs []client.Event
	if *events {
		if evs, err = c.RequestEvents(ctx, id); err != nil {
			return cf.explain(err)
		}
	}
	if cf.json {
		if !*events {
			return cf.printJSON(r)
		}
		if evs == nil {
			evs = []client.Event{}
		}
		return cf.printJSON(struct {
			Request *client.Request `json:"request"`
			Events  []client.Event  `json:"events"`
		}{r, evs})
	}
	v := cf.voice()
	printRequest(env.Stdout, r, v)
	if *events {
		fmt.Fprintln(env.Stdout, "\nEvents:")
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		for _, e := range evs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", v.when(&e.At), say.Event(e.Type), orDash(e.Actor.UserName), details(e.Details))
		}
		return flushTable(tw)
	}
	return nil
}

// printRequest writes the details of r for people, times in v's zone.
func printRequest(w io.Writer, r *client.Request, v voice) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			// Continuation lines of a multi-line value are indented under
			// the value, so a justification can't forge a row of its own.
			fmt.Fprintf(tw, "%s:\t%s\n", k, strings.ReplaceAll(v, "\n", "\n\t"))
		}
	}
	row("Request", r.ID)
	row("Status", statusWords(string(r.Status)))
	row("Requester", r.Requester.UserName)
	row("Permission set", r.PermissionSet.Name+" ("+r.PermissionSet.ARN+")")
	row("Accounts", accountsOf(r))
	row("Duration", durationOf(r))
	if r.Status == client.StatusPending || r.Status == client.StatusScheduled {
		row("Start", v.relWhen(r.Start))
	} else {
		row("Start", v.optWhen(r.Start))
	}
	row("Activated", v.optWhen(r.ActivatedAt))
	if r.Status == client.StatusActive {
		row("Ends", v.relWhen(r.EndsAt))
	} else {
		row("Ends", v.optWhen(r.EndsAt))
	}
	if r.Status == client.StatusPending {
		row("Approval deadline", v.relWhen(r.ExpiresAt))
	}
	row("Justification", r.Justification)
	row("Ticket", r.Ticket)
	row("Rule", r.Rule)
	if r.ApprovalsRequired > 0 {
		row("Approvals", fmt.Sprintf("%d of %d required", approvalCount(r), r.ApprovalsRequired))
		row("Approvers", userNames(r.Approvers))
	} else {
		row("Approvals", "none required")
	}
	row("Reason", r.Reason)
	if r.EndRequestedBy != "" {
		ended := "by " + r.EndRequestedBy
		if r.EndComment != "" {
			ended += ": " + r.EndComment
		}
		row("Ended early", ended)
	}
	if r.RevocationFailed {
		row("Revocation", "FAILING: removing access keeps failing and is being retried")
	}
	if r.DriftMissingSince != nil {
		row("Drift", "missing since "+v.optWhen(r.DriftMissingSince)+": the assignment was removed in AWS outside elevate")
	}
	row("Created", v.when(&r.CreatedAt))
	_ = tw.Flush()

	if len(r.Grants) > 0 {
		fmt.Fprintln(w, "\nGrants:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ACCOUNT\tSTATUS\tACTIVATED\tREVOKED\tERROR")
		for _, g := range r.Grants {
			status := say.GrantStatus(string(g.Status))
			if g.DriftMissingSince != nil {
				status += " (drift: missing since " + v.when(g.DriftMissingSince) + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", accountName(r, g.AccountID), status, v.when(g.ActivatedAt), v.when(g.RevokedAt), orDash(g.Error))
		}
		_ = tw.Flush()
	}
	if len(r.Approvals) > 0 {
		fmt.Fprintln(w, "\nDecisions:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, a := range r.Approvals {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.UserName, a.Verdict, v.when(&a.At), a.Comment)
		}
		_ = tw.Flush()
	}
	printUse(w, r.Use)
}

func cmdEligibility(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "eligibility")
	cf := addClientFlags(fs, env)
	c, err := clientNoArgs(fs, cf, args)
	if err != nil {
		return err
	}
	items, err := c.Eligibility(ctx)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		if items == nil {
			items = []client.Eligibility{}
		}
		return cf.printJSON(items)
	}
	if len(items) == 0 {
		fmt.Fprintln(env.Stdout, "No rule lets you request anything yet: ask an admin.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tPERMISSION SET\tMAX DURATION\tAPPROVALS\tTICKET\tRULE")
	for _, e := range items {
		ticket := "-"
		if e.TicketRequired {
			ticket = "required"
		}
		maxDur := e.MaxDuration
		if e.MaxDurationSeconds > 0 {
			maxDur = say.Duration(time.Duration(e.MaxDurationSeconds) * time.Second)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", say.Account(e.Account.Name, e.Account.ID), e.PermissionSet.Name,
			maxDur, e.ApprovalsRequired, ticket, e.Rule)
	}
	return flushTable(tw)
}

func cmdWhoami(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "whoami")
	cf := addClientFlags(fs, env)
	c, err := clientNoArgs(fs, cf, args)
	if err != nil {
		return err
	}
	me, err := c.Me(ctx)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(me)
	}
	var roles []string
	if me.Admin {
		roles = append(roles, "admin")
	}
	if me.Auditor {
		roles = append(roles, "auditor")
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "User:\t%s\n", me.UserName)
	fmt.Fprintf(tw, "Email:\t%s\n", orDash(me.Email))
	fmt.Fprintf(tw, "User id:\t%s\n", me.UserID)
	groups := me.GroupNames // names for people; an older server sends only ids
	if len(groups) == 0 {
		groups = me.Groups
	}
	fmt.Fprintf(tw, "Groups:\t%s\n", orDash(strings.Join(groups, ", ")))
	fmt.Fprintf(tw, "Roles:\t%s\n", orDash(strings.Join(roles, ", ")))
	fmt.Fprintf(tw, "Server:\t%s\n", cf.server)
	return flushTable(tw)
}

// statusWords says a request status in plain words, with the status's
// keyword (what --status filters on) after them when they differ:
// "waiting for approval (pending)".
func statusWords(s string) string {
	if w := say.Status(s); w != s {
		return w + " (" + s + ")"
	}
	return s
}
