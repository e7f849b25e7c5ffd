package app_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/cli"
	"github.com/elevate/elevate/internal/config"
)

// policyYAML is applied through `elevate policy apply` by the end-to-end test.
const policyYAML = `settings:
  min_duration: 1s
  approval_timeout: 1h
rules:
  - name: engineers-power-workloads
    groups: [engineers]
    ous: [Workloads]
    nested_ous: true
    permission_sets: [PowerUserAccess]
    max_duration: 2h
    approvals: 1
  - name: engineers-readonly-nonprod
    groups: [engineers]
    ous: [NonProd]
    permission_sets: [ReadOnlyAccess]
    max_duration: 4h
  - name: auditors-admin-audit
    groups: [auditors]
    accounts: [audit]
    permission_sets: [AdministratorAccess]
    approvals: 1
    approver_users: [carol]
approver_rules:
  - name: everyone
    accounts: ["*"]
    groups: [approvers]
  - name: prod-power
    ous: [Prod]
    permission_sets: [PowerUserAccess]
    users: [carol]
`

// runCLI runs an elevate command against the test app as user.
func runCLI(t *testing.T, e *testEnv, user string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		switch k {
		case "ELEVATE_SERVER":
			return e.app.URL()
		case "ELEVATE_TOKEN":
			return e.tokens[user]
		}
		return ""
	}}
	if code := cli.RunEnv(t.Context(), env, args); code != 0 {
		return out.String(), &cliError{code: code, stderr: errOut.String()}
	}
	return out.String(), nil
}

type cliError struct {
	code   int
	stderr string
}

func (e *cliError) Error() string { return e.stderr }

func TestPolicyAsCodeEndToEnd(t *testing.T) {
	forEachEngine(t, testPolicyAsCodeEndToEnd)
}

func testPolicyAsCodeEndToEnd(t *testing.T, engine func(*config.Config)) {
	e := start(t, engine)
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(file, []byte(policyYAML), 0o600); err != nil {
		t.Fatal(err)
	}

	// Only admins plan and apply.
	if _, err := runCLI(t, e, "alice", "policy", "apply", "-f", file); err == nil || !strings.Contains(err.Error(), "only admins may") {
		t.Fatalf("alice applies a policy: %v", err)
	}
	out, err := runCLI(t, e, "erin", "policy", "plan", "-f", file)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	for _, want := range []string{"+ rule engineers-power-workloads added", "- rule alice-admin-prod removed", "+ approver rule prod-power added", "~ settings changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if out, err = runCLI(t, e, "erin", "policy", "apply", "-f", file); err != nil || !strings.Contains(out, "Applied: the policy is now revision 1.") {
		t.Fatalf("apply: %v\n%s", err, out)
	}

	// Unchanged document: no changes; export then apply is a no-op.
	if out, err = runCLI(t, e, "erin", "policy", "plan", "-f", file); err != nil || !strings.Contains(out, "No changes") {
		t.Errorf("plan of the applied document: %v\n%s", err, out)
	}
	exported := filepath.Join(dir, "exported.yaml")
	if _, err = runCLI(t, e, "erin", "policy", "export", "-o", exported); err != nil {
		t.Fatalf("export: %v", err)
	}
	if out, err = runCLI(t, e, "erin", "policy", "plan", "-f", exported); err != nil || !strings.Contains(out, "No changes") {
		t.Errorf("plan of the exported document: %v\n%s", err, out)
	}
	if out, err = runCLI(t, e, "erin", "policy", "apply", "-f", exported); err != nil || !strings.Contains(out, "Nothing to apply") {
		t.Errorf("apply of the exported document: %v\n%s", err, out)
	}
	if doc, err := e.client(t, "erin").ExportPolicy(t.Context()); err != nil || doc.Revision != 1 {
		t.Errorf("after export+apply the revision is %+v, %v; want 1", doc, err)
	}

	// An invalid document is refused with the line of each unresolved name, and changes nothing.
	bad := strings.Replace(policyYAML, "groups: [auditors]", "groups: [auditorz]", 1)
	badFile := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badFile, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = runCLI(t, e, "erin", "policy", "apply", "-f", badFile); err == nil || !strings.Contains(err.Error(), `line 18: rules[2].groups[0]: group "auditorz" is not in the directory`) {
		t.Errorf("apply of an invalid document: %v", err)
	}
	if doc, _ := e.client(t, "erin").ExportPolicy(t.Context()); doc == nil || doc.Revision != 1 {
		t.Errorf("an invalid apply changed the policy: %+v", doc)
	}

	// Requests are decided by the applied policy, against the synced directory.
	ctx := t.Context()
	alice := e.client(t, "alice")
	req := func(c *client.Client, account, ps string) (*client.Request, error) {
		return c.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{account}, PermissionSet: ps, Duration: time.Hour, Justification: "policy e2e"})
	}
	approvers := func(r *client.Request) string {
		var names []string
		for _, a := range r.Approvers {
			names = append(names, a.UserName)
		}
		slices.Sort(names)
		return strings.Join(names, ",")
	}
	r, err := req(alice, "prod", "PowerUserAccess")
	if err != nil {
		t.Fatalf("alice PowerUserAccess on prod: %v", err)
	}
	if r.Rule != "engineers-power-workloads" || r.ApprovalsRequired != 1 || approvers(r) != "carol" || r.Status != client.StatusPending {
		t.Errorf("prod PowerUser: rule %s, %d approvals from %s, status %s; want engineers-power-workloads, 1 from carol (approver rule prod-power), pending",
			r.Rule, r.ApprovalsRequired, approvers(r), r.Status)
	}
	if r, err = req(alice, "staging", "PowerUserAccess"); err != nil || approvers(r) != "bob,carol" {
		t.Errorf("staging PowerUser: %v, approvers %s; want bob,carol from the root approver rule", err, approvers(r))
	}
	if r, err = req(alice, "dev", "ReadOnlyAccess"); err != nil || r.Rule != "engineers-readonly-nonprod" || r.ApprovalsRequired != 0 || len(r.Approvers) != 0 {
		t.Errorf("dev ReadOnly: %v, %+v; want rule engineers-readonly-nonprod without approval", err, r)
	}
	if r, err = req(e.client(t, "dave"), "audit", "AdministratorAccess"); err != nil || r.Rule != "auditors-admin-audit" || approvers(r) != "carol" {
		t.Errorf("dave Admin on audit: %v, %+v; want the rule's own approver carol", err, r)
	}
	// Without eligibility: refused at once, saying why.
	_, err = req(e.client(t, "bob"), "prod", "PowerUserAccess")
	if apiCode(err) != "not_eligible" || !strings.Contains(err.Error(), "no rule lets bob request PowerUserAccess on account prod") {
		t.Errorf("bob without eligibility: %v", err)
	}
	// The configuration's rule was replaced by the applied document.
	if _, err = req(alice, "prod", "AdministratorAccess"); apiCode(err) != "not_eligible" {
		t.Errorf("alice Admin on prod after apply: %v, want not_eligible", err)
	}
	// Eligibility lists exactly what the policy offers.
	el, err := alice.Eligibility(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for _, x := range el {
		pairs = append(pairs, x.Account.Name+"/"+x.PermissionSet.Name)
	}
	if got, want := strings.Join(pairs, " "), "dev/PowerUserAccess dev/ReadOnlyAccess prod/PowerUserAccess staging/PowerUserAccess staging/ReadOnlyAccess"; got != want {
		t.Errorf("alice's eligibility: %s\nwant %s", got, want)
	}

	// Explain: through the API for admins, auditors and oneself; and the CLI.
	ex, err := e.client(t, "dave").Explain(ctx, client.ExplainInput{User: "alice", Account: "prod", PermissionSet: "PowerUserAccess"})
	if err != nil {
		t.Fatalf("dave explains alice: %v", err)
	}
	if !ex.Allowed || ex.Rule != "engineers-power-workloads" || len(ex.Rules) != 3 || len(ex.ApproverRules) != 2 ||
		len(ex.Approvers) != 1 || ex.Approvers[0].UserName != "carol" || ex.Approvers[0].Via[0] != "user" {
		t.Errorf("explain: %+v", ex)
	}
	if _, err := alice.Explain(ctx, client.ExplainInput{User: "bob", Account: "prod", PermissionSet: "PowerUserAccess"}); apiCode(err) != "forbidden" {
		t.Errorf("alice explains bob: %v, want forbidden", err)
	}
	out, err = runCLI(t, e, "bob", "policy", "explain", "--account", "staging", "--permission-set", "PowerUserAccess")
	if err != nil || !strings.Contains(out, "REFUSED: no rule lets bob") || !strings.Contains(out, "bob is not named and is in none of its groups (engineers)") {
		t.Errorf("bob explains himself: %v\n%s", err, out)
	}
	out, err = runCLI(t, e, "erin", "policy", "explain", "--user", "alice", "--account", "staging", "--permission-set", "PowerUserAccess")
	if err != nil || !strings.Contains(out, "ALLOWED: alice may request PowerUserAccess on staging") || !strings.Contains(out, "carol                via group approvers") {
		t.Errorf("erin explains alice: %v\n%s", err, out)
	}
}
