package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/workflow"
)

// TestSubmitSuggestsTheNearestName: a misspelled account or permission set
// is refused with the directory's nearest name; a name nothing is near
// gets no suggestion.
func TestSubmitSuggestsTheNearestName(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t, 1)
	for _, tc := range []struct {
		account, permissionSet, want string
	}{
		{"prd", "Admin", `account "prd" does not exist in the organization (did you mean prod?)`},
		{"prod", "Admn", `permission set "Admn" does not exist (did you mean Admin?)`},
		{"staging-eu-west", "Admin", `account "staging-eu-west" does not exist in the organization`},
	} {
		_, err := svc.Submit(context.Background(), actor("u-alice", "alice"), workflow.SubmitInput{
			AccountIDs: []string{tc.account}, PermissionSet: tc.permissionSet, Duration: 30 * time.Minute, Justification: "typo"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s/%s: %v, want it to say %q", tc.account, tc.permissionSet, err, tc.want)
		}
		if tc.account == "staging-eu-west" && strings.Contains(err.Error(), "did you mean") {
			t.Errorf("a name nothing is near got a suggestion: %v", err)
		}
	}
}
