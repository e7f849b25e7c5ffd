package workflow_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// TestPageEligibility: pages of every size walk exactly what Eligibility
// lists, in its order (a pair offered both regularly and for break-glass
// included twice), each page at most limit long and the last without a
// cursor; a cursor that is not one, a limit out of range and a cursor
// whose pair is no longer offered are refused with what to do.
func TestPageEligibility(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := access.Directory{Users: []access.User{{ID: "u-alice", UserName: "alice", Active: true}}}
	for i := range 5 {
		d.Accounts = append(d.Accounts, access.Account{ID: fmt.Sprintf("%012d", 100+i), Name: fmt.Sprintf("acct-%d", 4-i), State: "ACTIVE"})
	}
	for i := range 4 {
		d.PermissionSets = append(d.PermissionSets, access.PermissionSet{ARN: fmt.Sprintf("arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-%016d", i),
			Name: fmt.Sprintf("Set%d", i), SessionDuration: time.Hour})
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "elevate.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() }) // test cleanup: the close error cannot matter
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	rules := []policy.Rule{
		{Name: "all", Users: []string{"alice"}, Accounts: []string{"*"}, PermissionSets: []string{"*"}, MaxDuration: time.Hour},
		{Name: "glass", Users: []string{"alice"}, Accounts: []string{"acct-1"}, PermissionSets: []string{"Set2"}, MaxDuration: time.Hour, BreakGlass: true},
	}
	svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: rules}, workflow.Deps{Store: st, Scheduler: &recordingScheduler{}, Provider: noAWS{}})
	if err != nil {
		t.Fatal(err)
	}
	alice := actor("u-alice", "alice")
	all, err := svc.Eligibility(ctx, alice)
	if err != nil || len(all) != 21 {
		t.Fatalf("Eligibility = %d pairs, %v; want 5×4 + 1 break-glass", len(all), err)
	}
	key := func(e workflow.Eligible) string {
		return fmt.Sprintf("%s/%s/%t", e.Account.ID, e.PermissionSet.Name, e.BreakGlass)
	}
	for _, limit := range []int{0, 1, 2, 5, 20, 21, 1000} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			page, err := svc.PageEligibility(ctx, alice, workflow.EligibilityPageInput{Cursor: cursor, Limit: limit})
			if err != nil {
				t.Fatalf("limit %d, page %d: %v", limit, pages, err)
			}
			if limit > 0 && len(page.Items) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(page.Items))
			}
			for _, e := range page.Items {
				got = append(got, key(e))
			}
			if page.Next == "" {
				break
			}
			if pages > len(all) {
				t.Fatalf("limit %d: more pages than pairs", limit)
			}
			cursor = page.Next
		}
		if len(got) != len(all) {
			t.Fatalf("limit %d: %d pairs in all pages, want %d", limit, len(got), len(all))
		}
		for i, e := range all {
			if got[i] != key(e) {
				t.Fatalf("limit %d: pair %d is %s, want %s (Eligibility's order)", limit, i, got[i], key(e))
			}
		}
	}
	page, err := svc.PageEligibility(ctx, alice, workflow.EligibilityPageInput{Limit: 3})
	if err != nil || page.Next == "" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	for _, tc := range []struct {
		name string
		in   workflow.EligibilityPageInput
	}{
		{"limit too large", workflow.EligibilityPageInput{Limit: workflow.MaxEligibilityLimit + 1}},
		{"negative limit", workflow.EligibilityPageInput{Limit: -1}},
		{"not a cursor", workflow.EligibilityPageInput{Cursor: "not/base64!"}},
		{"a cursor of something else", workflow.EligibilityPageInput{Cursor: "YWJj"}},
	} {
		if _, err := svc.PageEligibility(ctx, alice, tc.in); access.ErrorCode(err) != access.CodeInvalid {
			t.Errorf("%s: %v, want invalid_argument", tc.name, err)
		}
	}
	// The cursor's pair goes away (its account is closed): the next page
	// can't tell where to continue, and says so.
	for i := range d.Accounts {
		if d.Accounts[i].ID == page.Items[2].Account.ID {
			d.Accounts[i].State = "SUSPENDED"
		}
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now().Add(time.Second)) }); err != nil {
		t.Fatal(err)
	}
	cur, err := svc.PageEligibility(ctx, alice, workflow.EligibilityPageInput{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if key(page.Items[2]) == key(cur.Items[2]) {
		t.Fatalf("the account's closing did not change the first page: %v", cur.Items)
	}
	if _, err := svc.PageEligibility(ctx, alice, workflow.EligibilityPageInput{Cursor: page.Next}); access.ErrorCode(err) != access.CodeInvalid {
		t.Errorf("a cursor whose pair is no longer offered: %v, want invalid_argument", err)
	}
}
