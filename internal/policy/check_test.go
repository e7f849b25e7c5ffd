package policy

import (
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func TestCheckLeavesNamesToTheDirectory(t *testing.T) {
	t.Parallel()
	doc := Document{Rules: []Rule{
		{Name: "r", Groups: []string{"nobody-has-this"}, OUs: []string{"Workloads"}, PermissionSets: []string{"Nope"}},
		{Name: "", Groups: []string{"g"}, Accounts: []string{"*"}, PermissionSets: []string{"*"}, Approvals: -1},
	}}
	got := map[string]string{}
	for _, p := range Check(doc) {
		got[p.Path] = p.Message
	}
	if len(got) != 2 || got["rules[1].name"] == "" || got["rules[1].approvals"] == "" {
		t.Errorf("Check = %v, want only the empty name and the negative approvals of rules[1]", got)
	}
}

func TestUnresolvedNamesSuggestTheClosest(t *testing.T) {
	t.Parallel()
	x := NewIndex(access.Directory{
		Accounts:       []access.Account{{ID: "111122223333", Name: "Production"}, {ID: "444455556666", Name: "staging"}},
		OUs:            []access.OU{{ID: "ou-1", Name: "Workloads"}},
		PermissionSets: []access.PermissionSet{{ARN: "arn:ps-1", Name: "ReadOnlyAccess"}},
		Users:          []access.User{{ID: "u-1", UserName: "alice", Email: "alice@example.com"}},
		Groups:         []access.Group{{ID: "g-1", Name: "oncall"}},
	})
	doc := Document{Rules: []Rule{{Name: "r", Users: []string{"alce"}, Groups: []string{"oncal", "zzzzzz"},
		Accounts: []string{"productoin"}, OUs: []string{"Workload"}, PermissionSets: []string{"ReadOnlyAcess"}}}}
	want := map[string]string{
		"rules[0].users[0]":           `(did you mean "alice"?)`,
		"rules[0].groups[0]":          `(did you mean "oncall"?)`,
		"rules[0].accounts[0]":        `(did you mean "Production"?)`,
		"rules[0].ous[0]":             `(did you mean "Workloads"?)`,
		"rules[0].permission_sets[0]": `(did you mean "ReadOnlyAccess"?)`,
	}
	got := map[string]string{}
	for _, p := range New(doc, x).Problems() {
		got[p.Path] = p.Message
	}
	for path, suffix := range want {
		if !strings.HasSuffix(got[path], suffix) {
			t.Errorf("%s: %q, want a message ending %s", path, got[path], suffix)
		}
	}
	if m := got["rules[0].groups[1]"]; m == "" || strings.Contains(m, "did you mean") {
		t.Errorf("a name far from every group: %q, want no suggestion", m)
	}
}
