package access

import "time"

// SessionDenyMechanism is where elevate writes the statements that end a
// revoked user's open sessions.
type SessionDenyMechanism string

const (
	// DenyViaSCP: a service control policy elevate owns, attached to the
	// accounts concerned.
	DenyViaSCP SessionDenyMechanism = "scp"
	// DenyViaInline: the permission set's inline policy, provisioned again
	// to the account concerned.
	DenyViaInline SessionDenyMechanism = "inline"
)

// Valid reports whether m is a known mechanism.
func (m SessionDenyMechanism) Valid() bool { return m == DenyViaSCP || m == DenyViaInline }

// SessionDeny is one revocation whose sessions must end: a Deny on every
// action for the sessions of UserID in AccountID through the permission set
// that were issued before RevokedAt. It is removed at ExpiresAt, when the
// longest such session (the permission set's session duration) has expired.
type SessionDeny struct {
	ID                string
	GrantID           string
	RequestID         string
	Mechanism         SessionDenyMechanism
	AccountID         string
	PermissionSetARN  string
	PermissionSetName string
	UserID            string // Identity Center user id (identitystore:userId)
	RevokedAt         time.Time
	ExpiresAt         time.Time
	// InForceAt is when AWS accepted the policy holding the statement; zero
	// while it is pending.
	InForceAt time.Time
	// Fallback says why the statement is in the inline policy although the
	// installation uses the SCP ("" when it is not).
	Fallback string
}

// DenyTime is the aws:TokenIssueTime bound of a SessionDeny: RevokedAt
// rounded up to the whole second, since token issue times have second
// precision and a session issued in the second of the revocation may
// predate it.
func (d SessionDeny) DenyTime() time.Time {
	t := d.RevokedAt.UTC()
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}
