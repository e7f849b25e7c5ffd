package aws

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/awsemu/iamsim"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func deny(account, ps, user string, at time.Time) access.SessionDeny {
	return access.SessionDeny{AccountID: account, PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/" + ps, PermissionSetName: ps, UserID: user, RevokedAt: at}
}

func TestRenderSCPGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		denies     []access.SessionDeny
		statements int
		contains   []string
	}{
		{"none: an inert statement", nil, 1, []string{`"Sid":"ElevateEndSessionsNone"`, `"1970-01-01T00:00:00Z"`}},
		{"one", []access.SessionDeny{deny("111111111111", "Admin", "u-1", t0)}, 1, []string{
			`"aws:PrincipalArn":["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*"]`,
			`"aws:TokenIssueTime":"2026-12-07T10:00:00Z"`, `"identitystore:userId":["u-1"]`}},
		{"same second and permission set share a statement", []access.SessionDeny{
			deny("111111111111", "Admin", "u-2", t0.Add(300*time.Millisecond)), deny("111111111111", "Admin", "u-1", t0.Add(900*time.Millisecond)),
		}, 1, []string{`"identitystore:userId":["u-1","u-2"]`, `"aws:TokenIssueTime":"2026-12-07T10:00:01Z"`}},
		{"one user's permission sets at once share a statement", []access.SessionDeny{
			deny("111111111111", "Admin", "u-1", t0), deny("111111111111", "Read", "u-1", t0),
		}, 1, []string{`AWSReservedSSO_Admin_*","arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Read_*"]`}},
		{"another second, account or permission set does not", []access.SessionDeny{
			deny("111111111111", "Admin", "u-1", t0), deny("111111111111", "Admin", "u-2", t0.Add(time.Second)),
			deny("222222222222", "Admin", "u-3", t0), deny("111111111111", "Read", "u-4", t0),
		}, 4, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := RenderSCP("aws", tc.denies)
			if err != nil {
				t.Fatal(err)
			}
			var parsed struct{ Statement []map[string]any }
			if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, doc)
			}
			if len(parsed.Statement) != tc.statements {
				t.Errorf("%d statements, want %d:\n%s", len(parsed.Statement), tc.statements, doc)
			}
			for _, want := range tc.contains {
				if !strings.Contains(doc, want) {
					t.Errorf("document lacks %s:\n%s", want, doc)
				}
			}
			again, _ := RenderSCP("aws", tc.denies)
			if again != doc {
				t.Errorf("rendering is not deterministic")
			}
		})
	}
}

// TestRenderSCPOverflow: 300 revocations of distinct users in an hour do
// not fit an SCP; RenderSCP says so with the sizes instead of writing a
// document AWS would refuse.
func TestRenderSCPOverflow(t *testing.T) {
	t.Parallel()
	var denies []access.SessionDeny
	fits := 0
	for i := range 300 {
		denies = append(denies, deny("111111111111", "Admin", "906712345a-1b2c3d4e-5f6a-7b8c-9d0e-"+strings.Repeat("0", 8)+string(rune('a'+i%26))+string(rune('a'+i/26)), t0.Add(time.Duration(i)*12*time.Second)))
		if fits == len(denies)-1 {
			if _, err := RenderSCP("aws", denies); err == nil {
				fits = len(denies)
			}
		}
	}
	_, err := RenderSCP("aws", denies)
	var full *PolicyFullError
	if !errors.As(err, &full) || full.Limit != SCPMaxChars || full.Chars <= SCPMaxChars || full.Mechanism != access.DenyViaSCP {
		t.Fatalf("300 revocations: %v, want a PolicyFullError", err)
	}
	if fits < 10 {
		t.Fatalf("only %d separate revocations fit the SCP", fits)
	}
	t.Logf("separate revocations (one statement each) that fit one SCP: %d", fits)
}

// TestMergeInlineKeepsOperatorStatements: elevate's statements are added
// to and removed from the inline policy; the operator's statements stay
// byte for byte, in order, whatever their formatting.
func TestMergeInlineKeepsOperatorStatements(t *testing.T) {
	t.Parallel()
	op1 := "{\n    \"Sid\": \"OperatorS3\",\n    \"Effect\": \"Allow\",  \"Action\": [\"s3:Get*\"],\n    \"Resource\": \"*\"\n  }"
	op2 := `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}`
	current := "{\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"ops\",\n  \"Statement\": [\n  " + op1 + ",\n  " + op2 + "\n  ]\n}\n"

	m, err := MergeInline(current, []access.SessionDeny{deny("111111111111", "Admin", "u-1", t0), deny("222222222222", "Admin", "u-2", t0)})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Changed || strings.Join(m.Accounts, ",") != "111111111111,222222222222" {
		t.Fatalf("merge = %+v", m)
	}
	if !strings.Contains(m.Doc, op1+","+op2+",") || !strings.Contains(m.Doc, `"Id":"ops"`) || !json.Valid([]byte(m.Doc)) {
		t.Fatalf("operator statements not kept byte for byte:\n%s", m.Doc)
	}
	if !strings.Contains(m.Doc, `"aws:PrincipalAccount":["111111111111"]`) || strings.Count(m.Doc, `"Sid":"ElevateEndSessions`) != 2 {
		t.Fatalf("elevate statements:\n%s", m.Doc)
	}

	// The same denies again: nothing changes.
	again, err := MergeInline(m.Doc, []access.SessionDeny{deny("111111111111", "Admin", "u-1", t0), deny("222222222222", "Admin", "u-2", t0)})
	if err != nil || again.Changed || len(again.Accounts) != 0 {
		t.Fatalf("idempotent merge = %+v, %v", again, err)
	}
	// One expires: only its account changes.
	one, err := MergeInline(m.Doc, []access.SessionDeny{deny("222222222222", "Admin", "u-2", t0)})
	if err != nil || strings.Join(one.Accounts, ",") != "111111111111" || strings.Contains(one.Doc, "111111111111") {
		t.Fatalf("after one expired = %+v, %v", one, err)
	}
	// All expire: the operator's statements remain, unchanged.
	none, err := MergeInline(one.Doc, nil)
	if err != nil || strings.Contains(none.Doc, DenySidPrefix) || !strings.Contains(none.Doc, op1+","+op2+"]") {
		t.Fatalf("after all expired = %+v, %v", none, err)
	}
	// Without operator statements, the inline policy goes away.
	bare, err := MergeInline("", []access.SessionDeny{deny("111111111111", "Admin", "u-1", t0)})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := MergeInline(bare.Doc, nil)
	if err != nil || gone.Doc != "" || !gone.Changed {
		t.Fatalf("bare merge removed = %+v, %v", gone, err)
	}
	// A single statement object is kept too.
	single := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	s, err := MergeInline(single, []access.SessionDeny{deny("111111111111", "Admin", "u-1", t0)})
	if err != nil || !strings.Contains(s.Doc, `[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"ElevateEndSessions1"`) {
		t.Fatalf("single statement = %+v, %v", s, err)
	}
	if _, err := MergeInline("not json", nil); err == nil {
		t.Fatal("a malformed inline policy was accepted")
	}
}

// TestSessionDenyEvaluated writes the statements through the provider to
// the emulator, for each mechanism, and has the independent simulator
// evaluate the policies in force: the revoked user's session issued before
// the revocation is denied; a session of the same user issued after it, of
// another user, and of the same user through another permission set are
// allowed; once the statements are removed the old session is no longer
// denied by them.
func TestSessionDenyEvaluated(t *testing.T) {
	t.Parallel()
	sim := iamsim.New(t)
	for _, mech := range []access.SessionDenyMechanism{access.DenyViaSCP, access.DenyViaInline} {
		t.Run(string(mech), func(t *testing.T) {
			t.Parallel()
			clock := t0
			env := newEnv(t, awsemu.Options{Now: func() time.Time { return clock }})
			ctx := t.Context()
			admin, read := env.emu.PermissionSetARN("AdministratorAccess"), env.emu.PermissionSetARN("ReadOnlyAccess")
			prod := env.emu.AccountID("prod")
			for _, a := range []access.Assignment{env.assignment("prod", "AdministratorAccess", "alice"), env.assignment("prod", "AdministratorAccess", "bob"),
				env.assignment("prod", "ReadOnlyAccess", "alice")} {
				if _, err := env.p.CreateAssignment(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			operator := `{"Version":"2012-10-17","Statement":[{"Sid":"Operator","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`
			env.emu.SetInlinePolicy(admin, operator)
			open := func(user, ps string) awsemu.Session {
				s, err := env.emu.OpenSession(env.emu.UserID(user), prod, ps)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			aliceOld, bobOld, aliceRead := open("alice", admin), open("bob", admin), open("alice", read)
			clock = clock.Add(10 * time.Minute)
			revokedAt := clock
			d := access.SessionDeny{AccountID: prod, PermissionSetARN: admin, PermissionSetName: "AdministratorAccess", UserID: env.emu.UserID("alice"), RevokedAt: revokedAt, Mechanism: mech}
			apply := func(ds []access.SessionDeny) {
				var err error
				if mech == access.DenyViaSCP {
					err = env.p.ApplySCPDeny(ctx, ds)
				} else {
					err = env.p.ApplyInlineDeny(ctx, admin, ds, []string{prod})
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			apply([]access.SessionDeny{d})
			if mech == access.DenyViaInline {
				if got := env.emu.InlinePolicy(admin); !strings.Contains(got, `{"Sid":"Operator","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"},{"Sid":"ElevateEndSessions1"`) {
					t.Fatalf("inline policy = %s", got)
				}
			} else if got := env.emu.SCPNames(); len(got) != 1 || got[0] != DefaultSessionDenySCPName {
				t.Fatalf("SCPs = %v", got)
			}
			clock = clock.Add(time.Minute)
			aliceNew := open("alice", admin)
			check := func(stage string, want map[string]string, reqs map[string]iamsim.Request) {
				t.Helper()
				var names []string
				var list []iamsim.Request
				for n, r := range reqs {
					names = append(names, n)
					list = append(list, r)
				}
				got, err := sim.Evaluate(ctx, list)
				if err != nil {
					t.Fatal(err)
				}
				for i, n := range names {
					if got[i] != want[n] {
						t.Errorf("%s: %s = %s, want %s", stage, n, got[i], want[n])
					}
				}
			}
			reqs := map[string]iamsim.Request{
				"alice's session issued before the revocation":               iamsim.SessionRequest(env.emu, aliceOld, time.Time{}),
				"alice's session issued in the second before the revocation": iamsim.SessionRequest(env.emu, aliceOld, revokedAt.Add(-time.Second)),
				"alice's session issued after the revocation":                iamsim.SessionRequest(env.emu, aliceNew, time.Time{}),
				"bob's session": iamsim.SessionRequest(env.emu, bobOld, time.Time{}),
				"alice's session of another permission set": iamsim.SessionRequest(env.emu, aliceRead, time.Time{}),
			}
			check("in force", map[string]string{
				"alice's session issued before the revocation":               iamsim.ExplicitlyDenied,
				"alice's session issued in the second before the revocation": iamsim.ExplicitlyDenied,
				"alice's session issued after the revocation":                iamsim.Allowed,
				"bob's session": iamsim.Allowed,
				"alice's session of another permission set": iamsim.Allowed,
			}, reqs)

			apply(nil) // the statement expired
			check("removed", map[string]string{"alice's session issued before the revocation": iamsim.Allowed},
				map[string]iamsim.Request{"alice's session issued before the revocation": iamsim.SessionRequest(env.emu, aliceOld, time.Time{})})
			if mech == access.DenyViaInline && env.emu.InlinePolicyInForce(prod, admin) != operator {
				t.Fatalf("inline policy after removal = %s, want the operator's unchanged", env.emu.InlinePolicyInForce(prod, admin))
			}
		})
	}
}

// TestApplySCPDenyOverflow: the provider refuses to write an SCP over the
// limit and returns a PolicyFullError, the signal to fall back.
func TestApplySCPDenyOverflow(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	prod := env.emu.AccountID("prod")
	var ds []access.SessionDeny
	for i := range 300 {
		ds = append(ds, access.SessionDeny{AccountID: prod, PermissionSetName: "AdministratorAccess", UserID: strings.Repeat("u", 30) + string(rune('a'+i%26)) + string(rune('a'+i/26)), RevokedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	var full *PolicyFullError
	if err := env.p.ApplySCPDeny(t.Context(), ds); !errors.As(err, &full) {
		t.Fatalf("ApplySCPDeny of 300 = %v, want PolicyFullError", err)
	}
	if got := env.emu.SCPNames(); len(got) != 0 {
		t.Fatalf("an SCP was written: %v", got)
	}
}
