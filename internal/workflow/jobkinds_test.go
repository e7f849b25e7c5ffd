package workflow

import "testing"

func TestJobSpecsCoverEveryKindOnce(t *testing.T) {
	t.Parallel()
	kinds := []JobKind{JobGrant, JobRevoke, JobExpire, JobNotify, JobFetchActivity, JobEndSessions, JobSweep, JobSyncDirectory, JobReconcile, JobPrune, JobDirectoryEvent}
	seen := map[JobKind]int{}
	for _, s := range jobSpecs {
		seen[s.Kind]++
		switch s.Queue {
		case QueueDefault, QueueNotify, QueueActivity:
		default:
			t.Errorf("%s: unknown queue %q", s.Kind, s.Queue)
		}
	}
	for _, k := range kinds {
		if seen[k] != 1 {
			t.Errorf("%s appears %d times in the job table, want once", k, seen[k])
		}
	}
	if len(jobSpecs) != len(kinds) {
		t.Errorf("the job table has %d kinds, the constants %d", len(jobSpecs), len(kinds))
	}
	if _, ok := JobSpecOf("nope"); ok {
		t.Error("JobSpecOf found an unknown kind")
	}
}

func TestRevocationsAreNeverGivenUpAndRunFirst(t *testing.T) {
	t.Parallel()
	grant, _ := JobSpecOf(JobGrant)
	revoke, _ := JobSpecOf(JobRevoke)
	if revoke.MaxAttempts < 1000 || grant.MaxAttempts < 1000 {
		t.Errorf("grant and revoke attempts = %d, %d; want River's largest", grant.MaxAttempts, revoke.MaxAttempts)
	}
	if revoke.Priority != 1 {
		t.Errorf("revoke priority = %d, want 1 (before grants)", revoke.Priority)
	}
}
