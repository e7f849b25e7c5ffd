package access

import (
	"fmt"
	"time"
)

// Away is an approver's "away until Until, delegate to DelegateID": while
// it lasts, the requests that would ask them ask the delegate instead
// (never the requester: then the other approvers decide).
type Away struct {
	UserID       string
	DelegateID   string
	DelegateName string // filled by reads, for display
	Until        time.Time
	SetAt        time.Time
}

// Active reports whether the absence lasts at now.
func (a Away) Active(now time.Time) bool { return a.UserID != "" && now.Before(a.Until) }

// Reason is why the delegate is asked, in words: "alice is away until …".
func (a Away) Reason(userName string) string {
	return fmt.Sprintf("%s is away until %s", userName, a.Until.UTC().Format(time.RFC3339))
}

// Route replaces each approver who is away (by away, the active absences
// by user id) with their delegate, unless the delegate is the requester or
// already an approver. An approver away whose delegate is the requester is
// left out, so the other approvers decide; when that would leave fewer
// than need (the approvals required, at least one), they stay. It returns the approvers and, by delegate id, the user id of
// the approver they stand in for.
func Route(approvers []string, requesterID string, away map[string]Away, need int) (out []string, standIn map[string]string) {
	standIn = map[string]string{}
	has := func(id string) bool {
		for _, x := range out {
			if x == id {
				return true
			}
		}
		return false
	}
	var dropped []string
	for _, id := range approvers {
		a, ok := away[id]
		switch {
		case !ok:
			if !has(id) {
				out = append(out, id)
			}
		case a.DelegateID == requesterID:
			dropped = append(dropped, id)
		case has(a.DelegateID):
			// The delegate is already asked in their own right.
		default:
			out = append(out, a.DelegateID)
			standIn[a.DelegateID] = id
		}
	}
	for _, id := range dropped {
		if len(out) >= max(need, 1) {
			break
		}
		out = append(out, id)
	}
	return out, standIn
}
