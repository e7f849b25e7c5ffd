package auth

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crewjam/saml"

	"github.com/elevate/elevate/internal/access"
)

// DefaultMFAAMR are the ID token amr values (RFC 8176) that count as a
// multi-factor sign-in unless auth.oidc.mfa_amr says otherwise.
var DefaultMFAAMR = []string{"mfa"}

// DefaultMFAClasses are the SAML AuthnContextClassRef values that count as a
// multi-factor sign-in unless auth.saml.mfa_classes says otherwise: the
// SAML 2.0 classes that need a second factor or a hardware token, the
// REFEDS MFA profile, and Microsoft Entra's multiple-authentication claim.
var DefaultMFAClasses = []string{
	"urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
	"https://refeds.org/profile/mfa",
	"http://schemas.microsoft.com/claims/multipleauthn",
}

// OIDCProof reads what an ID token's claims say about the sign-in: auth_time,
// amr and acr. It is multi-factor when amr holds one of mfaAMR, or acr is one
// of mfaACR (the acr_values elevate asks for, when configured).
func OIDCProof(claims map[string]any, mfaAMR, mfaACR []string) access.SignInProof {
	p := access.SignInProof{Method: "oidc"}
	if t, ok := numericDate(claims["auth_time"]); ok {
		p.At = t
	}
	var amr []string
	if list, ok := claims["amr"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				amr = append(amr, strings.TrimSpace(s))
			}
		}
	}
	acr, _ := claims["acr"].(string)
	acr = strings.TrimSpace(acr)
	var ctx []string
	if len(amr) > 0 {
		ctx = append(ctx, "amr "+strings.Join(amr, " "))
	}
	if acr != "" {
		ctx = append(ctx, "acr "+acr)
	}
	p.Context = strings.Join(ctx, ", ")
	for _, v := range amr {
		p.MFA = p.MFA || slices.Contains(mfaAMR, v)
	}
	p.MFA = p.MFA || acr != "" && slices.Contains(mfaACR, acr)
	return p
}

// numericDate reads a JWT NumericDate (seconds since the epoch, maybe with
// a fraction; some IdPs send a string).
func numericDate(v any) (time.Time, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return time.Time{}, false
		}
		f = n
	default:
		return time.Time{}, false
	}
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// SAMLProof reads what an assertion says about the sign-in: the latest
// AuthnStatement's AuthnInstant and AuthnContextClassRef. It is
// multi-factor when the class is one of mfaClasses.
func SAMLProof(as *saml.Assertion, mfaClasses []string) access.SignInProof {
	p := access.SignInProof{Method: "saml"}
	if as == nil {
		return p
	}
	for _, st := range as.AuthnStatements {
		if !p.At.IsZero() && !st.AuthnInstant.After(p.At) {
			continue
		}
		p.At = st.AuthnInstant.UTC()
		p.Context, p.MFA = "", false
		if c := st.AuthnContext.AuthnContextClassRef; c != nil {
			p.Context = strings.TrimSpace(c.Value)
			p.MFA = p.Context != "" && slices.Contains(mfaClasses, p.Context)
		}
	}
	return p
}

// checkStepUp verifies a step-up sign-in asked for with maxAge: the
// identity provider authenticated the user at most maxAge before now (it
// may reuse its own session only when that is as fresh: OIDC's max_age),
// with multi-factor authentication. accepted names what counts, for the
// message.
func checkStepUp(p access.SignInProof, maxAge time.Duration, now time.Time, accepted string) error {
	const prefix = "the identity provider did not prove a fresh multi-factor sign-in"
	switch {
	case p.At.IsZero():
		return access.Errorf(access.CodeApproverMFARequired, "%s: it did not say when you signed in (no %s): ask an admin to have it send one", prefix, timeName(p.Method))
	case p.At.After(now.Add(access.MFAClockSkew)):
		return access.Errorf(access.CodeApproverMFARequired, "%s: its sign-in time %s is in the future (its clock is wrong): ask an admin to check the clocks", prefix, p.At.Format(time.RFC3339))
	case now.Sub(p.At) > maxAge+access.MFAClockSkew:
		return access.Errorf(access.CodeApproverMFARequired, "%s: it reused a sign-in from %s instead of asking you to sign in again: sign out at the identity provider, then try again",
			prefix, p.At.Format(time.RFC3339))
	case !p.MFA:
		ctx := p.Context
		if ctx == "" {
			ctx = "nothing about how"
		}
		return access.Errorf(access.CodeApproverMFARequired, "%s: it said %s, and elevate accepts %s: sign in with a second factor, or ask an admin whether the identity provider asks for one",
			prefix, ctx, accepted)
	}
	return nil
}

func timeName(method string) string {
	if method == "saml" {
		return "AuthnInstant"
	}
	return "auth_time"
}

// parseMaxAge reads a step-up's max_age query value: whole seconds, at
// least 0 and at most a day; ok is false when absent or malformed (then no
// step-up).
func parseMaxAge(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 86400 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// acceptedWords lists what counts as multi-factor, for messages.
func acceptedWords(kind string, values []string) string {
	if len(values) == 0 {
		return "nothing (none configured)"
	}
	return fmt.Sprintf("%s %s", kind, strings.Join(values, ", "))
}
