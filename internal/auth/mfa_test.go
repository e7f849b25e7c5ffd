package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/elevate/elevate/internal/access"
)

// TestOIDCFreshness: what an ID token's claims prove (OIDCProof), whether a
// step-up accepts it (checkStepUp), and whether an approval under a rule's
// approver_mfa accepts the session it starts (access.CheckApproverMFA).
func TestOIDCFreshness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) float64 { return float64(now.Add(-d).Unix()) }
	const window = 15 * time.Minute
	for _, tc := range []struct {
		name     string
		claims   map[string]any
		amr, acr []string // accepted; amr default "mfa"
		mfa      bool     // the proof is multi-factor
		context  string
		stepUp   string // "" accepted, else part of the refusal
		approval string // "" accepted, else part of the refusal
	}{
		{name: "fresh mfa", claims: map[string]any{"auth_time": ago(time.Minute), "amr": []any{"pwd", "mfa"}},
			mfa: true, context: "amr pwd mfa"},
		{name: "mfa at the window's edge", claims: map[string]any{"auth_time": ago(window), "amr": []any{"mfa"}},
			mfa: true, context: "amr mfa"},
		{name: "mfa an hour old", claims: map[string]any{"auth_time": ago(time.Hour), "amr": []any{"mfa"}},
			mfa: true, context: "amr mfa", stepUp: "it reused a sign-in from", approval: "yours was 1h ago"},
		{name: "password only", claims: map[string]any{"auth_time": ago(0), "amr": []any{"pwd"}},
			context: "amr pwd", stepUp: "it said amr pwd, and elevate accepts amr mfa", approval: "did not prove it"},
		{name: "no amr", claims: map[string]any{"auth_time": ago(0)},
			stepUp: "it said nothing about how", approval: "did not prove it"},
		{name: "no auth_time", claims: map[string]any{"amr": []any{"mfa"}},
			mfa: true, context: "amr mfa", stepUp: "no auth_time", approval: "did not say when"},
		{name: "auth_time as a string", claims: map[string]any{"auth_time": "1796721600", "amr": []any{"mfa"}}, // 2026-12-08T09:20:00Z
			mfa: true, context: "amr mfa", stepUp: "it reused a sign-in from 2026-12-08T09:20:00Z", approval: "yours was 40m ago"},
		{name: "auth_time garbage", claims: map[string]any{"auth_time": "yesterday", "amr": []any{"mfa"}},
			mfa: true, context: "amr mfa", stepUp: "no auth_time", approval: "did not say when"},
		{name: "auth_time in the future", claims: map[string]any{"auth_time": ago(-10 * time.Minute), "amr": []any{"mfa"}},
			mfa: true, context: "amr mfa", stepUp: "in the future", approval: "in the future"},
		{name: "configured hwk", claims: map[string]any{"auth_time": ago(0), "amr": []any{"hwk"}}, amr: []string{"hwk", "otp"},
			mfa: true, context: "amr hwk"},
		{name: "mfa not accepted when hwk and otp configured", claims: map[string]any{"auth_time": ago(0), "amr": []any{"mfa"}}, amr: []string{"hwk", "otp"},
			context: "amr mfa", stepUp: "elevate accepts amr hwk, otp", approval: "did not prove it"},
		{name: "configured acr", claims: map[string]any{"auth_time": ago(0), "amr": []any{"pwd"}, "acr": "phr"}, acr: []string{"phr", "phrh"},
			mfa: true, context: "amr pwd, acr phr"},
		{name: "acr not configured", claims: map[string]any{"auth_time": ago(0), "acr": "phr"},
			context: "acr phr", stepUp: "did not prove", approval: "did not prove it"},
		{name: "amr not a list", claims: map[string]any{"auth_time": ago(0), "amr": "mfa"},
			stepUp: "it said nothing about how", approval: "did not prove it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			amr := tc.amr
			if amr == nil {
				amr = DefaultMFAAMR
			}
			p := OIDCProof(tc.claims, amr, tc.acr)
			if p.Method != "oidc" || p.MFA != tc.mfa || p.Context != tc.context {
				t.Fatalf("proof %+v, want oidc, mfa %v, context %q", p, tc.mfa, tc.context)
			}
			accepted := acceptedWords("amr", amr)
			wantMFARefusal(t, "step-up", checkStepUp(p, window, now, accepted), tc.stepUp)
			a := access.Actor{UserID: "u-bob", Via: access.ViaPortal, SignIn: p}
			wantMFARefusal(t, "approval", access.CheckApproverMFA(a, "req_1", window, now), tc.approval)
		})
	}
}

// TestSAMLFreshness: what an assertion's AuthnStatements prove (SAMLProof),
// and whether a step-up and an approval accept it.
func TestSAMLFreshness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	const (
		window   = 10 * time.Minute
		password = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
		token    = "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken"
		refeds   = "https://refeds.org/profile/mfa"
	)
	stmt := func(ago time.Duration, class string) saml.AuthnStatement {
		st := saml.AuthnStatement{AuthnInstant: now.Add(-ago)}
		if class != "" {
			st.AuthnContext.AuthnContextClassRef = &saml.AuthnContextClassRef{Value: class}
		}
		return st
	}
	for _, tc := range []struct {
		name     string
		stmts    []saml.AuthnStatement
		classes  []string // accepted; default DefaultMFAClasses
		mfa      bool
		context  string
		stepUp   string
		approval string
	}{
		{name: "fresh time-sync token", stmts: []saml.AuthnStatement{stmt(time.Minute, token)}, mfa: true, context: token},
		{name: "fresh REFEDS MFA", stmts: []saml.AuthnStatement{stmt(0, refeds)}, mfa: true, context: refeds},
		{name: "password", stmts: []saml.AuthnStatement{stmt(0, password)}, context: password,
			stepUp: "elevate accepts AuthnContextClassRef urn:", approval: "did not prove it"},
		{name: "old token", stmts: []saml.AuthnStatement{stmt(2*time.Hour, token)}, mfa: true, context: token,
			stepUp: "it reused a sign-in", approval: "yours was 2h ago"},
		{name: "no class", stmts: []saml.AuthnStatement{stmt(0, "")}, stepUp: "it said nothing about how", approval: "did not prove it"},
		{name: "no AuthnStatement", stepUp: "no AuthnInstant", approval: "did not prove it"},
		{name: "the latest statement counts", stmts: []saml.AuthnStatement{stmt(time.Hour, token), stmt(time.Minute, password)}, context: password,
			stepUp: "did not prove", approval: "did not prove it"},
		{name: "the latest statement counts, either order", stmts: []saml.AuthnStatement{stmt(time.Minute, token), stmt(time.Hour, password)}, mfa: true, context: token},
		{name: "configured password class", stmts: []saml.AuthnStatement{stmt(0, password)}, classes: []string{password}, mfa: true, context: password},
		{name: "default not accepted when configured", stmts: []saml.AuthnStatement{stmt(0, token)}, classes: []string{refeds}, context: token,
			stepUp: "elevate accepts AuthnContextClassRef https://refeds.org/profile/mfa", approval: "did not prove it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			classes := tc.classes
			if classes == nil {
				classes = DefaultMFAClasses
			}
			p := SAMLProof(&saml.Assertion{AuthnStatements: tc.stmts}, classes)
			if p.Method != "saml" || p.MFA != tc.mfa || p.Context != tc.context {
				t.Fatalf("proof %+v, want saml, mfa %v, context %q", p, tc.mfa, tc.context)
			}
			wantMFARefusal(t, "step-up", checkStepUp(p, window, now, acceptedWords("AuthnContextClassRef", classes)), tc.stepUp)
			a := access.Actor{UserID: "u-bob", Via: access.ViaPortal, SignIn: p}
			wantMFARefusal(t, "approval", access.CheckApproverMFA(a, "req_1", window, now), tc.approval)
		})
	}
}

func wantMFARefusal(t *testing.T, what string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s refused: %v", what, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s accepted, want a refusal saying %q", what, want)
		return
	}
	if access.ErrorCode(err) != access.CodeApproverMFARequired || !strings.Contains(err.Error(), want) {
		t.Errorf("%s refused with %s %q, want %s saying %q", what, access.ErrorCode(err), err, access.CodeApproverMFARequired, want)
	}
}

func TestParseMaxAge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"900", 15 * time.Minute, true}, {"0", 0, true}, {"86400", 24 * time.Hour, true},
		{"86401", 0, false}, {"-1", 0, false}, {"15m", 0, false}, {"1e3", 0, false},
	} {
		got, ok := parseMaxAge(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMaxAge(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
