package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/workflow"
)

// auditPrune is `elevate audit prune [--dry-run] [--json]`: it applies the
// configured retention (retention.requests, retention.activity,
// retention.audit; --set overrides them) once, as the operator at the CLI.
func auditPrune(ctx context.Context, env *Env, f *serverFlags, dryRun, asJSON *bool) func(*workflow.AuditLog) error {
	return func(svc *workflow.AuditLog) error {
		cfg, err := f.load(env)
		if err != nil {
			return err
		}
		r := app.Retention(cfg)
		if !r.Enabled() {
			fmt.Fprintln(env.Stdout, "nothing to prune: retention.requests, retention.activity and retention.audit are 0 (keep forever)")
			return nil
		}
		op := env.Getenv("USER")
		if op == "" {
			op = "operator"
		}
		rep, err := svc.Prune(ctx, audit.PruneOptions{Retention: r, DryRun: *dryRun,
			Actor: access.Actor{UserName: op, Via: access.ViaCLI}})
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return fmt.Errorf("print the prune report: %w", err)
			}
			return nil
		}
		verb := "pruned"
		if rep.DryRun {
			verb = "would prune"
		}
		line := func(what string, keep time.Duration, n int64, before time.Time, extra string) {
			if keep == 0 {
				fmt.Fprintf(env.Stdout, "%s: kept forever\n", what)
				return
			}
			fmt.Fprintf(env.Stdout, "%s: %s %d older than %s (%s)%s\n", what, verb, n, before.Format(time.RFC3339), keep, extra)
		}
		line("requests", r.Requests, int64(rep.Requests), rep.RequestsBefore, "")
		line("activity", r.Activity, rep.Activity, rep.ActivityBefore, "")
		var rng string
		if rep.AuditEntries > 0 {
			rng = fmt.Sprintf(": seq %d to %d", rep.AuditFirstSeq, rep.AuditLastSeq)
		}
		line("audit entries", r.Audit, rep.AuditEntries, rep.AuditBefore, rng)
		for _, c := range rep.Checkpoints {
			fmt.Fprintf(env.Stdout, "pruning checkpoint %d: entries %d to %d, anchor %s\n", c.ID, c.FirstSeq, c.Seq, c.Hash)
		}
		return nil
	}
}
