package cli

// `elevate policy`: export, plan, apply and explain, through the
// API with an admin's token (explain: any user, about themselves).

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/elevate/elevate/client"
)

const policyUsage = "usage: elevate policy export [-o FILE] | plan -f FILE | apply -f FILE [--revision N] | explain [--user U] --account A --permission-set P [--break-glass]"

func cmdPolicy(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", ErrUsage, policyUsage)
	}
	switch args[0] {
	case "export":
		return policyExport(ctx, env, args[1:])
	case "plan":
		return policyPlanApply(ctx, env, "plan", args[1:])
	case "apply":
		return policyPlanApply(ctx, env, "apply", args[1:])
	case "explain":
		return policyExplain(ctx, env, args[1:])
	}
	return fmt.Errorf("%w: unknown policy command %q; %s", ErrUsage, args[0], policyUsage)
}

func policyExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "policy export")
	cf := addClientFlags(fs, env)
	out := fs.String("o", "", "write the document to this file (default: standard output)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	doc, err := c.ExportPolicy(ctx)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(doc)
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(doc.Document), 0o600); err != nil {
			return fmt.Errorf("write policy: %w", err)
		}
		return nil
	}
	_, err = fmt.Fprint(env.Stdout, doc.Document)
	return err
}

func policyPlanApply(ctx context.Context, env *Env, verb string, args []string) error {
	fs := newFlagSet(env, "policy "+verb)
	cf := addClientFlags(fs, env)
	file := fs.String("f", "", "the policy YAML document (required)")
	revision := -1
	if verb == "apply" {
		fs.IntVar(&revision, "revision", -1, "the revision the document was planned on (`policy plan` prints it); default: plan now and apply against that plan")
	}
	force := fs.Bool("force", false, "apply even though the change removes your own admin role or names a missing or empty admins/auditors group (never when no admin would remain)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("%w: -f FILE is required: %s", ErrUsage, policyUsage)
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("read policy: %w", err)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var plan *client.PolicyPlan
	body := client.PolicyDocument{Document: string(data), Force: *force}
	switch {
	case verb == "plan":
		plan, err = c.PlanPolicyDocument(ctx, body)
	case revision < 0:
		// No revision given: plan first, and apply against the revision of
		// that plan, so a change another admin makes in between is refused
		// (409) rather than silently undone.
		plan, err = c.PlanPolicyDocument(ctx, body)
		if err == nil {
			body.Revision = plan.Revision
			plan, err = c.ApplyPolicyDocument(ctx, body)
		}
	default:
		body.Revision = revision
		plan, err = c.ApplyPolicyDocument(ctx, body)
	}
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(plan)
	}
	fmt.Fprint(env.Stdout, plan.Text)
	if len(plan.Problems) > 0 {
		var b strings.Builder
		for _, p := range plan.Problems {
			fmt.Fprintf(&b, "\n  %s:%d: %s: %s", *file, p.Line, p.Path, p.Message)
		}
		return fmt.Errorf("the document has %d problem(s); apply would refuse it:%s", len(plan.Problems), b.String())
	}
	switch {
	case verb == "plan":
		fmt.Fprintf(env.Stdout, "Planned against revision %d (apply with --revision %d to refuse it if the policy changes first).\n", plan.Revision, plan.Revision)
	case plan.Applied:
		fmt.Fprintf(env.Stdout, "Applied: the policy is now revision %d.\n", plan.Revision)
	case verb == "apply":
		fmt.Fprintln(env.Stdout, "Nothing to apply.")
	}
	return nil
}

func policyExplain(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "policy explain")
	cf := addClientFlags(fs, env)
	var in client.ExplainInput
	fs.StringVar(&in.User, "user", "", "user name, email or id (default: you)")
	fs.StringVar(&in.Account, "account", "", "account id or name (required)")
	fs.StringVar(&in.PermissionSet, "permission-set", "", "permission set name or ARN (required)")
	fs.BoolVar(&in.BreakGlass, "break-glass", false, "ask about a break-glass request")
	fs.StringVar(&in.Ticket, "ticket", "", "ticket key for the rules' ticket conditions")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if in.Account == "" || in.PermissionSet == "" {
		return fmt.Errorf("%w: --account and --permission-set are required", ErrUsage)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	ex, err := c.Explain(ctx, in)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(ex)
	}
	w := env.Stdout
	if ex.Allowed {
		fmt.Fprintf(w, "ALLOWED: %s may request %s on %s (%s) under rule %s, up to %s", ex.User, ex.PermissionSet, ex.Account.Name, ex.Account.ID, ex.Rule, ex.MaxDuration)
		switch {
		case ex.BreakGlass:
			fmt.Fprint(w, ", break-glass: active at once, reviewed afterwards")
		case ex.ApprovalRequired:
			fmt.Fprintf(w, ", with %d approval(s)", ex.ApprovalsRequired)
		case ex.AutoApproved:
			fmt.Fprint(w, ", auto-approved: its auto_approve_if conditions hold")
		default:
			fmt.Fprint(w, ", without approval")
		}
		if ex.TicketRequired {
			fmt.Fprint(w, ", ticket required")
		}
		if ex.ApproverMFAMaxAge != "" {
			fmt.Fprintf(w, ", approvers must have signed in to the portal with multi-factor authentication within %s", ex.ApproverMFAMaxAge)
		}
		fmt.Fprintln(w, ".")
	} else {
		fmt.Fprintf(w, "REFUSED: %s\n", ex.Reason)
	}
	if len(ex.Conditions) > 0 {
		fmt.Fprintln(w, "\nConditions:")
		for _, c := range ex.Conditions {
			fmt.Fprintf(w, "  %-7s %s %s: %s\n", strings.ToUpper(c.Outcome), c.Use, c.Condition, c.Evidence)
		}
		if ex.AutoApproveFallback != "" {
			fmt.Fprintf(w, "  (%s)\n", ex.AutoApproveFallback)
		}
	}
	if ex.ApprovalRequired {
		fmt.Fprintf(w, "\nApprovers (from %s):\n", ex.ApproverSource)
		for _, a := range ex.Approvers {
			fmt.Fprintf(w, "  %-20s via %s\n", a.UserName, strings.Join(a.Via, ", "))
		}
		if ex.RequesterRemoved {
			fmt.Fprintf(w, "  (%s, the requester, is left out)\n", ex.User)
		}
	}
	printTraces := func(title string, ts []client.RuleTrace) {
		if len(ts) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, t := range ts {
			mark := "  no     "
			if t.Selected {
				mark = "  CHOSEN "
			} else if t.Matched {
				mark = "  match  "
			}
			fmt.Fprintf(w, "%s%s\n", mark, t.Rule)
			for _, r := range t.Reasons {
				fmt.Fprintf(w, "           - %s\n", r)
			}
		}
	}
	printTraces("Eligibility rules", ex.Rules)
	printTraces("Approver rules", ex.ApproverRules)
	return nil
}
