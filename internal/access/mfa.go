package access

import (
	"fmt"
	"strings"
	"time"
)

// SignInProof is what a portal sign-in proved about how the user
// authenticated at the identity provider.
type SignInProof struct {
	Method string // oidc, saml, demo or link
	// At is when the identity provider authenticated the user: the ID
	// token's auth_time, the SAML AuthnInstant. Zero when it did not say
	// (and always for the demo and sign-in links).
	At time.Time
	// Context is what the identity provider said about how: "amr mfa pwd"
	// (and "acr ..."), or the SAML AuthnContextClassRef. Empty when nothing.
	Context string
	// MFA says whether Context counts as multi-factor authentication under
	// the configuration (auth.oidc.mfa_amr, auth.saml.mfa_classes).
	MFA bool
}

// String says the proof in a few words, for the decision log and errors.
func (p SignInProof) String() string {
	s := p.Method
	if s == "" {
		s = "none"
	}
	if p.Context != "" {
		s += " (" + p.Context + ")"
	}
	return s
}

// MFAClockSkew is how far in the future an identity provider's
// authentication time may be (its clock ahead of elevate's) and still count.
const MFAClockSkew = time.Minute

// CheckApproverMFA is the part of an approval's authorization that a rule's
// approver_mfa adds: the approver acts through the portal, and the sign-in
// of their session proved multi-factor authentication at most maxAge before
// now. The refusal (CodeApproverMFARequired) says what is missing and the
// fix. maxAge <= 0 needs nothing.
func CheckApproverMFA(a Actor, requestID string, maxAge time.Duration, now time.Time) error {
	if maxAge <= 0 {
		return nil
	}
	window := humanWindow(maxAge)
	if a.Via != ViaPortal {
		return Errorf(CodeApproverMFARequired, "request %s needs an approver who signed in with multi-factor authentication within the last %s, which %s can't prove: approve it in the portal (/requests/%s)",
			requestID, window, viaWords(a.Via), requestID)
	}
	p := a.SignIn
	switch {
	case !p.MFA:
		return Errorf(CodeApproverMFARequired, "request %s needs an approver who signed in with multi-factor authentication within the last %s, and your sign-in (%s) did not prove it: sign in again with multi-factor authentication, then approve",
			requestID, window, p)
	case p.At.IsZero():
		return Errorf(CodeApproverMFARequired, "request %s needs an approver who signed in with multi-factor authentication within the last %s, and your identity provider did not say when you signed in: sign in again, then approve",
			requestID, window)
	case p.At.After(now.Add(MFAClockSkew)):
		return Errorf(CodeApproverMFARequired, "request %s needs a recent multi-factor sign-in, and your identity provider's sign-in time %s is in the future (its clock is wrong): sign in again, or ask an admin to check the clocks",
			requestID, p.At.UTC().Format(time.RFC3339))
	case now.Sub(p.At) > maxAge:
		return Errorf(CodeApproverMFARequired, "request %s needs an approver who signed in with multi-factor authentication within the last %s, and yours was %s ago: sign in again, then approve",
			requestID, window, humanWindow(now.Sub(p.At).Truncate(time.Second)))
	}
	return nil
}

func viaWords(v Via) string {
	switch v {
	case ViaAPI, ViaCLI:
		return "an API token"
	case ViaSlack:
		return "a Slack button"
	case "":
		return "this channel"
	}
	return string(v)
}

// humanWindow says d as people write it: "15m", "1h 30m", "45s".
func humanWindow(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	var parts []string
	if h := d / time.Hour; h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
		d -= m * time.Minute
	}
	if s := d / time.Second; s > 0 && len(parts) < 2 {
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	return strings.Join(parts, " ")
}
