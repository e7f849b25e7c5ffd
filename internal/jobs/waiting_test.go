package jobs

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/internal/aws"
)

// failingRunner's grant and revocation return err.
type failingRunner struct {
	Runner
	err error
}

func (r failingRunner) Activate(context.Context, string, int) error { return r.err }
func (r failingRunner) Revoke(context.Context, string, int) error   { return r.err }

// TestWaitingJobIsResumedNotFailed: a grant or revocation whose deadline
// came while it only waited its turn (the AWS provider's WaitingError,
// wrapped as the workflow wraps it) is snoozed, which River neither counts
// as an attempt nor records as an error; any other error stays an error.
func TestWaitingJobIsResumedNotFailed(t *testing.T) {
	t.Parallel()
	waitingErr := fmt.Errorf("create assignment for grant grt_1: %w",
		fmt.Errorf("create account assignment (…): %w", &aws.WaitingError{For: "an in-flight slot", Err: context.DeadlineExceeded}))
	failure := fmt.Errorf("create assignment for grant grt_1: %w", errors.New("InternalServerException"))
	for _, c := range []struct {
		name   string
		err    error
		snooze bool
	}{
		{"waiting", waitingErr, true},
		{"waiting, joined with another error", errors.Join(waitingErr, errors.New("flag revocation_failed: context deadline exceeded")), true},
		{"failure", failure, false},
	} {
		runner := failingRunner{err: c.err}
		cfg := Config{}.withDefaults()
		row := &rivertype.JobRow{Attempt: 1}
		errs := map[string]error{
			"grant":  (&grantWorker{runner: runner, cfg: cfg}).Work(t.Context(), &river.Job[grantArgs]{JobRow: row}),
			"revoke": (&revokeWorker{runner: runner, cfg: cfg}).Work(t.Context(), &river.Job[revokeArgs]{JobRow: row}),
		}
		for kind, err := range errs {
			var snooze *rivertype.JobSnoozeError
			if got := errors.As(err, &snooze); got != c.snooze {
				t.Errorf("%s: %s job returned %v; snoozed %v, want %v", c.name, kind, err, got, c.snooze)
			}
		}
	}
}
