package workflow_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// newBreakGlassService is a service on a real SQLite store whose policy
// lets alice take Admin on prod by break-glass, reviewed by the approvers.
func newBreakGlassService(t *testing.T) (*workflow.Service, store.Store, *recordingScheduler) {
	t.Helper()
	return newServiceWithRule(t, policy.Rule{
		Name: "glass", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"},
		MaxDuration: time.Hour, BreakGlass: true, ApproverGroups: []string{"approvers"},
	})
}

// TestBreakGlassSubmitAndReview: a break-glass request is scheduled at once
// with its grant job due now, records its reviewers as approvers and its
// break-glass use; only an approver or an admin reviews it, once, with a
// comment, and the review is in the decision log.
func TestBreakGlassSubmitAndReview(t *testing.T) {
	svc, st, sched := newBreakGlassService(t)
	ctx := context.Background()
	alice := access.Actor{UserID: "u-alice", UserName: "alice", Via: access.ViaAPI}
	bob := access.Actor{UserID: "u-bob", UserName: "bob", Via: access.ViaAPI}
	carol := access.Actor{UserID: "u-carol", UserName: "carol", Via: access.ViaAPI}
	auditor := access.Actor{UserID: "u-carol", UserName: "carol", Via: access.ViaAPI, Auditor: true}

	if _, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin", Duration: 30 * time.Minute,
		Justification: "INC-1"}); access.ErrorCode(err) != access.CodeNotEligible {
		t.Fatalf("ordinary request under a break-glass-only policy: %v", err)
	}
	before := time.Now()
	r, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin", Duration: 30 * time.Minute,
		Justification: "INC-1: down", BreakGlass: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != access.StatusScheduled || r.ApprovalsRequired != 0 || !slices.Equal(r.Approvers, []string{"u-bob", "u-carol"}) {
		t.Fatalf("break-glass request: status %s, approvals %d, approvers %v", r.Status, r.ApprovalsRequired, r.Approvers)
	}
	if i := slices.IndexFunc(sched.jobs, func(j workflow.Job) bool { return j.Kind == workflow.JobGrant && j.RequestID == r.ID }); i < 0 || sched.jobs[i].At.Before(before) || sched.jobs[i].At.After(time.Now()) {
		t.Fatalf("no grant job due now: %+v", sched.jobs)
	}

	if _, err := svc.ReviewBreakGlass(ctx, alice, r.ID, "fine"); access.ErrorCode(err) != access.CodeSelfApproval {
		t.Errorf("requester reviews: %v", err)
	}
	if _, err := svc.ListBreakGlass(ctx, bob, true, 0); access.ErrorCode(err) != access.CodeForbidden {
		t.Errorf("bob lists: %v", err)
	}
	us, err := svc.ListBreakGlass(ctx, auditor, true, 0)
	if err != nil || len(us) != 1 || us[0].RequestID != r.ID || us[0].Reviewed() {
		t.Fatalf("unreviewed list: %+v, %v", us, err)
	}

	// bob and carol review at the same time: exactly one review counts.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []access.Actor{bob, carol} {
		wg.Go(func() { _, errs[i] = svc.ReviewBreakGlass(ctx, who, r.ID, "checked by "+who.UserName) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent reviews: %v, %v (want one success, one already_decided)", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && access.ErrorCode(err) != access.CodeAlreadyDecided {
			t.Errorf("the losing review: %v", err)
		}
	}
	us, err = svc.ListBreakGlass(ctx, auditor, true, 0)
	if err != nil || len(us) != 0 {
		t.Errorf("unreviewed after the review: %+v, %v", us, err)
	}
	var evs []access.Event
	if err := st.ReadTx(ctx, func(tx store.Tx) (err error) { evs, err = tx.ListEvents(ctx, r.ID); return err }); err != nil {
		t.Fatal(err)
	}
	reviews := slices.DeleteFunc(evs, func(e access.Event) bool { return e.Type != workflow.EventBreakGlassReviewed })
	if len(reviews) != 1 || reviews[0].Details["comment"] != "checked by "+reviews[0].Actor.UserName {
		t.Errorf("review events: %+v", reviews)
	}
}
