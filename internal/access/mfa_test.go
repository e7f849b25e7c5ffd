package access

import (
	"strings"
	"testing"
	"time"
)

func TestCheckApproverMFA(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	portal := func(p SignInProof) Actor { return Actor{UserID: "u-bob", UserName: "bob", Via: ViaPortal, SignIn: p} }
	mfa := func(ago time.Duration) SignInProof {
		return SignInProof{Method: "oidc", At: now.Add(-ago), Context: "amr mfa pwd", MFA: true}
	}
	for _, tc := range []struct {
		name   string
		actor  Actor
		maxAge time.Duration
		want   string // "" accepted, else a part of the refusal
	}{
		{"no requirement", Actor{UserID: "u-bob", Via: ViaAPI}, 0, ""},
		{"fresh OIDC MFA", portal(mfa(5 * time.Minute)), 15 * time.Minute, ""},
		{"exactly at the window", portal(mfa(15 * time.Minute)), 15 * time.Minute, ""},
		{"one second past the window", portal(mfa(15*time.Minute + time.Second)), 15 * time.Minute, "yours was 15m 1s ago: sign in again"},
		{"an hour old", portal(mfa(time.Hour)), 10 * time.Minute, "within the last 10m, and yours was 1h ago"},
		{"fresh SAML MFA", portal(SignInProof{Method: "saml", At: now.Add(-time.Minute), Context: "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken", MFA: true}), 15 * time.Minute, ""},
		{"fresh sign-in without MFA", portal(SignInProof{Method: "oidc", At: now, Context: "amr pwd"}), 15 * time.Minute, "your sign-in (oidc (amr pwd)) did not prove it"},
		{"SAML password only", portal(SignInProof{Method: "saml", At: now, Context: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}), 15 * time.Minute, "did not prove it"},
		{"demo sign-in", portal(SignInProof{Method: "demo"}), 15 * time.Minute, "your sign-in (demo) did not prove it"},
		{"sign-in link", portal(SignInProof{Method: "link"}), 15 * time.Minute, "your sign-in (link) did not prove it"},
		{"MFA without a time", portal(SignInProof{Method: "oidc", Context: "amr mfa", MFA: true}), 15 * time.Minute, "did not say when you signed in"},
		{"in the future within the skew", portal(mfa(-30 * time.Second)), 15 * time.Minute, ""},
		{"in the future past the skew", portal(mfa(-5 * time.Minute)), 15 * time.Minute, "is in the future"},
		{"API token", Actor{UserID: "u-bob", Via: ViaAPI, SignIn: mfa(0)}, 15 * time.Minute, "which an API token can't prove: approve it in the portal (/requests/req_1)"},
		{"CLI token", Actor{UserID: "u-bob", Via: ViaCLI}, 15 * time.Minute, "an API token can't prove"},
		{"Slack button", Actor{UserID: "u-bob", Via: ViaSlack}, 15 * time.Minute, "which a Slack button can't prove: approve it in the portal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckApproverMFA(tc.actor, "req_1", tc.maxAge, now)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want a refusal saying %q", tc.want)
			}
			if ErrorCode(err) != CodeApproverMFARequired || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("refusal %s %q, want code %s saying %q", ErrorCode(err), err, CodeApproverMFARequired, tc.want)
			}
		})
	}
}
