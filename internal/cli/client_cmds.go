package cli

// The client commands talk to an elevate server through the public client
// package, as any other program would: request, approve, reject, cancel,
// end, ls, show, eligibility and whoami.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/elevate/elevate/client"
)

// defaultServer is used when neither --server nor ELEVATE_SERVER is set.
const defaultServer = "http://127.0.0.1:8080"

// clientFlags are the flags every client command shares.
type clientFlags struct {
	server string
	token  string
	json   bool
	env    *Env
}

func addClientFlags(fs *flag.FlagSet, env *Env) *clientFlags {
	cf := &clientFlags{env: env}
	server := env.Getenv("ELEVATE_SERVER")
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&cf.server, "server", server, "URL of the elevate server; env ELEVATE_SERVER")
	// The default is read at use, not shown here: -h must never print a token.
	fs.StringVar(&cf.token, "token", "", "API token (default env ELEVATE_TOKEN)")
	fs.BoolVar(&cf.json, "json", false, "print JSON, for scripts")
	return cf
}

// client returns an API client for the flags.
func (cf *clientFlags) client() (*client.Client, error) {
	token := cf.token
	if token == "" {
		token = cf.env.Getenv("ELEVATE_TOKEN")
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("no API token: set ELEVATE_TOKEN or pass --token (make one in the portal or with `elevate token create --user NAME`)")
	}
	c, err := client.New(cf.server, token, client.WithClientKind("cli"), client.WithUserAgent("elevate-cli"))
	if err != nil {
		return nil, fmt.Errorf("%w (set ELEVATE_SERVER or pass --server)", err)
	}
	return c, nil
}

// explain adds a hint to errors whose fix is on the user's side.
func (cf *clientFlags) explain(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*client.Error](err); ok {
		if e.Status == 401 {
			return fmt.Errorf("%w: check ELEVATE_TOKEN or --token", err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w (is the elevate server at %s running? set ELEVATE_SERVER or pass --server)", err, cf.server)
}

func (cf *clientFlags) printJSON(v any) error {
	enc := json.NewEncoder(cf.env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// oneID checks that the positional arguments are exactly one request id.
func oneID(pos []string, cmd string) (string, error) {
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return "", usageErr("give one request id: elevate %s ID", cmd)
	}
	return pos[0], nil
}

func noArgs(pos []string) error {
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	return nil
}

func cmdRequest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "request")
	cf := addClientFlags(fs, env)
	var accounts listFlag
	fs.Var(&accounts, "account", "account id or name; repeat it or separate with commas")
	permSet := fs.String("permission-set", "", "permission set name")
	durStr := fs.String("duration", "", "how long access lasts once active, such as 1h or 30m")
	reason := fs.String("reason", "", "why you need the access (required)")
	fs.StringVar(reason, "justification", "", "same as --reason")
	ticket := fs.String("ticket", "", "change or incident ticket")
	startStr := fs.String("start", "", "when access should start, RFC 3339 such as 2026-01-02T15:04:05Z (default now)")
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
		return usageErr("--duration is required, such as 1h or 30m")
	case strings.TrimSpace(*reason) == "":
		return usageErr("--reason is required: say why you need this access")
	}
	if in.Duration, err = time.ParseDuration(strings.TrimSpace(*durStr)); err != nil || in.Duration <= 0 {
		return usageErr("--duration %q is not a duration such as 1h or 30m", *durStr)
	}
	if s := strings.TrimSpace(*startStr); s != "" {
		if in.Start, err = time.Parse(time.RFC3339, s); err != nil {
			return usageErr("--start %q is not a time such as 2026-01-02T15:04:05Z (RFC 3339)", s)
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
	// With --json, progress goes to stderr and only the final request to stdout.
	progress := env.Stdout
	if cf.json || *quiet {
		progress = env.Stderr
	}
	if *quiet {
		fmt.Fprintln(env.Stdout, r.ID)
	}
	if !cf.json || *wait {
		fmt.Fprintf(progress, "Request %s is %s: %s on %s for %s.\n", r.ID, r.Status, r.PermissionSet.Name,
			strings.Join(r.AccountIDs, ", "), r.Duration)
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
			fmt.Fprintf(progress, "%s  %s is now %s\n", time.Now().Format("15:04:05"), r.ID, r.Status)
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
		return fmt.Errorf("request %s is %s%s", r.ID, r.Status, outcome(r))
	}
	if !cf.json && r.EndsAt != nil {
		fmt.Fprintf(env.Stdout, "Access is active until %s.\n", when(r.EndsAt))
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
		fmt.Fprintf(env.Stdout, "Request %s is %s.\n", r.ID, r.Status)
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

func cmdLs(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "ls")
	cf := addClientFlags(fs, env)
	var statuses listFlag
	fs.Var(&statuses, "status", "only these statuses; repeat it or separate with commas (pending, scheduled, active, ...)")
	scope := fs.String("scope", "", "mine, approvals, involved (default) or all (admins and auditors)")
	limit := fs.Int("limit", 0, "at most this many requests (default 100)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	opts := client.ListOptions{Scope: *scope, Limit: *limit}
	for _, s := range statuses {
		opts.Statuses = append(opts.Statuses, client.Status(s))
	}
	reqs, err := c.ListRequests(ctx, opts)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		if reqs == nil {
			reqs = []client.Request{}
		}
		return cf.printJSON(reqs)
	}
	if len(reqs) == 0 {
		fmt.Fprintln(env.Stdout, "No requests.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tREQUESTER\tPERMISSION SET\tACCOUNTS\tENDS")
	for _, r := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Status, r.Requester.UserName, r.PermissionSet.Name,
			accountList(r.AccountIDs), when(r.EndsAt))
	}
	return flushTable(tw)
}

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
	printRequest(env.Stdout, r)
	if *events {
		fmt.Fprintln(env.Stdout, "\nEvents:")
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		for _, e := range evs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.At.Local().Format(time.DateTime), e.Type, orDash(e.Actor.UserName), details(e.Details))
		}
		return flushTable(tw)
	}
	return nil
}

// printRequest writes the details of r for people.
func printRequest(w io.Writer, r *client.Request) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			// Continuation lines of a multi-line value are indented under
			// the value, so a justification can't forge a row of its own.
			fmt.Fprintf(tw, "%s:\t%s\n", k, strings.ReplaceAll(v, "\n", "\n\t"))
		}
	}
	row("Request", r.ID)
	row("Status", string(r.Status))
	row("Requester", r.Requester.UserName)
	row("Permission set", r.PermissionSet.Name+" ("+r.PermissionSet.ARN+")")
	row("Accounts", strings.Join(r.AccountIDs, ", "))
	row("Duration", r.Duration)
	row("Start", optWhen(r.Start))
	row("Activated", optWhen(r.ActivatedAt))
	row("Ends", optWhen(r.EndsAt))
	if r.Status == client.StatusPending {
		row("Approval deadline", optWhen(r.ExpiresAt))
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
	row("Created", r.CreatedAt.Local().Format(time.DateTime+" MST"))
	_ = tw.Flush()

	if len(r.Grants) > 0 {
		fmt.Fprintln(w, "\nGrants:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ACCOUNT\tSTATUS\tACTIVATED\tREVOKED\tERROR")
		for _, g := range r.Grants {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", g.AccountID, g.Status, when(g.ActivatedAt), when(g.RevokedAt), orDash(g.Error))
		}
		_ = tw.Flush()
	}
	if len(r.Approvals) > 0 {
		fmt.Fprintln(w, "\nDecisions:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, a := range r.Approvals {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.UserName, a.Verdict, a.At.Local().Format(time.DateTime), a.Comment)
		}
		_ = tw.Flush()
	}
}

func cmdEligibility(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "eligibility")
	cf := addClientFlags(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := cf.client()
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
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tPERMISSION SET\tMAX DURATION\tAPPROVALS\tTICKET\tRULE")
	for _, e := range items {
		ticket := "-"
		if e.TicketRequired {
			ticket = "required"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.Account.ID, e.Account.Name, e.PermissionSet.Name,
			e.MaxDuration, e.ApprovalsRequired, ticket, e.Rule)
	}
	return flushTable(tw)
}

func cmdWhoami(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "whoami")
	cf := addClientFlags(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := cf.client()
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
	fmt.Fprintf(tw, "Groups:\t%s\n", orDash(strings.Join(me.Groups, ", ")))
	fmt.Fprintf(tw, "Roles:\t%s\n", orDash(strings.Join(roles, ", ")))
	fmt.Fprintf(tw, "Server:\t%s\n", cf.server)
	return flushTable(tw)
}

func flushTable(tw *tabwriter.Writer) error {
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func approvalCount(r *client.Request) int {
	n := 0
	for _, a := range r.Approvals {
		if a.Verdict == "approve" {
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func userNames(us []client.UserRef) string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.UserName
	}
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, ", ")
}

// accountList shortens long account lists for a table cell.
func accountList(ids []string) string {
	if len(ids) > 3 {
		return strings.Join(ids[:2], ",") + fmt.Sprintf(",+%d more", len(ids)-2)
	}
	return orDash(strings.Join(ids, ","))
}

// when formats an optional time for a table cell, in local time.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04 MST")
}

func optWhen(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return when(t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func details(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != "" {
			parts = append(parts, k+"="+m[k])
		}
	}
	return strings.Join(parts, " ")
}
