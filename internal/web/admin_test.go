package web

import (
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func TestRunSummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    access.RunStatus
		want string
	}{
		{"never ran", access.RunStatus{}, ""},
		{"directory sync", access.RunStatus{Kind: access.RunDirectorySync, Counts: map[string]int{
			"accounts": 5, "accounts_inserted": 5, "ous": 2, "permission_sets": 3, "users": 12, "groups": 4, "memberships": 20, "writes": 7}},
			"5 accounts, 2 OUs, 3 permission sets, 12 users, 4 groups, 20 memberships; 7 changes written"},
		{"reconciliation", access.RunStatus{Kind: access.RunReconcile, Counts: map[string]int{
			"pairs": 9, "reads": 9, "missing": 1, "removed": 2, "repaired": 0, "errors": 0}},
			"9 assignments checked: 1 missing, 2 removed, 0 repaired, 0 errors"},
	} {
		if got := (runView{S: tc.s}).Summary(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
