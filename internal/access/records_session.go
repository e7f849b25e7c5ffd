package access

import "time"

// Session is a signed-in portal session. Only the SHA-256 hash of
// the cookie's secret is stored, so a database dump can't be replayed as a
// cookie.
type Session struct {
	ID     string
	Hash   []byte // SHA-256 of the cookie secret
	UserID string // the directory user
	Method string // how the user signed in: oidc, saml, demo or link
	// AuthAt, AuthContext and MFA are what the identity provider said
	// about the sign-in (SignInProof): kept so that an approval that needs
	// a fresh multi-factor sign-in can be checked on any replica.
	AuthAt      time.Time
	AuthContext string
	MFA         bool
	CreatedAt   time.Time
	LastSeenAt  time.Time // for the idle timeout
	ExpiresAt   time.Time // the absolute timeout
}

// SignInLink is a one-time portal sign-in link made by an operator
// (`elevate signin-link`). Only the SHA-256 hash of its secret is stored.
type SignInLink struct {
	ID        string
	Hash      []byte // SHA-256 of the link's secret
	UserID    string // the directory user it signs in
	CreatedBy string // who made it (the operator)
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}
