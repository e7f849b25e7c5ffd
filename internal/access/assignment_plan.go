package access

import "time"

// The grant and revoke jobs decide what to do with one account assignment
// (account, permission set, user) from what the database knows about it
// (the other grants that hold it, whether it is standing) and, for a grant,
// what AWS said. The decisions are pure so that every case is a row of a
// table test; the jobs read, decide under the assignment lock, call AWS and
// record.

// GrantJobStep is what a grant job does first, before it looks at the
// assignment.
type GrantJobStep int

const (
	// GrantJobDone: the grant is not pending (active, closed, or an orphan
	// whose removal the job does next): nothing to create.
	GrantJobDone GrantJobStep = iota
	// GrantJobNotDue: the request starts later; run again at its start.
	GrantJobNotDue
	// GrantJobAbandon: the request closed, is ending or is past its end:
	// never create the assignment; close the grant (an orphan if a create
	// was sent).
	GrantJobAbandon
	// GrantJobActivate: get the assignment (PlanActivation).
	GrantJobActivate
)

// GrantJobStep says what the job of grant g of r does at now.
func (r Request) GrantJobStep(g Grant, now time.Time) GrantJobStep {
	switch {
	case g.Status != GrantPending:
		return GrantJobDone
	case r.Status == StatusScheduled && now.Before(r.StartAt):
		return GrantJobNotDue
	case r.RevocationDue(now) || (r.Status != StatusScheduled && r.Status != StatusActive):
		return GrantJobAbandon
	default:
		return GrantJobActivate
	}
}

// InAWS is what AWS said about whether an assignment exists.
type InAWS int

const (
	InAWSUnknown InAWS = iota // not asked
	InAWSPresent
	InAWSAbsent
)

// Activation is how a pending grant gets its assignment.
type Activation int

const (
	// ActivationWait: another grant is deleting the assignment; try again
	// when it is done.
	ActivationWait Activation = iota
	// ActivationShare: another grant holds it; the grant becomes active
	// with origin shared and no AWS call.
	ActivationShare
	// ActivationResend: a create was already sent for this grant; send it
	// again (creating is idempotent).
	ActivationResend
	// ActivationCreate: record that a create is being sent (origin created,
	// the assignment not standing), then create it. The record makes an
	// assignment found after a crash elevate's own, never standing.
	ActivationCreate
	// ActivationAskAWS: ask AWS whether the assignment exists, then decide
	// again with its answer.
	ActivationAskAWS
	// ActivationStanding: AWS has it and no elevate grant holds or creates
	// it: it existed before elevate. The grant becomes active with origin
	// standing, and the assignment is recorded as standing so that elevate
	// never deletes it.
	ActivationStanding
)

// PlanActivation decides how pending grant g gets its assignment, given the
// other grants that hold or are about to hold it and what AWS said. Another
// grant creating it makes whatever AWS shows elevate's, so g creates too
// (idempotent) rather than taking it for standing.
func PlanActivation(g Grant, others []GrantRef, aws InAWS) Activation {
	active, creating := false, false
	for _, h := range others {
		switch h.Status {
		case GrantRevoking:
			return ActivationWait
		case GrantActive:
			active = true
		case GrantPending:
			creating = true
		}
	}
	switch {
	case active:
		return ActivationShare
	case g.Origin == OriginCreated:
		return ActivationResend
	case creating || aws == InAWSAbsent:
		return ActivationCreate
	case aws == InAWSUnknown:
		return ActivationAskAWS
	default:
		return ActivationStanding
	}
}

// RemovalKnownFor is how long elevate takes its own deletion of an
// assignment as knowing that AWS no longer has it: a grant of the same
// assignment within that time creates it without asking AWS first. Only
// an assignment made outside elevate in between escapes it (it is then
// taken for elevate's own and deleted at the grant's end).
const RemovalKnownFor = time.Hour

// KnownInAWS is what the database tells about an assignment that no grant
// holds: absent when elevate deleted it (lastRemoval) within
// RemovalKnownFor before now and it is not recorded as standing; otherwise
// unknown (ask AWS).
func KnownInAWS(lastRemoval time.Time, standing bool, now time.Time) InAWS {
	if standing || lastRemoval.IsZero() || now.Before(lastRemoval) || now.Sub(lastRemoval) > RemovalKnownFor {
		return InAWSUnknown
	}
	return InAWSAbsent
}

// Removal is what ending grant g does with its assignment.
type Removal struct {
	// Delete: no other grant needs the assignment and it is not standing.
	Delete bool
	// Keeper is the grant that still needs it (when not deleted for that
	// reason); nil when it is kept because it is standing.
	Keeper *GrantRef
}

// PlanRemoval decides whether ending grant g deletes its assignment, given
// the other grants that hold or are about to hold it and whether the
// assignment is standing. A revoking holder is deleting the assignment, or
// is an orphan deciding like g: neither needs it kept (counting one would
// let two of them each keep it for the other).
func PlanRemoval(g Grant, others []GrantRef, standing bool) Removal {
	for i, h := range others {
		if h.Status != GrantRevoking {
			return Removal{Keeper: &others[i]}
		}
	}
	return Removal{Delete: !standing && g.Origin != OriginStanding}
}

// KeptBecause says in words why an assignment was kept, for the decision
// log.
func (rm Removal) KeptBecause() string {
	if rm.Keeper != nil {
		return "still needed by grant " + rm.Keeper.GrantID + " of request " + rm.Keeper.RequestID
	}
	return "standing assignment: elevate never deletes it"
}
