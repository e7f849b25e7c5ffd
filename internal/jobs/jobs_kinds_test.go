package jobs

import (
	"testing"
	"time"

	"github.com/elevate/elevate/internal/workflow"
)

// TestInsertParamsFollowTheJobTable checks that the queue, attempts and
// priority of an inserted job are those of workflow's job table.
func TestInsertParamsFollowTheJobTable(t *testing.T) {
	t.Parallel()
	for _, kind := range []workflow.JobKind{workflow.JobGrant, workflow.JobRevoke, workflow.JobExpire, workflow.JobNotify, workflow.JobFetchActivity, workflow.JobEndSessions, workflow.JobDirectoryEvent} {
		spec, _ := workflow.JobSpecOf(kind)
		p, err := insertParams(workflow.Job{Kind: kind, RequestID: "r", GrantID: "g", NotificationID: "n"})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if p.Args.Kind() != string(kind) || p.InsertOpts.Queue != spec.Queue || p.InsertOpts.MaxAttempts != spec.MaxAttempts || p.InsertOpts.Priority != spec.Priority {
			t.Errorf("%s: kind %s queue %q attempts %d priority %d; want %+v", kind, p.Args.Kind(), p.InsertOpts.Queue, p.InsertOpts.MaxAttempts, p.InsertOpts.Priority, spec)
		}
	}
	if _, err := insertParams(workflow.Job{Kind: workflow.JobSweep}); err == nil {
		t.Error("a periodic kind was accepted from a use case")
	}
}

// TestRevokeSnooze: a revoke job waiting for its planned start never
// snoozes past it, even when River's scheduler brings a long snooze back
// up to its interval late, and needs few runs to get there.
func TestRevokeSnooze(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{2 * time.Second, 5 * time.Second, 7 * time.Second, 12 * time.Second, 30 * time.Second, time.Hour} {
		left, runs := d, 0
		for left > revokeWait {
			s := revokeSnooze(left)
			if s <= 0 {
				t.Fatalf("start %s away: snooze %s", left, s)
			}
			late := time.Duration(0)
			if s > riverSchedulerInterval {
				late = riverSchedulerInterval // the worst the scheduler does
			}
			left -= s + late
			runs++
			if left < 0 {
				t.Fatalf("start %s away: back %s after it", d, -left)
			}
			if runs > 4 {
				t.Fatalf("start %s away: more than 4 snoozes", d)
			}
		}
	}
}
