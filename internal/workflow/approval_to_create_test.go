package workflow

import (
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// TestStartingApproval: the approval-to-create time is measured from the
// approval that completed the quorum, and only for requests that started
// with it.
func TestStartingApproval(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	approve := func(at time.Duration) access.Approval {
		return access.Approval{UserID: "u" + at.String(), Verdict: access.VerdictApprove, At: t0.Add(at)}
	}
	for _, c := range []struct {
		name string
		r    access.Request
		want time.Time
	}{
		{"no approval needed", access.Request{StartAt: t0}, time.Time{}},
		{"one approval, start at submit", access.Request{StartAt: t0, ApprovalsRequired: 1, Approvals: []access.Approval{approve(time.Minute)}}, t0.Add(time.Minute)},
		{"two approvals: the later one", access.Request{StartAt: t0, ApprovalsRequired: 2, Approvals: []access.Approval{approve(3 * time.Minute), approve(time.Minute)}}, t0.Add(3 * time.Minute)},
		{"quorum not reached", access.Request{StartAt: t0, ApprovalsRequired: 2, Approvals: []access.Approval{approve(time.Minute)}}, time.Time{}},
		{"starts after the approval", access.Request{StartAt: t0.Add(time.Hour), ApprovalsRequired: 1, Approvals: []access.Approval{approve(time.Minute)}}, time.Time{}},
		{"starts at the approval", access.Request{StartAt: t0.Add(time.Minute), ApprovalsRequired: 1, Approvals: []access.Approval{approve(time.Minute)}}, t0.Add(time.Minute)},
	} {
		if got := startingApproval(c.r); !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
