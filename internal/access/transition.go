package access

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits are the bounds a new request must respect.
type Limits struct {
	MinDuration     time.Duration // shortest request allowed
	MaxDuration     time.Duration // longest request allowed by the rule (and the global ceiling)
	ApprovalTimeout time.Duration // how long a request may wait for approval
	// MaxStartAhead bounds how far in the future a request may start; 0:
	// DefaultMaxStartAhead.
	MaxStartAhead time.Duration
}

// Bounds no policy can lift, unless the operator raises them in the
// configuration (policy.max_duration_ceiling, policy.max_start_ahead).
const (
	DefaultMaxDurationCeiling = 7 * 24 * time.Hour
	DefaultMaxStartAhead      = 90 * 24 * time.Hour
)

// Eligibility is what the policy decided for a new request.
type Eligibility struct {
	Rule              string
	ApprovalsRequired int      // 0: no approval needed
	Approvers         []string // user ids that may approve, requester already removed
	TicketRequired    bool
}

// NewRequestInput is what a requester asks for.
type NewRequestInput struct {
	ID                string // chosen by the caller (the store or workflow)
	GrantIDs          []string
	AccountIDs        []string
	PermissionSetARN  string
	PermissionSetName string
	Duration          time.Duration
	StartAt           time.Time // zero: now
	Justification     string
	Ticket            string
}

// Length limits of free-text fields.
const (
	MaxJustificationLen = 2000
	MaxTicketLen        = 200
	MaxCommentLen       = 2000
	MaxAccountsPerReq   = 50
)

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// ValidAccountID reports whether s is a 12-digit AWS account id.
func ValidAccountID(s string) bool { return accountIDPattern.MatchString(s) }

// NewRequest validates in and returns a new request. A request that needs no
// approval goes straight to scheduled.
func NewRequest(in NewRequestInput, requester Actor, elig Eligibility, lim Limits, now time.Time) (Request, Event, error) {
	if requester.UserID == "" {
		return Request{}, Event{}, Errorf(CodeUnauthenticated, "a request needs a signed-in requester")
	}
	if len(in.AccountIDs) == 0 {
		return Request{}, Event{}, Errorf(CodeInvalid, "account_ids is empty: name at least one account")
	}
	if len(in.AccountIDs) > MaxAccountsPerReq {
		return Request{}, Event{}, Errorf(CodeInvalid, "account_ids has %d accounts: at most %d per request", len(in.AccountIDs), MaxAccountsPerReq)
	}
	if len(in.GrantIDs) != len(in.AccountIDs) {
		return Request{}, Event{}, fmt.Errorf("new request: %d grant ids for %d accounts", len(in.GrantIDs), len(in.AccountIDs))
	}
	seen := map[string]bool{}
	for _, id := range in.AccountIDs {
		if !ValidAccountID(id) {
			return Request{}, Event{}, Errorf(CodeInvalid, "account id %q is not 12 digits", id)
		}
		if seen[id] {
			return Request{}, Event{}, Errorf(CodeInvalid, "account %s is listed twice", id)
		}
		seen[id] = true
	}
	if in.PermissionSetARN == "" {
		return Request{}, Event{}, Errorf(CodeInvalid, "permission_set is empty: name a permission set")
	}
	if in.Duration < lim.MinDuration {
		return Request{}, Event{}, Errorf(CodeInvalid, "duration %s is shorter than the minimum %s", in.Duration, lim.MinDuration)
	}
	if lim.MaxDuration > 0 && in.Duration > lim.MaxDuration {
		return Request{}, Event{}, Errorf(CodeInvalid, "duration %s is longer than the %s this rule allows", in.Duration, lim.MaxDuration)
	}
	just, err := CleanText("justification", strings.TrimSpace(in.Justification), true)
	if err != nil {
		return Request{}, Event{}, err
	}
	if just == "" {
		return Request{}, Event{}, Errorf(CodeInvalid, "justification is empty: say why you need this access")
	}
	if utf8.RuneCountInString(just) > MaxJustificationLen {
		return Request{}, Event{}, Errorf(CodeInvalid, "justification is longer than %d characters", MaxJustificationLen)
	}
	ticket, err := CleanText("ticket", strings.TrimSpace(in.Ticket), false)
	if err != nil {
		return Request{}, Event{}, err
	}
	if elig.TicketRequired && ticket == "" {
		return Request{}, Event{}, Errorf(CodeInvalid, "ticket is required for this access: give the change or incident ticket")
	}
	if utf8.RuneCountInString(ticket) > MaxTicketLen {
		return Request{}, Event{}, Errorf(CodeInvalid, "ticket is longer than %d characters", MaxTicketLen)
	}
	start := in.StartAt
	ahead := lim.MaxStartAhead
	if ahead <= 0 {
		ahead = DefaultMaxStartAhead
	}
	if start.After(now.Add(ahead)) {
		return Request{}, Event{}, Errorf(CodeInvalid, "start %s is more than %s ahead: request at most %s in advance",
			start.Format(time.RFC3339), ahead, ahead)
	}
	if start.IsZero() || start.Before(now) {
		if !start.IsZero() && now.Sub(start) > time.Minute {
			return Request{}, Event{}, Errorf(CodeInvalid, "start %s is in the past: leave it out to start now", start.Format(time.RFC3339))
		}
		start = now
	}
	if elig.ApprovalsRequired > 0 && len(elig.Approvers) < elig.ApprovalsRequired {
		return Request{}, Event{}, Errorf(CodeNotEligible, "this access needs %d approvals but only %d people other than you can approve it; ask an admin to add approvers",
			elig.ApprovalsRequired, len(elig.Approvers))
	}
	r := Request{
		ID:                in.ID,
		RequesterID:       requester.UserID,
		RequesterName:     requester.UserName,
		PermissionSetARN:  in.PermissionSetARN,
		PermissionSetName: in.PermissionSetName,
		Duration:          in.Duration,
		StartAt:           start,
		Justification:     just,
		Ticket:            ticket,
		Status:            StatusPending,
		Rule:              elig.Rule,
		ApprovalsRequired: elig.ApprovalsRequired,
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	for _, id := range elig.Approvers {
		if id != requester.UserID {
			r.Approvers = append(r.Approvers, id)
		}
	}
	for i, acct := range in.AccountIDs {
		r.Grants = append(r.Grants, Grant{ID: in.GrantIDs[i], AccountID: acct, Status: GrantPending})
	}
	if elig.ApprovalsRequired == 0 {
		r.Status = StatusScheduled
	} else {
		r.ExpiresAt = now.Add(lim.ApprovalTimeout)
		if lim.ApprovalTimeout <= 0 {
			r.ExpiresAt = time.Time{}
		}
	}
	ev := Event{Type: EventSubmitted, RequestID: r.ID, Actor: requester, At: now, Details: map[string]string{
		"accounts": strings.Join(in.AccountIDs, ","), "permission_set": r.PermissionSetName,
		"duration": r.Duration.String(), "rule": r.Rule, "status": string(r.Status),
	}}
	return r, ev, nil
}

func illegal(r Request, action string) error {
	return Errorf(CodeIllegalTransition, "request %s is %s: it can't be %s", r.ID, r.Status, action)
}

func checkComment(comment string) error {
	if _, err := CleanText("comment", comment, true); err != nil {
		return err
	}
	if utf8.RuneCountInString(comment) > MaxCommentLen {
		return Errorf(CodeInvalid, "comment is longer than %d characters", MaxCommentLen)
	}
	return nil
}

// alreadyDecided returns the already_decided error for a request its
// approvers have decided (rejected, or approved by enough of them), saying
// who decided and when, or nil when no one did (cancelled, expired, or no
// approval needed).
func (r Request) alreadyDecided() error {
	var names []string
	var at time.Time
	verdict := VerdictApprove
	if r.Status == StatusRejected {
		verdict = VerdictReject
	} else if r.ApprovalsRequired == 0 || r.ApprovalCount() < r.ApprovalsRequired {
		return nil
	}
	for _, ap := range r.Approvals {
		if ap.Verdict == verdict {
			names = append(names, ap.UserName)
			if ap.At.After(at) {
				at = ap.At
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	word := map[Verdict]string{VerdictApprove: "approved", VerdictReject: "rejected"}[verdict]
	return Errorf(CodeAlreadyDecided, "request %s was already %s by %s at %s (it is %s)",
		r.ID, word, JoinAnd(names), at.UTC().Format("2006-01-02 15:04 UTC"), r.Status)
}

// decide checks that a may decide r, which must be pending.
func (r Request) decide(a Actor, v Verdict, comment string, now time.Time) (Request, error) {
	if err := checkComment(comment); err != nil {
		return r, err
	}
	action := map[Verdict]string{VerdictApprove: "approved", VerdictReject: "rejected"}[v]
	if r.Status != StatusPending {
		if err := r.alreadyDecided(); err != nil {
			return r, err
		}
		return r, illegal(r, action)
	}
	if a.UserID == r.RequesterID {
		return r, Errorf(CodeSelfApproval, "you can't decide your own request %s: another approver must", r.ID)
	}
	if !r.IsApprover(a.UserID) {
		return r, Errorf(CodeForbidden, "%s is not an approver of request %s", a.UserName, r.ID)
	}
	for _, ap := range r.Approvals {
		if ap.UserID == a.UserID {
			return r, Errorf(CodeAlreadyDecided, "%s already decided request %s (%s)", a.UserName, r.ID, ap.Verdict)
		}
	}
	if !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt) {
		return r, Errorf(CodeIllegalTransition, "request %s waited too long for approval (deadline %s): it can't be %s", r.ID, r.ExpiresAt.Format(time.RFC3339), action)
	}
	r = r.clone()
	r.Approvals = append(r.Approvals, Approval{UserID: a.UserID, UserName: a.UserName, Verdict: v, Comment: strings.TrimSpace(comment), At: now})
	r.UpdatedAt = now
	return r, nil
}

// Approve records a's approval. With enough approvals the request becomes
// scheduled. On an active request with an extension waiting, it approves the
// extension.
func (r Request) Approve(a Actor, comment string, now time.Time) (Request, Event, error) {
	if r.Status == StatusActive && r.PendingExtension() >= 0 {
		if err := checkComment(comment); err != nil {
			return r, Event{}, err
		}
		return r.decideExtension(a, VerdictApprove, comment, now)
	}
	r, err := r.decide(a, VerdictApprove, comment, now)
	if err != nil {
		return r, Event{}, err
	}
	if r.ApprovalCount() >= r.ApprovalsRequired {
		r.Status = StatusScheduled
		r.ExpiresAt = time.Time{}
	}
	return r, Event{Type: EventApproved, RequestID: r.ID, Actor: a, At: now, Details: map[string]string{
		"comment": strings.TrimSpace(comment), "approvals": fmt.Sprint(r.ApprovalCount()),
		"required": fmt.Sprint(r.ApprovalsRequired), "status": string(r.Status),
	}}, nil
}

// Reject records a's rejection; one rejection rejects the request. On an
// active request with an extension waiting, it rejects the extension (access
// goes on until the current end).
func (r Request) Reject(a Actor, comment string, now time.Time) (Request, Event, error) {
	if r.Status == StatusActive && r.PendingExtension() >= 0 {
		if err := checkComment(comment); err != nil {
			return r, Event{}, err
		}
		return r.decideExtension(a, VerdictReject, comment, now)
	}
	r, err := r.decide(a, VerdictReject, comment, now)
	if err != nil {
		return r, Event{}, err
	}
	r.Status = StatusRejected
	r.ExpiresAt = time.Time{}
	return r, Event{Type: EventRejected, RequestID: r.ID, Actor: a, At: now, Details: map[string]string{"comment": strings.TrimSpace(comment)}}, nil
}

// Cancel withdraws a request that is not yet active. Only its requester or an
// admin may cancel it.
func (r Request) Cancel(a Actor, comment string, now time.Time) (Request, Event, error) {
	if err := checkComment(comment); err != nil {
		return r, Event{}, err
	}
	if a.UserID != r.RequesterID && !a.Admin {
		return r, Event{}, Errorf(CodeForbidden, "only the requester or an admin can cancel request %s", r.ID)
	}
	if r.Status != StatusPending && r.Status != StatusScheduled {
		if r.Status == StatusActive {
			return r, Event{}, Errorf(CodeIllegalTransition, "request %s is active: end it instead of cancelling it", r.ID)
		}
		return r, Event{}, illegal(r, "cancelled")
	}
	r = r.clone()
	r.Status = StatusCancelled
	r.ExpiresAt = time.Time{}
	r.UpdatedAt = now
	for i := range r.Grants {
		if r.Grants[i].Status == GrantPending {
			r.Grants[i].Status = unstartedClosed(r.Grants[i])
		}
	}
	return r, Event{Type: EventCancelled, RequestID: r.ID, Actor: a, At: now, Details: map[string]string{"comment": strings.TrimSpace(comment)}}, nil
}

// Expire closes a pending request whose approval deadline has passed.
func (r Request) Expire(now time.Time) (Request, Event, error) {
	if r.Status != StatusPending {
		return r, Event{}, illegal(r, "expired")
	}
	if r.ExpiresAt.IsZero() || now.Before(r.ExpiresAt) {
		return r, Event{}, Errorf(CodeIllegalTransition, "request %s is still within its approval window", r.ID)
	}
	r = r.clone()
	r.Status = StatusExpired
	r.Reason = "no decision before the approval deadline"
	r.UpdatedAt = now
	for i := range r.Grants {
		r.Grants[i].Status = GrantRevoked
	}
	return r, Event{Type: EventExpired, RequestID: r.ID, Actor: SystemActor, At: now, Details: map[string]string{"reason": r.Reason}}, nil
}

// GrantActivated records that grant id's assignment exists in AWS. The first
// grant to become active starts the clock: EndsAt = now + Duration.
func (r Request) GrantActivated(grantID, awsRequestID string, origin Origin, now time.Time) (Request, []Event, error) {
	i := r.grantIndex(grantID)
	if i < 0 {
		return r, nil, Errorf(CodeNotFound, "request %s has no grant %s", r.ID, grantID)
	}
	if r.Status != StatusScheduled && r.Status != StatusActive {
		return r, nil, illegal(r, "activated")
	}
	if r.Grants[i].Status != GrantPending {
		return r, nil, Errorf(CodeIllegalTransition, "grant %s is %s: it can't be activated", grantID, r.Grants[i].Status)
	}
	r = r.clone()
	g := &r.Grants[i]
	g.Status, g.CreateRequestID, g.ActivatedAt, g.Error, g.Origin = GrantActive, awsRequestID, now, "", origin
	r.UpdatedAt = now
	evs := []Event{{Type: EventGrantActivated, RequestID: r.ID, GrantID: g.ID, Actor: SystemActor, At: now,
		Details: map[string]string{"account": g.AccountID, "aws_request_id": awsRequestID, "origin": string(origin)}}}
	if r.Status == StatusScheduled {
		r.Status = StatusActive
		r.ActivatedAt = now
		r.EndsAt = now.Add(r.Duration)
		evs = append(evs, Event{Type: EventActivated, RequestID: r.ID, Actor: SystemActor, At: now,
			Details: map[string]string{"ends_at": r.EndsAt.UTC().Format(time.RFC3339)}})
	}
	return r, evs, nil
}

// GrantFailed records that AWS refused grant id. When no grant of the request
// is or was active, the request fails.
func (r Request) GrantFailed(grantID, reason string, now time.Time) (Request, []Event, error) {
	i := r.grantIndex(grantID)
	if i < 0 {
		return r, nil, Errorf(CodeNotFound, "request %s has no grant %s", r.ID, grantID)
	}
	if r.Grants[i].Status != GrantPending {
		return r, nil, Errorf(CodeIllegalTransition, "grant %s is %s: it can't fail", grantID, r.Grants[i].Status)
	}
	r = r.clone()
	r.Grants[i].Status, r.Grants[i].Error = GrantFailed, reason
	r.UpdatedAt = now
	evs := []Event{{Type: EventGrantFailed, RequestID: r.ID, GrantID: grantID, Actor: SystemActor, At: now,
		Details: map[string]string{"account": r.Grants[i].AccountID, "reason": reason}}}
	return r.settle(now, evs)
}

// End asks for an active request to end early. Its requester, its approvers
// and admins may end it. Access is removed by the revocation that follows.
func (r Request) End(a Actor, comment string, now time.Time) (Request, Event, error) {
	if err := checkComment(comment); err != nil {
		return r, Event{}, err
	}
	if a.UserID != r.RequesterID && !r.IsApprover(a.UserID) && !a.Admin {
		return r, Event{}, Errorf(CodeForbidden, "only the requester, an approver or an admin can end request %s", r.ID)
	}
	if r.Status != StatusActive {
		if r.Status == StatusPending || r.Status == StatusScheduled {
			return r, Event{}, Errorf(CodeIllegalTransition, "request %s is %s: cancel it instead of ending it", r.ID, r.Status)
		}
		return r, Event{}, illegal(r, "ended")
	}
	if r.EndRequested() {
		return r, Event{}, Errorf(CodeIllegalTransition, "request %s is already ending (ended by %s)", r.ID, r.EndRequestedBy)
	}
	r = r.clone()
	r.EndRequestedAt, r.EndRequestedBy, r.EndComment = now, a.UserName, strings.TrimSpace(comment)
	r.UpdatedAt = now
	return r, Event{Type: EventEndRequested, RequestID: r.ID, Actor: a, At: now, Details: map[string]string{"comment": r.EndComment}}, nil
}

// AbandonGrant closes pending grant id of a request that closed or is
// ending before the grant became active. A grant whose create was sent
// (origin created) may have an assignment in AWS: it goes to revoking, so
// that no other grant shares the assignment or takes it for a standing one
// until its removal (Service.Revoke) has deleted it or found another holder.
// Any other pending grant is revoked at once.
func (r Request) AbandonGrant(grantID string, now time.Time) (Request, []Event, error) {
	i := r.grantIndex(grantID)
	if i < 0 {
		return r, nil, Errorf(CodeNotFound, "request %s has no grant %s", r.ID, grantID)
	}
	g := r.Grants[i]
	if g.Status != GrantPending {
		return r, nil, Errorf(CodeIllegalTransition, "grant %s is %s: only a pending grant can be abandoned", grantID, g.Status)
	}
	if unstartedClosed(g) == GrantRevoked {
		return r.GrantRevoked(grantID, "", now)
	}
	r = r.clone()
	r.Grants[i].Status = GrantRevoking
	r.UpdatedAt = now
	return r, nil, nil
}

// unstartedClosed is the status of pending grant g once its request closes:
// revoking when a create was sent for it (its assignment may exist in AWS),
// revoked otherwise.
func unstartedClosed(g Grant) GrantStatus {
	if g.Origin == OriginCreated {
		return GrantRevoking
	}
	return GrantRevoked
}

// BeginRevoke marks grant id as revoking: its assignment is about to be
// deleted, and no other grant may start sharing it meanwhile.
func (r Request) BeginRevoke(grantID string, now time.Time) (Request, error) {
	i := r.grantIndex(grantID)
	if i < 0 {
		return r, Errorf(CodeNotFound, "request %s has no grant %s", r.ID, grantID)
	}
	if r.Grants[i].Status != GrantActive {
		return r, Errorf(CodeIllegalTransition, "grant %s is %s: it can't start revoking", grantID, r.Grants[i].Status)
	}
	r = r.clone()
	r.Grants[i].Status = GrantRevoking
	r.UpdatedAt = now
	return r, nil
}

// GrantRevoked records that grant id no longer holds its assignment: it is
// gone from AWS, was never created, or stays for another holder (the
// assignment's other grants, or a standing assignment). When every grant is
// settled the request ends: revoked when someone ended it early, ended
// otherwise.
func (r Request) GrantRevoked(grantID, awsRequestID string, now time.Time) (Request, []Event, error) {
	i := r.grantIndex(grantID)
	if i < 0 {
		return r, nil, Errorf(CodeNotFound, "request %s has no grant %s", r.ID, grantID)
	}
	if st := r.Grants[i].Status; st != GrantActive && st != GrantPending && st != GrantRevoking {
		return r, nil, Errorf(CodeIllegalTransition, "grant %s is %s: it can't be revoked", grantID, r.Grants[i].Status)
	}
	r = r.clone()
	g := &r.Grants[i]
	g.Status, g.DeleteRequestID, g.RevokedAt, g.Error = GrantRevoked, awsRequestID, now, ""
	r.UpdatedAt = now
	evs := []Event{{Type: EventGrantRevoked, RequestID: r.ID, GrantID: grantID, Actor: SystemActor, At: now,
		Details: map[string]string{"account": g.AccountID, "aws_request_id": awsRequestID}}}
	return r.settle(now, evs)
}

// RevocationFailing records that removing grant id keeps failing. The
// revocation goes on being retried; the flag stays until it succeeds.
func (r Request) RevocationFailing(grantID, reason string, now time.Time) (Request, Event, error) {
	i := r.grantIndex(grantID)
	if i < 0 {
		return r, Event{}, Errorf(CodeNotFound, "request %s has no grant %s", r.ID, grantID)
	}
	r = r.clone()
	r.RevocationFailed = true
	r.Grants[i].Error = reason
	r.UpdatedAt = now
	return r, Event{Type: EventRevocationFailing, RequestID: r.ID, GrantID: grantID, Actor: SystemActor, At: now,
		Details: map[string]string{"account": r.Grants[i].AccountID, "reason": reason}}, nil
}

// settle closes the request once no grant is pending or active.
func (r Request) settle(now time.Time, evs []Event) (Request, []Event, error) {
	anyActiveOrPending, everActive := false, false
	for _, g := range r.Grants {
		switch g.Status {
		case GrantPending, GrantActive, GrantRevoking:
			anyActiveOrPending = true
		}
		if !g.ActivatedAt.IsZero() {
			everActive = true
		}
	}
	if anyActiveOrPending || r.Status.Terminal() {
		return r, evs, nil
	}
	r.RevocationFailed = false
	switch {
	case !everActive:
		r.Status = StatusFailed
		var reasons []string
		for _, g := range r.Grants {
			if g.Error != "" {
				reasons = append(reasons, g.AccountID+": "+g.Error)
			}
		}
		r.Reason = strings.Join(reasons, "; ")
		evs = append(evs, Event{Type: EventFailed, RequestID: r.ID, Actor: SystemActor, At: now, Details: map[string]string{"reason": r.Reason}})
	case r.EndRequested():
		r.Status = StatusRevoked
		evs = append(evs, Event{Type: EventRevoked, RequestID: r.ID, Actor: SystemActor, At: now, Details: map[string]string{"ended_by": r.EndRequestedBy}})
	default:
		r.Status = StatusEnded
		evs = append(evs, Event{Type: EventEnded, RequestID: r.ID, Actor: SystemActor, At: now})
	}
	return r, evs, nil
}
