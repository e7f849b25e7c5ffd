package cli

import (
	"context"

	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// integrationChecks checks each configured integration (reachable,
// credentials accepted) and the rotas and ticket tables the policy in
// effect names: an unknown schedule id is a warning.
func integrationChecks(ctx context.Context, cfg config.Config) []aws.Check {
	src, err := app.NewIntegrations(cfg)
	if err != nil {
		return []aws.Check{{Name: "integrations", Status: aws.CheckFail, Detail: err.Error()}}
	}
	needs := policyInEffect(ctx, cfg).Sources()
	if !src.Configured() && needs.Empty() {
		return nil
	}
	var checks []aws.Check
	for _, c := range src.Doctor(ctx, needs.OnCall, needs.Tickets) {
		st := aws.CheckFail
		switch {
		case c.Warning:
			st = aws.CheckWarn
		case c.OK:
			st = aws.CheckOK
		}
		checks = append(checks, aws.Check{Name: "integration " + c.Integration, Status: st, Detail: c.Message})
	}
	return checks
}

// policyInEffect is the policy revision stored in the database, else the
// configuration's document.
func policyInEffect(ctx context.Context, cfg config.Config) policy.Document {
	doc := cfg.Policy.Document()
	st, _, err := app.OpenStore(ctx, cfg, newLogger(&Env{}, cfg))
	if err != nil {
		return doc
	}
	defer func() { _ = st.Close() }() // read-only: its close error cannot matter
	ds, err := workflow.ReadDirectoryState(ctx, st)
	if err != nil || ds.Policy == nil {
		return doc
	}
	if src, err := policy.Parse(ds.Policy.Document); err == nil {
		return src.Doc
	}
	return doc
}
