package policy

import (
	"slices"
	"testing"
)

// TestBreakGlassReviewers: a break-glass decision needs no approval but
// names who reviews it afterwards: the approver rules of the most specific
// level (here the prod account's), or the rule's own approvers, never the
// requester; an ordinary decision names none.
func TestBreakGlassReviewers(t *testing.T) {
	names := func(as []Approver) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.UserName)
		}
		slices.Sort(out)
		return out
	}
	e := New(testDocument(), NewIndex(testDirectory()))
	d := e.Decide(Question{User: "alice", Account: "prod", PermissionSet: "AdministratorAccess", BreakGlass: true})
	if !d.Allowed || !d.BreakGlass || d.ApprovalRequired {
		t.Fatalf("break-glass decision: %+v", d)
	}
	if got := names(d.Reviewers); !slices.Equal(got, []string{"carol", "hank"}) {
		t.Errorf("reviewers from the prod account's approver rule = %v, want [carol hank]", got)
	}
	if len(d.Approvers) != 0 {
		t.Errorf("a break-glass decision has approvers %v", names(d.Approvers))
	}
	if d := e.Decide(Question{User: "alice", Account: "prod", PermissionSet: "AdministratorAccess"}); len(d.Reviewers) != 0 {
		t.Errorf("an ordinary decision has reviewers %v", names(d.Reviewers))
	}

	doc := testDocument()
	for i := range doc.Rules {
		if doc.Rules[i].Name == "breakglass-prod" {
			doc.Rules[i].ApproverUsers = []string{"alice", "bob"} // alice is the requester below
		}
	}
	e = New(doc, NewIndex(testDirectory()))
	d = e.Decide(Question{User: "alice", Account: "prod", PermissionSet: "AdministratorAccess", BreakGlass: true})
	if got := names(d.Reviewers); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("reviewers from the rule's own approvers, requester removed = %v, want [bob]", got)
	}
}
