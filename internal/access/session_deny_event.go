package access

// Session-ending events, appended when elevate writes, moves or removes the
// statement that ends a revoked user's open sessions.
const (
	// EventSessionsDenied: the statement denying the user's sessions issued
	// before the revocation is in force in AWS.
	EventSessionsDenied EventType = "grant.sessions_denied"
	// EventSessionsDenyFallback: the statement did not fit the service
	// control policy and went to the permission set's inline policy.
	EventSessionsDenyFallback EventType = "grant.sessions_deny_fallback"
	// EventSessionsDenyRemoved: the statement was removed once the longest
	// session it could affect had expired.
	EventSessionsDenyRemoved EventType = "grant.sessions_deny_removed"
)
