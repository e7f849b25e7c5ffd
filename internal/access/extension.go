package access

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ExtensionStatus is where an extension of an active request is.
type ExtensionStatus string

// Extension statuses.
const (
	ExtensionPending  ExtensionStatus = "pending"
	ExtensionApproved ExtensionStatus = "approved"
	ExtensionRejected ExtensionStatus = "rejected"
)

// Extension asks for more time on an active request. It is approved like the
// request was (same approvers, same number of approvals) and, once
// approved, moves the end without dropping access.
type Extension struct {
	Duration      time.Duration   `json:"duration_ns"`
	Justification string          `json:"justification"`
	RequestedAt   time.Time       `json:"requested_at"`
	Status        ExtensionStatus `json:"status"`
	Approvals     []Approval      `json:"approvals"`
	DecidedAt     time.Time       `json:"decided_at"`
}

// PendingExtension returns the index of the extension waiting for approval, or -1.
func (r Request) PendingExtension() int {
	for i, e := range r.Extensions {
		if e.Status == ExtensionPending {
			return i
		}
	}
	return -1
}

// Extend asks for d more time on an active request. Only its requester may
// ask; the total may not pass maxTotal (the rule's maximum). Without
// approvals required, the extension applies at once.
func (r Request) Extend(a Actor, d time.Duration, justification string, maxTotal time.Duration, now time.Time) (Request, Event, error) {
	if a.UserID != r.RequesterID {
		return r, Event{}, Errorf(CodeForbidden, "only the requester can extend request %s", r.ID)
	}
	if r.Status != StatusActive {
		return r, Event{}, illegal(r, "extended")
	}
	if r.EndRequested() {
		return r, Event{}, Errorf(CodeIllegalTransition, "request %s is ending: it can't be extended", r.ID)
	}
	if r.PendingExtension() >= 0 {
		return r, Event{}, Errorf(CodeIllegalTransition, "request %s already has an extension waiting for approval", r.ID)
	}
	if d <= 0 {
		return r, Event{}, Errorf(CodeInvalid, "duration must be positive, such as 30m")
	}
	if maxTotal > 0 && r.Duration+d > maxTotal {
		return r, Event{}, Errorf(CodeInvalid, "extending by %s makes %s, longer than the %s this rule allows (at most %s more)",
			d, r.Duration+d, maxTotal, max(maxTotal-r.Duration, 0))
	}
	just, err := CleanText("justification", strings.TrimSpace(justification), true)
	if err != nil {
		return r, Event{}, err
	}
	if just == "" {
		return r, Event{}, Errorf(CodeInvalid, "justification is empty: say why you need more time")
	}
	if utf8.RuneCountInString(just) > MaxJustificationLen {
		return r, Event{}, Errorf(CodeInvalid, "justification is longer than %d characters", MaxJustificationLen)
	}
	r = r.clone()
	r.Extensions = append(r.Extensions, Extension{Duration: d, Justification: just, RequestedAt: now, Status: ExtensionPending})
	r.UpdatedAt = now
	ev := Event{Type: EventExtensionRequested, RequestID: r.ID, Actor: a, At: now,
		Details: map[string]string{"duration": d.String(), "justification": just}}
	if r.ApprovalsRequired == 0 {
		r = r.applyExtension(len(r.Extensions)-1, now)
		ev.Type = EventExtended
		ev.Details["ends_at"] = r.EndsAt.UTC().Format(time.RFC3339)
	}
	return r, ev, nil
}

// applyExtension approves extension i and moves the end.
func (r Request) applyExtension(i int, now time.Time) Request {
	e := &r.Extensions[i]
	e.Status, e.DecidedAt = ExtensionApproved, now
	r.Duration += e.Duration
	r.EndsAt = r.EndsAt.Add(e.Duration)
	return r
}

// decideExtension records a's verdict on the pending extension.
func (r Request) decideExtension(a Actor, v Verdict, comment string, now time.Time) (Request, Event, error) {
	i := r.PendingExtension()
	if a.UserID == r.RequesterID {
		return r, Event{}, Errorf(CodeSelfApproval, "you can't decide the extension of your own request %s: another approver must", r.ID)
	}
	if !r.IsApprover(a.UserID) {
		return r, Event{}, Errorf(CodeForbidden, "%s is not an approver of request %s", a.UserName, r.ID)
	}
	for _, ap := range r.Extensions[i].Approvals {
		if ap.UserID == a.UserID {
			return r, Event{}, Errorf(CodeAlreadyDecided, "%s already decided the extension of request %s (%s)", a.UserName, r.ID, ap.Verdict)
		}
	}
	r = r.clone()
	e := &r.Extensions[i]
	e.Approvals = append(e.Approvals, Approval{UserID: a.UserID, UserName: a.UserName, Verdict: v, Comment: strings.TrimSpace(comment), At: now})
	r.UpdatedAt = now
	ev := Event{RequestID: r.ID, Actor: a, At: now, Details: map[string]string{"comment": strings.TrimSpace(comment), "duration": e.Duration.String()}}
	if v == VerdictReject {
		e.Status, e.DecidedAt = ExtensionRejected, now
		ev.Type = EventExtensionRejected
		return r, ev, nil
	}
	n := 0
	for _, ap := range e.Approvals {
		if ap.Verdict == VerdictApprove {
			n++
		}
	}
	ev.Type = EventExtensionApproved
	ev.Details["approvals"] = fmt.Sprint(n)
	if n >= max(r.ApprovalsRequired, 1) {
		r = r.applyExtension(i, now)
		ev.Type = EventExtended
		ev.Details["ends_at"] = r.EndsAt.UTC().Format(time.RFC3339)
	}
	return r, ev, nil
}
