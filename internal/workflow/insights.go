package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/insight"
	"github.com/elevate/elevate/internal/store"
)

// PermissionSetPolicyReader reads what a permission set allows, as
// sso-admin tells it (inline policy, managed policy references).
// internal/aws's Provider satisfies it.
type PermissionSetPolicyReader interface {
	PermissionSetPolicies(ctx context.Context, permissionSetARN string) (access.PermissionSetPolicies, error)
}

// MaxInsightWindow bounds how far back insight looks: session activity is
// kept for the retention period anyway, and a longer window only reads more.
const MaxInsightWindow = 400 * 24 * time.Hour

// InsightsInput is what usage insight is asked for.
type InsightsInput struct {
	// Window is how far back to look; 0: insight.DefaultWindow (90 days).
	Window time.Duration
}

// Insights reports usage over the window: each grant used or not with the
// services and actions seen, the eligibility that went unused, and per
// permission set the actions used against what it allows, with a narrower
// policy as a suggestion. Auditors and admins see everyone's; anyone else
// sees their own grants and eligibility only (Scope "own"). The store is
// read in one read transaction; the permission sets' policies are read from
// AWS after it, outside any transaction, and a failed read is reported with
// that permission set rather than failing the report.
func (s *Service) Insights(ctx context.Context, actor access.Actor, in InsightsInput) (insight.Report, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return insight.Report{}, access.Errorf(access.CodeUnauthenticated, "sign in to see usage insight")
	}
	window := in.Window
	switch {
	case window == 0:
		window = insight.DefaultWindow
	case window < 0:
		return insight.Report{}, access.Errorf(access.CodeInvalid, "the insight window %s is negative: give how far back to look, e.g. 90d", window)
	case window > MaxInsightWindow:
		return insight.Report{}, access.Errorf(access.CodeInvalid, "the insight window %s is longer than the longest, 400d: give a shorter one", window)
	}
	now := s.clock.Now()
	rin := insight.Input{Since: now.Add(-window), Until: now, Scope: "all", ActivitySource: s.ActivitySourceName(),
		AccountNames: map[string]string{}}
	requester := ""
	if !actor.Admin && !actor.Auditor && !actor.IsSystem() {
		rin.Scope, requester = "own", actor.UserID
	}
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if rin.Grants, err = tx.ListGrantUsage(ctx, rin.Since, requester); err != nil {
			return err
		}
		if rin.Requested, err = tx.ListRequestedPairs(ctx, rin.Since, requester); err != nil {
			return err
		}
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		x := pol.Index()
		for _, g := range rin.Grants {
			if a, ok := x.Account(g.AccountID); ok {
				rin.AccountNames[g.AccountID] = a.Name
			}
		}
		users := []access.User{{ID: actor.UserID, UserName: actor.UserName}}
		if requester == "" {
			users = x.Users()
		}
		for _, u := range users {
			if requester == "" && !u.Active {
				continue // a disabled user's eligibility is not theirs to use
			}
			for e := range pol.Eligibles(u.ID) {
				rin.Eligible = append(rin.Eligible, insight.Eligible{UserID: u.ID, UserName: u.UserName,
					AccountID: e.Account.ID, AccountName: e.Account.Name, PermissionSetARN: e.PermissionSet.ARN,
					PermissionSetName: e.PermissionSet.Name, Rule: e.Rule})
			}
		}
		return nil
	})
	if err != nil {
		return insight.Report{}, fmt.Errorf("usage insight: %w", err)
	}
	if s.psPolicies != nil {
		rin.Policies, rin.PolicyErrors = map[string]access.PermissionSetPolicies{}, map[string]error{}
		for _, g := range rin.Grants {
			arn := g.PermissionSetARN
			if _, done := rin.Policies[arn]; done || rin.PolicyErrors[arn] != nil {
				continue
			}
			p, err := s.psPolicies.PermissionSetPolicies(ctx, arn)
			if err != nil {
				if ctx.Err() != nil {
					return insight.Report{}, fmt.Errorf("usage insight: %w", ctx.Err())
				}
				s.log.WarnContext(ctx, "usage insight: the permission set's policies could not be read", "permission_set", g.PermissionSetName, "error", err)
				rin.PolicyErrors[arn] = err
				continue
			}
			rin.Policies[arn] = p
		}
	}
	return insight.Build(rin), nil
}
