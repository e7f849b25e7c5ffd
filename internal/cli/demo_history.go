package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
)

// The demo's history: on a fresh demo, alice uses elevate a little, through
// the API as a person would, so that usage insight (elevate insights, the
// portal's Insights page) has something to show: a grant used to look
// around staging, one used to ship a Lambda on sandbox-1 (with a refused
// IAM call), and one on sandbox-2 she never signed in to. The emulator
// records the sessions' CloudTrail events; elevate fetches them after each
// grant ends (activity.delay), as it would from CloudTrail.

// demoPolicies are the policies the demo's permission sets carry in the
// emulator: what insight compares the actions used with.
var demoPolicies = []struct {
	permissionSet string
	managed       []string
	inline        string
}{
	{"AdministratorAccess", []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, ""},
	{"ReadOnlyAccess", []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, ""},
	{"PowerUserAccess", []string{"arn:aws:iam::aws:policy/PowerUserAccess"},
		`{"Version":"2012-10-17","Statement":[{"Sid":"Workloads","Effect":"Allow","Action":["ec2:*","lambda:*","logs:*","s3:*","dynamodb:*","sqs:*","cloudwatch:*"],"Resource":"*"}]}`},
}

// demoNoSessionAccount is where the demo's users never sign in (the
// emulator records no session there): grants to it stay unused.
const demoNoSessionAccount = "sandbox-2"

// seedDemoPolicies gives the demo's permission sets their policies.
func seedDemoPolicies(emu *awsemu.Emulator) error {
	for _, p := range demoPolicies {
		for _, m := range p.managed {
			if err := emu.AttachManagedPolicy(p.permissionSet, m); err != nil {
				return fmt.Errorf("demo: attach %s to %s: %w", m, p.permissionSet, err)
			}
		}
		if p.inline != "" {
			emu.SetInlinePolicy(emu.PermissionSetARN(p.permissionSet), p.inline)
		}
	}
	return nil
}

// demoHistoryStep is one request of the history and its session's calls
// (none: alice never signs in).
type demoHistoryStep struct {
	account, permissionSet, reason string
	approver                       string // "" when the rule needs no approval
	calls                          []awsemu.SessionCall
}

var demoHistory = []demoHistoryStep{
	{account: "staging", permissionSet: "ReadOnlyAccess", reason: "DEMO-1: why did the staging deploy stall?", calls: []awsemu.SessionCall{
		{Source: "s3.amazonaws.com", Name: "ListBuckets", After: time.Second, ReadOnly: true},
		{Source: "s3.amazonaws.com", Name: "GetObject", After: 2 * time.Second, ReadOnly: true},
		{Source: "monitoring.amazonaws.com", Name: "GetMetricData", After: 2 * time.Second, ReadOnly: true},
		{Source: "logs.amazonaws.com", Name: "FilterLogEvents", After: 3 * time.Second, ReadOnly: true},
	}},
	{account: "sandbox-1", permissionSet: "PowerUserAccess", approver: "bob", reason: "DEMO-2: try the new order handler", calls: []awsemu.SessionCall{
		{Source: "lambda.amazonaws.com", Name: "ListFunctions20150331", After: time.Second, ReadOnly: true},
		{Source: "lambda.amazonaws.com", Name: "UpdateFunctionCode20150331v2", After: 2 * time.Second},
		{Source: "s3.amazonaws.com", Name: "PutObject", After: 2 * time.Second},
		{Source: "logs.amazonaws.com", Name: "GetLogEvents", After: 3 * time.Second, ReadOnly: true},
		{Source: "iam.amazonaws.com", Name: "CreateRole", After: 3 * time.Second, ErrorCode: "AccessDenied"},
	}},
	{account: demoNoSessionAccount, permissionSet: "ReadOnlyAccess", reason: "DEMO-3: look at the sandbox budget (never signed in)"},
}

// demoHistoryReady is how long after a session's start its last call is:
// the history ends the grants only after it.
const demoHistoryReady = 4 * time.Second

// playDemoHistory plays the history on a demo with no request yet; a demo
// restarted on its data directory keeps the history it has.
func playDemoHistory(ctx context.Context, info DemoInfo, emu *awsemu.Emulator, log *slog.Logger) error {
	cl := map[string]*client.Client{}
	for _, u := range []string{"alice", "bob", "erin"} {
		c, err := client.New(info.URL, info.Users[u].Token, client.WithClientKind("demo"))
		if err != nil {
			return err
		}
		cl[u] = c
	}
	page, err := cl["erin"].ListRequestsPage(ctx, client.ListOptions{Scope: "all", Limit: 1})
	if err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	if len(page.Items) > 0 {
		return nil
	}
	var ids []string
	last := time.Time{}
	for _, st := range demoHistory {
		r, err := cl["alice"].CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{st.account}, PermissionSet: st.permissionSet,
			Duration: time.Hour, Justification: st.reason})
		if err != nil {
			return fmt.Errorf("demo history: request %s on %s: %w", st.permissionSet, st.account, err)
		}
		if st.approver != "" {
			if _, err := cl[st.approver].Approve(ctx, r.ID, "go ahead"); err != nil {
				return fmt.Errorf("demo history: approve %s: %w", r.ID, err)
			}
		}
		id := r.ID
		r, err = cl["alice"].WaitFor(ctx, id, func(r *client.Request) bool {
			return r.Status != client.StatusPending && r.Status != client.StatusScheduled
		},
			200*time.Millisecond)
		if err != nil {
			return fmt.Errorf("demo history: wait for %s: %w", id, err)
		}
		if r.Status != client.StatusActive || r.ActivatedAt == nil {
			return fmt.Errorf("demo history: request %s is %s, not active: %s", r.ID, r.Status, r.Reason)
		}
		ids = append(ids, r.ID)
		if len(st.calls) == 0 {
			continue
		}
		start := r.ActivatedAt.Truncate(time.Second).Add(time.Second)
		evs := awsemu.SSOSessionCallEvents(awsemu.SSOSession{AccountID: emu.AccountID(st.account), PermissionSetName: st.permissionSet,
			UserName: "alice", UserID: emu.UserID("alice"), Start: start}, st.calls)
		if err := emu.AddTrailEvents(evs...); err != nil {
			return fmt.Errorf("demo history: session events: %w", err)
		}
		last = start.Add(demoHistoryReady)
	}
	// End the grants once their sessions' calls are behind them, so the
	// activity fetched after the end holds them.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(last)):
	}
	for _, id := range ids {
		if _, err := cl["alice"].End(ctx, id, "done"); err != nil {
			return fmt.Errorf("demo history: end %s: %w", id, err)
		}
	}
	log.Info("demo history played: elevate insights shows it once the session activity is fetched", "requests", len(ids))
	return nil
}
