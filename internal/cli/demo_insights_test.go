package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
)

// TestDemoInsights: `elevate insights` on the demo shows, from the demo's
// seeded history and session activity, a used grant with the actions its
// session made (CloudTrail names mapped to IAM actions, the refused IAM
// call apart), a grant nobody signed in to as unused, eligibility nobody
// used, and for PowerUserAccess a narrower policy of the actions used,
// against its inline policy, with its AWS managed policy named as not
// expanded. The auditor sees everyone's; alice her own.
func TestDemoInsights(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "demo-data")
	info, out, stop := startDemo(t, dataDir)
	defer stop()
	env := map[string]string{"ELEVATE_SERVER": info.URL, "ELEVATE_TOKEN": info.Users["dave"].Token, "TZ": "UTC"}

	var rep client.Insights
	ready := func() bool {
		byAccount := map[string]client.InsightGrant{}
		for _, g := range rep.Grants {
			byAccount[g.AccountName] = g
		}
		return len(rep.Grants) == 3 && byAccount["staging"].State == client.UseUsed && byAccount["sandbox-1"].State == client.UseUsed &&
			len(byAccount["sandbox-1"].Services) > 0 && byAccount["sandbox-2"].State == client.UseUnused
	}
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		code, stdout, stderr := runCLI(t, env, "insights", "--json")
		if code != 0 {
			t.Fatalf("insights --json: exit %d\n%s%s", code, stdout, stderr)
		}
		rep = client.Insights{}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("insights --json is not JSON: %v\n%s", err, stdout)
		}
		if ready() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo's insights never showed its history:\n%s\ndemo output:\n%s", stdout, out.String())
		}
	}
	if rep.Scope != "all" || rep.ActivitySource != "cloudwatch_logs" {
		t.Errorf("scope %q, source %q; want all, cloudwatch_logs", rep.Scope, rep.ActivitySource)
	}
	var power *client.PermissionSetInsight
	for i := range rep.PermissionSets {
		if rep.PermissionSets[i].PermissionSetName == "PowerUserAccess" {
			power = &rep.PermissionSets[i]
		}
	}
	if power == nil || power.Suggestion == "" {
		t.Fatalf("no suggestion for PowerUserAccess: %+v", rep.PermissionSets)
	}
	var doc struct {
		Statement []struct {
			Sid    string
			Action []string
		}
	}
	if err := json.Unmarshal([]byte(power.Suggestion), &doc); err != nil {
		t.Fatalf("the suggestion is not a policy document: %v\n%s", err, power.Suggestion)
	}
	var actions []string
	for _, st := range doc.Statement {
		actions = append(actions, st.Action...)
	}
	for _, want := range []string{"lambda:ListFunctions", "lambda:UpdateFunctionCode", "s3:PutObject", "logs:GetLogEvents"} {
		if !slices.Contains(actions, want) {
			t.Errorf("the suggestion lacks %s: %v", want, actions)
		}
	}
	if slices.Contains(actions, "iam:CreateRole") || slices.Contains(actions, "sts:AssumeRoleWithSAML") {
		t.Errorf("the suggestion holds a refused call or the sign-in: %v", actions)
	}
	if !slices.Contains(power.UnusedPatterns, "dynamodb:*") || !slices.Contains(power.Allowed.Managed, "PowerUserAccess") {
		t.Errorf("PowerUserAccess: unused patterns %v, managed %v", power.UnusedPatterns, power.Allowed.Managed)
	}
	unusedPairs := map[string]string{}
	for _, u := range rep.Unused {
		unusedPairs[u.UserName+" "+u.AccountName+" "+u.PermissionSetName] = u.State
	}
	if unusedPairs["alice sandbox-2 ReadOnlyAccess"] != "never_used" || unusedPairs["alice prod AdministratorAccess"] != "never_requested" {
		t.Errorf("unused eligibility = %v", unusedPairs)
	}
	if _, ok := unusedPairs["alice staging ReadOnlyAccess"]; ok {
		t.Errorf("a used pair is listed as unused eligibility: %v", unusedPairs)
	}

	// The table: what a person reads.
	code, stdout, stderr := runCLI(t, env, "insights", "--since", "30d")
	if code != 0 {
		t.Fatalf("insights: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Usage insight over the last 30d", "everyone's",
		"Grants: 3 grants (",
		"USED    alice", "UNUSED  alice",
		"staging (5555 6666 7777)", "sandbox-2 (8888 9999 0000)",
		"s3:GetObject, s3:ListAllMyBuckets", "cloudwatch:GetMetricData", "refused: iam:CreateRole",
		"never requested", "never used",
		"PowerUserAccess: 1 grant, 1 used",
		"allowed, unused: cloudwatch:*, dynamodb:*", // ec2:* too until the emulated session's own DescribeInstances is fetched
		"Suggested narrower permission set",
		`"Sid": "UsedLambda"`, `"lambda:ListFunctions"`,
		"AWS managed policy PowerUserAccess: not expanded",
		"Resource is \"*\"",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("insights output lacks %q:\n%s", want, stdout)
		}
	}

	// alice sees her own; a bad window is a usage error that says how.
	env["ELEVATE_TOKEN"] = info.Users["alice"].Token
	code, stdout, _ = runCLI(t, env, "insights")
	if code != 0 || !strings.Contains(stdout, "your own") {
		t.Errorf("alice's insights: exit %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, env, "insights", "--since", "lately")
	if code != 2 || !strings.Contains(stderr, "like 90d") {
		t.Errorf("insights --since lately: exit %d, %s; want 2 and how to write it", code, stderr)
	}
}
