package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// providerConfig is the AWS provider configuration of cfg.
func providerConfig(cfg config.Config) aws.Config {
	return aws.Config{Region: cfg.AWS.Region, InstanceARN: cfg.AWS.InstanceARN, IdentityStoreID: cfg.AWS.IdentityStoreID,
		PollInterval: cfg.AWS.PollInterval, MaxPollInterval: cfg.AWS.MaxPollInterval, CallsPerSecond: cfg.AWS.CallsPerSecond,
		MaxInFlight: cfg.AWS.MaxInFlight, IdentityStoreCallsPerSecond: cfg.AWS.IdentityStoreCallsPerSecond,
		OrganizationsCallsPerSecond: cfg.AWS.OrganizationsCallsPerSecond}
}

// cmdDoctor checks the configuration, the database and AWS, and prints one
// line per check. It exits 1 when a check fails.
func cmdDoctor(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "doctor")
	var f serverFlags
	f.register(fs, env)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	failed := 0
	report := func(c aws.Check) {
		if c.Status == aws.CheckFail {
			failed++
		}
		fmt.Fprintf(env.Stdout, "%-4s  %s: %s\n", strings.ToUpper(c.Status), c.Name, c.Detail)
	}
	cfg, err := f.load(env)
	if err != nil {
		report(aws.Check{Name: "configuration", Status: aws.CheckFail, Detail: err.Error()})
		return errors.New("doctor: the configuration is invalid")
	}
	report(aws.Check{Name: "configuration", Status: aws.CheckOK, Detail: "valid"})
	for _, c := range databaseChecks(ctx, cfg) {
		report(c)
	}
	pcfg := providerConfig(cfg)
	pcfg.Logger = newLogger(env, cfg)
	p, err := aws.New(ctx, pcfg)
	if err != nil {
		report(aws.Check{Name: "Identity Center instance", Status: aws.CheckFail, Detail: err.Error()})
	} else {
		for _, c := range p.Doctor(ctx) {
			report(c)
		}
	}
	for _, c := range integrationChecks(ctx, cfg) { // doctor_integrations.go
		report(c)
	}
	if u := cfg.Directory.EventsQueueURL; u != "" {
		if d, err := aws.NewDirectoryEvents(ctx, aws.DirectoryEventsConfig{QueueURL: u}); err != nil {
			report(aws.Check{Name: "directory events queue", Status: aws.CheckFail, Detail: err.Error()})
		} else {
			report(d.Check(ctx))
		}
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %s failed", access.Plural(failed, "check", ""))
	}
	return nil
}

// databaseChecks opens the database and reports its schema and the last
// directory sync and reconciliation.
func databaseChecks(ctx context.Context, cfg config.Config) []aws.Check {
	st, where, err := app.OpenStore(ctx, cfg, newLogger(&Env{}, cfg))
	if err != nil {
		return []aws.Check{{Name: "database", Status: aws.CheckFail, Detail: err.Error()}}
	}
	defer func() { _ = st.Close() }() // read-only or already-failed: its close error cannot matter
	if err := st.CheckSchema(ctx); err != nil {
		return []aws.Check{{Name: "database " + where, Status: aws.CheckFail, Detail: err.Error()}}
	}
	checks := []aws.Check{{Name: "database " + where, Status: aws.CheckOK, Detail: "schema up to date"}}
	for _, kind := range []string{access.RunDirectorySync, access.RunReconcile} {
		rs, found, err := workflow.ReadRunStatus(ctx, st, kind)
		checks = append(checks, runCheck(kind, rs, found, err))
	}
	checks = append(checks, sessionDenyChecks(ctx, cfg, st)...)
	return append(checks, limitChecks(ctx, cfg, st)...)
}

// sessionDenyChecks reports the statements that end revoked users' open
// sessions and are not yet removed: how many are in force, in which
// policy, and which are still waiting to be written (a revocation is not
// complete until its statement is in force).
func sessionDenyChecks(ctx context.Context, cfg config.Config, st app.Store) []aws.Check {
	const name = "ended sessions"
	ds, err := workflow.ReadSessionDenies(ctx, st)
	if err != nil {
		return []aws.Check{{Name: name, Status: aws.CheckWarn, Detail: "could not read the session-ending statements: " + err.Error()}}
	}
	mech := cfg.EndSessions.Mechanism
	if len(ds) == 0 {
		if mech == "" || mech == config.EndSessionsOff {
			return nil
		}
		return []aws.Check{{Name: name, Status: aws.CheckOK, Detail: "mechanism " + mech + "; no statement pending"}}
	}
	var checks []aws.Check
	inForce, fallback := 0, 0
	for _, d := range ds {
		if d.Fallback != "" {
			fallback++
		}
		if !d.InForceAt.IsZero() {
			inForce++
			continue
		}
		checks = append(checks, aws.Check{Name: name, Status: aws.CheckWarn, Detail: fmt.Sprintf(
			"not yet in force: user %s, account %s, permission set %s (%s policy), revocation started %s; its revoke job retries until it is",
			d.UserID, d.AccountID, d.PermissionSetName, d.Mechanism, d.CreatedAt.Format(time.RFC3339))})
	}
	detail := fmt.Sprintf("%s in force until the sessions they end have expired", access.Plural(inForce, "statement", ""))
	if fallback > 0 {
		detail += fmt.Sprintf("; %d in inline policies because the service control policy was full", fallback)
	}
	return append([]aws.Check{{Name: name, Status: aws.CheckOK, Detail: detail}}, checks...)
}

// limitChecks names, from the synced directory and the policy in effect,
// each rule that covers what AWS does not let elevate (a delegated
// administrator) assign: the management account, and the permission sets
// managed there. Such pairs are never eligible; the operator should take
// them out of the rule.
func limitChecks(ctx context.Context, cfg config.Config, st app.Store) []aws.Check {
	const name = "policy limits"
	ds, err := workflow.ReadDirectoryState(ctx, st)
	if err != nil {
		return []aws.Check{{Name: name, Status: aws.CheckWarn, Detail: "could not read the directory and the policy: " + err.Error()}}
	}
	if ds.SyncedAt.IsZero() {
		return nil // the last-sync check already says the directory was never synced
	}
	doc := cfg.Policy.Document()
	if ds.Policy != nil {
		src, err := policy.Parse(ds.Policy.Document)
		if err != nil {
			return []aws.Check{{Name: name, Status: aws.CheckWarn, Detail: fmt.Sprintf("policy revision %d: %v", ds.Policy.Revision, err)}}
		}
		doc = src.Doc
	}
	var checks []aws.Check
	for _, n := range policy.New(doc, policy.NewIndex(ds.Directory)).Limits() {
		checks = append(checks, aws.Check{Name: name, Status: aws.CheckWarn, Detail: n.String()})
	}
	return checks
}

// runCheck describes the last run of a periodic task.
func runCheck(kind string, rs access.RunStatus, found bool, err error) aws.Check {
	name := "last " + strings.ReplaceAll(kind, "_", " ")
	switch {
	case err == nil && !found:
		return aws.Check{Name: name, Status: aws.CheckWarn, Detail: "never ran (it runs when the server starts and periodically)"}
	case err != nil:
		return aws.Check{Name: name, Status: aws.CheckFail, Detail: err.Error()}
	}
	detail := fmt.Sprintf("started %s, took %s, %s", rs.StartedAt.Format(time.RFC3339), rs.EndedAt.Sub(rs.StartedAt).Round(time.Millisecond), formatCounts(rs.Counts))
	if rs.Error != "" {
		last := "never succeeded"
		if !rs.LastSuccessAt.IsZero() {
			last = "last success " + rs.LastSuccessAt.Format(time.RFC3339)
		}
		return aws.Check{Name: name, Status: aws.CheckFail, Detail: detail + "; failed: " + rs.Error + "; " + last}
	}
	return aws.Check{Name: name, Status: aws.CheckOK, Detail: detail}
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// cmdAWS runs the AWS helper subcommands.
func cmdAWS(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "iam-policy" {
		return fmt.Errorf("%w: elevate aws iam-policy [--instance-arn ARN] [--identity-store-id ID] [--discover]", ErrUsage)
	}
	fs := newFlagSet(env, "aws iam-policy")
	var f serverFlags
	f.register(fs, env)
	instance := fs.String("instance-arn", "", "Identity Center instance ARN (default: the configured one)")
	storeID := fs.String("identity-store-id", "", "identity store id (default: the configured one)")
	discover := fs.Bool("discover", false, "find the instance and identity store with ListInstances when not configured")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg := config.Default()
	if f.configPath != "" || *discover {
		var err error
		if cfg, err = f.load(env); err != nil {
			return err
		}
	}
	arn, id := firstNonEmpty(*instance, cfg.AWS.InstanceARN), firstNonEmpty(*storeID, cfg.AWS.IdentityStoreID)
	if *discover && (arn == "" || id == "") {
		pcfg := providerConfig(cfg)
		pcfg.InstanceARN, pcfg.IdentityStoreID = arn, id
		p, err := aws.New(ctx, pcfg)
		if err != nil {
			return fmt.Errorf("discover the instance: %w", err)
		}
		arn, id = p.InstanceARN(), p.IdentityStoreID()
	}
	doc := aws.IAMPolicyDocument(arn, id)
	// Session activity: the configured source's query permissions.
	doc.Statement = append(doc.Statement, aws.ActivityPolicyStatements(cfg.Activity.Source, cfg.Activity.EventDataStore,
		cfg.Activity.LogGroup, aws.PolicyPartition(arn))...)
	// The directory events queue: receive, delete, change visibility.
	doc.Statement = append(doc.Statement, aws.DirectoryEventsPolicyStatements(cfg.Directory.EventsQueueURL, aws.PolicyPartition(arn))...)
	// Audit anchors in S3: put, read and list under the prefix.
	if s3 := cfg.Audit.Anchors.S3; s3.Bucket != "" {
		doc.Statement = append(doc.Statement, aws.AnchorPolicyStatements(s3.Bucket, firstNonEmpty(s3.Prefix, app.DefaultAnchorPrefix), aws.PolicyPartition(arn))...)
	}
	fmt.Fprintln(env.Stdout, doc.JSON())
	for _, s := range doc.Statement {
		if s.Comment != "" {
			opt := ""
			if s.Optional {
				opt = " (optional)"
			}
			fmt.Fprintf(env.Stderr, "# %s%s: %s\n", s.Sid, opt, s.Comment)
		}
	}
	if arn == "" || id == "" {
		fmt.Fprintln(env.Stderr, "# the instance or identity store is not known: their resources are \"*\"; pass --instance-arn and --identity-store-id, or --discover")
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
