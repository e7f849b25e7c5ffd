package access

import "time"

// GrantUsage is one grant that was active in an insight window, with its
// session activity summed up by call: what usage insight reads.
type GrantUsage struct {
	GrantID           string
	RequestID         string
	RequesterID       string
	RequesterName     string
	AccountID         string
	PermissionSetARN  string
	PermissionSetName string
	Status            GrantStatus
	ActivatedAt       time.Time
	RevokedAt         time.Time // zero while active
	// ActivityStatus is the grant's activity fetch status (ActivityPending,
	// ActivityFetched, ActivityFailed), "" when no fetch was ever asked
	// for (the grant is still active, or activity is off).
	ActivityStatus string
	// Calls are the grant's stored events by (source, name, error code),
	// ordered by source, name, then error code.
	Calls []CallCount
}

// CallCount is how often a grant's session made one call.
type CallCount struct {
	Source    string // eventSource, e.g. s3.amazonaws.com
	Name      string // eventName, e.g. GetObject
	ErrorCode string // "" for calls that succeeded
	Count     int
	Last      time.Time
}

// RequestedPair is how often a user asked for one permission set on one
// account in an insight window (any outcome).
type RequestedPair struct {
	RequesterID      string
	AccountID        string
	PermissionSetARN string
	Requests         int
	Last             time.Time
}

// PermissionSetPolicies is what sso-admin says a permission set allows:
// its inline policy document and the references of its managed policies
// (sso-admin never returns a managed policy's document).
type PermissionSetPolicies struct {
	PermissionSetARN string
	Inline           string // the inline policy document, "" when none
	Managed          []ManagedPolicyRef
	CustomerManaged  []CustomerPolicyRef
}

// ManagedPolicyRef is an AWS managed policy attached to a permission set.
type ManagedPolicyRef struct {
	Name string
	ARN  string
}

// CustomerPolicyRef is a customer managed policy a permission set names:
// the policy of that name and path in each account it is provisioned to.
type CustomerPolicyRef struct {
	Name string
	Path string
}
