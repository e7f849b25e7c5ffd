package access

// Drift events, appended by reconciliation.
const (
	// EventDriftRemoved: an assignment elevate created was still in AWS
	// after every grant that needed it had ended; reconciliation deleted it.
	EventDriftRemoved EventType = "grant.drift_removed"
	// EventDriftMissing: an active grant's assignment is missing in AWS
	// (removed behind elevate's back). It is reported, not re-created.
	EventDriftMissing EventType = "grant.drift_missing"
)
