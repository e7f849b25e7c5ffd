package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/say"
)

func cmdRequest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "request")
	cf := addClientFlags(fs, env)
	var accounts listFlag
	fs.Var(&accounts, "account", "account id or name; repeat it or separate with commas")
	permSet := fs.String("permission-set", "", "permission set name")
	durStr := fs.String("duration", "", "how long access lasts once active, such as 30m, 1h 30m, 4h or 1d")
	reason := fs.String("reason", "", "why you need the access (required)")
	fs.StringVar(reason, "justification", "", "same as --reason")
	ticket := fs.String("ticket", "", "change or incident ticket")
	startStr := fs.String("start", "", "when access should start (default now): \"2026-12-08 09:00\" or \"09:00\" in the local zone (UTC with --utc), \"+2h\", \"+1d\", or RFC 3339")
	wait := fs.Bool("wait", false, "wait until the request is active, and fail unless it becomes active")
	interval := fs.Duration("interval", 2*time.Second, "how often --wait polls")
	quiet := fs.Bool("quiet", false, "print only the request id (for scripts: ID=$(elevate request ... --quiet))")
	breakGlass := fs.Bool("break-glass", false, "emergency: activate at once without approval under a break-glass rule (alerted everywhere, reviewed afterwards)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	in := client.CreateRequestInput{AccountIDs: accounts, PermissionSet: strings.TrimSpace(*permSet), Justification: *reason, Ticket: *ticket}
	in.BreakGlass = *breakGlass
	switch {
	case len(accounts) == 0:
		return usageErr("--account is required: name the account to access")
	case in.PermissionSet == "":
		return usageErr("--permission-set is required: see `elevate eligibility` for what you may request")
	case strings.TrimSpace(*durStr) == "":
		return usageErr("--duration is required, such as 30m, 1h 30m, 4h or 1d")
	case strings.TrimSpace(*reason) == "":
		return usageErr("--reason is required: say why you need this access")
	}
	if in.Duration, err = say.ParseDuration(*durStr); err != nil || in.Duration <= 0 {
		return usageErr("--duration %q is not a duration such as 30m, 1h 30m, 4h or 1d", *durStr)
	}
	v := cf.voice()
	if s := strings.TrimSpace(*startStr); s != "" {
		if in.Start, err = say.ParseStart(s, v.now, v.loc); err != nil {
			return usageErr("--%s", err.Error())
		}
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	r, err := c.CreateRequest(ctx, in)
	if err != nil {
		return cf.explain(err)
	}
	// With --json, progress goes to stderr and only the final request to
	// stdout; with --quiet there is no progress at all: the id alone on
	// stdout, and stderr only for a failure.
	progress := env.Stdout
	switch {
	case *quiet:
		progress = io.Discard
	case cf.json:
		progress = env.Stderr
	}
	if *quiet {
		fmt.Fprintln(env.Stdout, r.ID)
	}
	if !cf.json || *wait {
		fmt.Fprintf(progress, "Request %s is %s: %s on %s for %s.\n", r.ID, statusWords(string(r.Status)), r.PermissionSet.Name,
			accountsOf(r), durationOf(r))
		if r.Status == client.StatusScheduled && r.Start != nil {
			fmt.Fprintf(progress, "It starts %s.\n", v.relWhen(r.Start))
		}
		if r.Status == client.StatusPending {
			fmt.Fprintf(progress, "Waiting for %s from %s.\n", plural(r.ApprovalsRequired, "approval"), userNames(r.Approvers))
		}
	}
	if !*wait {
		if cf.json {
			return cf.printJSON(r)
		}
		return nil
	}
	id, last := r.ID, r.Status
	r, err = c.WaitFor(ctx, id, func(r *client.Request) bool {
		if r.Status != last {
			fmt.Fprintf(progress, "%s  %s is now %s\n", time.Now().Format("15:04:05"), r.ID, statusWords(string(r.Status)))
			last = r.Status
		}
		return r.Status == client.StatusActive || r.Status.Terminal()
	}, *interval)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("stopped waiting: request %s was %s and goes on; follow it with `elevate show %s`", id, last, id)
		}
		return cf.explain(err)
	}
	if cf.json {
		if err := cf.printJSON(r); err != nil {
			return err
		}
	}
	if r.Status != client.StatusActive {
		return fmt.Errorf("request %s is %s%s", r.ID, statusWords(string(r.Status)), outcome(r))
	}
	if !cf.json && !*quiet && r.EndsAt != nil {
		fmt.Fprintf(env.Stdout, "Access is active until %s.\n", v.relWhen(r.EndsAt))
		printUse(env.Stdout, r.Use)
	}
	return nil
}

// outcome says why a request ended up where it is, as ": ..." or "".
func outcome(r *client.Request) string {
	switch r.Status {
	case client.StatusRejected:
		for _, a := range r.Approvals {
			if a.Verdict == "reject" {
				if a.Comment != "" {
					return fmt.Sprintf(": rejected by %s: %s", a.UserName, a.Comment)
				}
				return ": rejected by " + a.UserName
			}
		}
	case client.StatusRevoked:
		if r.EndRequestedBy != "" {
			return ": ended early by " + r.EndRequestedBy
		}
	}
	if r.Reason != "" {
		return ": " + r.Reason
	}
	return ""
}

// decisionCmd runs approve, reject, cancel or end.
func decisionCmd(ctx context.Context, env *Env, args []string, name string,
	act func(c *client.Client, ctx context.Context, id, comment string) (*client.Request, error)) error {
	fs := newFlagSet(env, name)
	cf := addClientFlags(fs, env)
	comment := fs.String("comment", "", "a comment for the record")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, name+" [--comment TEXT]")
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	r, err := act(c, ctx, id, *comment)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(r)
	}
	switch {
	case r.Status == client.StatusPending:
		fmt.Fprintf(env.Stdout, "Request %s is pending (%d of %s).\n", r.ID, approvalCount(r), plural(r.ApprovalsRequired, "approval"))
	case r.Status == client.StatusActive && r.EndRequestedAt != nil:
		fmt.Fprintf(env.Stdout, "Request %s is ending: its access is being removed.\n", r.ID)
	default:
		fmt.Fprintf(env.Stdout, "Request %s is %s.\n", r.ID, statusWords(string(r.Status)))
	}
	return nil
}

func cmdApprove(ctx context.Context, env *Env, args []string) error {
	return decisionCmd(ctx, env, args, "approve", (*client.Client).Approve)
}

func cmdReject(ctx context.Context, env *Env, args []string) error {
	return decisionCmd(ctx, env, args, "reject", (*client.Client).Reject)
}

func cmdCancel(ctx context.Context, env *Env, args []string) error {
	return decisionCmd(ctx, env, args, "cancel", (*client.Client).Cancel)
}

func cmdEnd(ctx context.Context, env *Env, args []string) error {
	return decisionCmd(ctx, env, args, "end", (*client.Client).End)
}
