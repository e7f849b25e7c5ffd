package workflow

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

// waitingErr is how the AWS provider says a call only waited its turn.
type waitingErr struct{ error }

func (waitingErr) Waiting() bool { return true }

// TestOutcomeOfWaiting: a grant or revocation that only waited its turn is
// measured as waiting, not as an error (nor as AWS's refusal).
func TestOutcomeOfWaiting(t *testing.T) {
	t.Parallel()
	waiting := fmt.Errorf("delete assignment for grant g: %w", waitingErr{context.DeadlineExceeded})
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{&access.ProvisioningError{Op: "create", Reason: "no"}, "failed"},
		{waiting, "waiting"},
		{errors.Join(waiting, errors.New("flag revocation_failed: context deadline exceeded")), "waiting"},
		{context.DeadlineExceeded, "error"},
		{errors.New("InternalServerException"), "error"},
	} {
		if got := outcomeOf(tc.err); got != tc.want {
			t.Errorf("outcomeOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
