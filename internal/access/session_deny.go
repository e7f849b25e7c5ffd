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
	// SessionDuration is the permission set's: the longest session the
	// statement can affect.
	SessionDuration time.Duration
	// CreatedAt is when the revocation began; RevokedAt when AWS confirmed
	// the assignment's deletion (zero until then: the statement is not
	// written before); ExpiresAt is RevokedAt + SessionDuration.
	CreatedAt time.Time
	RevokedAt time.Time
	ExpiresAt time.Time
	// RemovedAt is when the statement was removed from the policy after
	// ExpiresAt; zero while it is live.
	RemovedAt time.Time
	// InForceAt is when AWS accepted the policy holding the statement; zero
	// while it is pending.
	InForceAt time.Time
	// Fallback says why the statement is in the inline policy although the
	// installation uses the SCP ("" when it is not).
	Fallback string
}

// Target names the policy that holds the statement: the SCP, or the
// permission set's inline policy.
func (d SessionDeny) Target() string {
	if d.Mechanism == DenyViaSCP {
		return "scp"
	}
	return "inline:" + d.PermissionSetARN
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
