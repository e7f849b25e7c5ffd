package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/say"
)

// cmdWait blocks until a request is active (--until active, the default) or
// finished (--until done), printing each status change.
func cmdWait(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "wait")
	cf := addClientFlags(fs, env)
	until := fs.String("until", "active", "active: until access is granted; done: until the request is over (ended, revoked, ...)")
	interval := fs.Duration("interval", time.Second, "how often to poll")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "wait [--until active|done]")
	if err != nil {
		return err
	}
	if *until != "active" && *until != "done" {
		return usageErr("--until %q is not active or done", *until)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var last client.Status
	r, err := c.WaitFor(ctx, id, func(r *client.Request) bool {
		if r.Status != last {
			if !cf.json {
				fmt.Fprintf(env.Stdout, "%s  %s is %s\n", time.Now().Format("15:04:05"), r.ID, statusWords(string(r.Status)))
			}
			last = r.Status
		}
		return r.Status.Terminal() || (*until == "active" && r.Status == client.StatusActive)
	}, *interval)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("stopped waiting: request %s was %s", id, last)
		}
		return cf.explain(err)
	}
	if cf.json {
		if err := cf.printJSON(r); err != nil {
			return err
		}
	}
	if *until == "active" && r.Status != client.StatusActive {
		return fmt.Errorf("request %s is %s%s", r.ID, statusWords(string(r.Status)), outcome(r))
	}
	if r.Status == client.StatusActive && r.EndsAt != nil && !cf.json {
		fmt.Fprintf(env.Stdout, "Access is active until %s.\n", cf.voice().relWhen(r.EndsAt))
		printUse(env.Stdout, r.Use)
	}
	return nil
}

// cmdExtend asks for more time on an active request.
func cmdExtend(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "extend")
	cf := addClientFlags(fs, env)
	durStr := fs.String("duration", "", "how much longer, such as 30m, 1h 30m or 1d (required)")
	reason := fs.String("reason", "", "why you need more time (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "extend --duration 30m --reason TEXT")
	if err != nil {
		return err
	}
	d, err := say.ParseDuration(*durStr)
	if err != nil || d <= 0 {
		return usageErr("--duration %q is not a duration such as 30m, 1h 30m or 1d", *durStr)
	}
	if *reason == "" {
		return usageErr("--reason is required: say why you need more time")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	r, err := c.Extend(ctx, id, d, *reason)
	if err != nil {
		return cf.explain(err)
	}
	if cf.json {
		return cf.printJSON(r)
	}
	if n := len(r.Extensions); n > 0 && r.Extensions[n-1].Status == "pending" {
		fmt.Fprintf(env.Stdout, "Extension of %s by %s is waiting for %s from %s.\n", r.ID, say.Duration(d),
			plural(r.ApprovalsRequired, "approval"), userNames(r.Approvers))
		return nil
	}
	fmt.Fprintf(env.Stdout, "Request %s now ends at %s.\n", r.ID, cf.voice().relWhen(r.EndsAt))
	return nil
}
