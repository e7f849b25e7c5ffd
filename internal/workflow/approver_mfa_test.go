package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// TestApproverMFA: under a rule with approver_mfa, the approve use case
// accepts an approval only from a portal session whose sign-in proved
// multi-factor authentication within max_age, after the approver checks
// (self-approval and strangers keep their own refusals), and records which
// sign-in proved it and when; a token or a Slack button is refused with
// approver_mfa_required naming the portal; rejecting needs no fresh sign-in.
func TestApproverMFA(t *testing.T) {
	t.Parallel()
	svc, _, _ := newServiceWithRule(t, policy.Rule{
		Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"},
		MaxDuration: time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"},
		ApproverMFA: &policy.ApproverMFA{MaxAge: 15 * time.Minute},
	})
	ctx := context.Background()
	alice := access.Actor{UserID: "u-alice", UserName: "alice", Via: access.ViaAPI}
	submit := func() *access.Request {
		t.Helper()
		r, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin", Duration: 30 * time.Minute, Justification: "deploy"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := submit()
	if got, err := svc.ApproverMFA(ctx, access.Actor{UserID: "u-bob", UserName: "bob", Via: access.ViaPortal}, r.ID); err != nil || got != 15*time.Minute {
		t.Fatalf("ApproverMFA = %v, %v; want 15m", got, err)
	}
	fresh := access.SignInProof{Method: "oidc", At: time.Now().Add(-2 * time.Minute), Context: "amr mfa pwd", MFA: true}
	bob := func(via access.Via, p access.SignInProof) access.Actor {
		return access.Actor{UserID: "u-bob", UserName: "bob", Groups: []string{"g-approvers"}, Via: via, SignIn: p}
	}
	for _, tc := range []struct {
		name  string
		actor access.Actor
		code  access.Code
		says  string
	}{
		{"API token", bob(access.ViaAPI, access.SignInProof{}), access.CodeApproverMFARequired, "which an API token can't prove: approve it in the portal (/requests/" + r.ID + ")"},
		{"Slack button", bob(access.ViaSlack, access.SignInProof{}), access.CodeApproverMFARequired, "which a Slack button can't prove"},
		{"portal, demo sign-in", bob(access.ViaPortal, access.SignInProof{Method: "demo"}), access.CodeApproverMFARequired, "your sign-in (demo) did not prove it"},
		{"portal, password only", bob(access.ViaPortal, access.SignInProof{Method: "oidc", At: time.Now(), Context: "amr pwd"}), access.CodeApproverMFARequired, "did not prove it"},
		{"portal, MFA an hour ago", bob(access.ViaPortal, access.SignInProof{Method: "oidc", At: time.Now().Add(-time.Hour), Context: "amr mfa", MFA: true}),
			access.CodeApproverMFARequired, "and yours was 1h"},
		{"the requester, fresh MFA", access.Actor{UserID: "u-alice", UserName: "alice", Via: access.ViaPortal, SignIn: fresh}, access.CodeSelfApproval, ""},
	} {
		_, err := svc.Approve(ctx, tc.actor, r.ID, "ok")
		if access.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v (%s), want %s saying %q", tc.name, err, access.ErrorCode(err), tc.code, tc.says)
		}
	}
	if got, err := svc.GetRequest(ctx, alice, r.ID); err != nil || got.Status != access.StatusPending || len(got.Approvals) != 0 {
		t.Fatalf("after the refusals: %+v, %v; want pending without approvals", got, err)
	}

	got, err := svc.Approve(ctx, bob(access.ViaPortal, fresh), r.ID, "ok")
	if err != nil || got.Status != access.StatusScheduled {
		t.Fatalf("approval with a fresh MFA sign-in: %+v, %v", got, err)
	}
	evs, err := svc.RequestEvents(ctx, alice, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var approved *access.Event
	for i := range evs {
		if evs[i].Type == access.EventApproved {
			approved = &evs[i]
		}
	}
	if approved == nil {
		t.Fatalf("no approval in the decision log: %+v", evs)
	}
	for k, want := range map[string]string{"mfa_method": "oidc", "mfa_context": "amr mfa pwd", "mfa_at": fresh.At.UTC().Format(time.RFC3339), "mfa_max_age": "15m0s"} {
		if approved.Details[k] != want {
			t.Errorf("approval event %s = %q, want %q (details %v)", k, approved.Details[k], want, approved.Details)
		}
	}

	// Rejecting refuses access: no fresh sign-in is needed for it.
	r2 := submit()
	if got, err := svc.Reject(ctx, bob(access.ViaAPI, access.SignInProof{}), r2.ID, "no"); err != nil || got.Status != access.StatusRejected {
		t.Fatalf("reject with a token: %+v, %v", got, err)
	}
}

// TestSessionKeepsTheSignInProof: what a sign-in proved is kept with the
// session and comes back with its actor.
func TestSessionKeepsTheSignInProof(t *testing.T) {
	t.Parallel()
	svc, _, _ := newServiceWithRule(t, policy.Rule{Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"}, MaxDuration: time.Hour})
	ctx := context.Background()
	bob, err := svc.ActorByLogin(ctx, "bob", access.ViaPortal)
	if err != nil {
		t.Fatal(err)
	}
	proof := access.SignInProof{Method: "saml", At: time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond),
		Context: "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken", MFA: true}
	sec, err := svc.StartSession(ctx, bob, proof, "bob@example.com", access.SessionTimeouts{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.SessionActor(ctx, sec, access.SessionTimeouts{})
	if err != nil {
		t.Fatal(err)
	}
	if a.SignIn != proof {
		t.Fatalf("session actor's sign-in %+v, want %+v", a.SignIn, proof)
	}
}
