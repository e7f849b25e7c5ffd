package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/elevate/elevate/internal/say"
)

// cmdReview records the after-the-fact review of a break-glass request.
func cmdReview(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "review")
	cf := addClientFlags(fs, env)
	comment := fs.String("comment", "", "what you checked about this break-glass use (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "review --comment TEXT")
	if err != nil {
		return err
	}
	if strings.TrimSpace(*comment) == "" {
		return usageErr("--comment is required: say what you checked about this break-glass use")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	u, err := c.Review(ctx, id, *comment)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(u)
	}
	fmt.Fprintf(env.Stdout, "Break-glass request %s (%s) is reviewed by %s.\n", u.RequestID, u.Requester.UserName, u.ReviewedBy)
	return nil
}

// cmdBreakGlass lists break-glass use: breakglass ls [--unreviewed].
func cmdBreakGlass(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "ls" {
		return usageErr("use: elevate breakglass ls [--unreviewed] [--limit N]")
	}
	fs := newFlagSet(env, "breakglass ls")
	cf := addClientFlags(fs, env)
	unreviewed := fs.Bool("unreviewed", false, "only the break-glass use not reviewed yet")
	limit := fs.Int("limit", 0, "at most this many (default 100)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *limit < 0 || *limit > 1000 {
		return usageErr("--limit %d is out of range: use 1 to 1000", *limit)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	us, err := c.ListBreakGlass(ctx, *unreviewed, *limit)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(us)
	}
	if len(us) == 0 {
		fmt.Fprintln(env.Stdout, "No break-glass use.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tREQUESTER\tPERMISSION SET\tACCOUNTS\tAT\tSTATUS\tREVIEW")
	v := cf.voice()
	for _, u := range us {
		review := "UNREVIEWED"
		if u.Reviewed {
			review = fmt.Sprintf("%s: %s", u.ReviewedBy, u.ReviewComment)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.RequestID, u.Requester.UserName, u.PermissionSet,
			say.Accounts(nil, u.AccountIDs), v.when(&u.At), u.Status, review)
	}
	return tw.Flush()
}
