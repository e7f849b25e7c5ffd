package jobs

import (
	"testing"

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
