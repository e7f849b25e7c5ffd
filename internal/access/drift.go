package access

// Drift events, appended by reconciliation.
const (
	// EventDriftRemoved: an assignment elevate created was still in AWS
	// after every grant that needed it had ended; reconciliation deleted it.
	EventDriftRemoved EventType = "grant.drift_removed"
	// EventDriftMissing: an active grant's assignment is missing in AWS
	// (removed behind elevate's back). It is reported once, when first
	// found, to the requester and the admins; it is re-created only with
	// reconcile.repair_missing.
	EventDriftMissing EventType = "grant.drift_missing"
	// EventDriftRepaired: reconciliation re-created an active grant's
	// missing assignment (reconcile.repair_missing).
	EventDriftRepaired EventType = "grant.drift_repaired"
	// EventDriftResolved: an active grant's assignment, found missing
	// before, is in AWS again (re-created outside elevate); the drift mark
	// is cleared.
	EventDriftResolved EventType = "grant.drift_resolved"
)
