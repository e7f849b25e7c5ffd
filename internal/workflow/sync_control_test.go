package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// scheduleQueue is a SyncQueue with a fixed schedule; the real queue is
// exercised end to end in internal/app (TestDirectorySyncOnDemand).
type scheduleQueue struct{ s workflow.SyncSchedule }

func (q scheduleQueue) EnqueueSync(context.Context) (workflow.SyncJob, error) {
	return workflow.SyncJob{ID: 7, State: "available"}, nil
}
func (q scheduleQueue) SyncJob(_ context.Context, id int64) (workflow.SyncJob, error) {
	return workflow.SyncJob{ID: id, State: "completed"}, nil
}
func (q scheduleQueue) SyncSchedule(context.Context) (workflow.SyncSchedule, error) { return q.s, nil }

// TestSyncControl: who may read and trigger, and the next-run estimate
// (last periodic job + interval; before any, last run + interval; none
// when periodic syncs are off).
func TestSyncControl(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store.Store) {
		e := newSyncEnv(t, s)
		e.sync(t)
		last, _, err := e.svc.RunStatus(t.Context(), access.RunDirectorySync)
		if err != nil {
			t.Fatal(err)
		}
		admin := access.Actor{UserName: "erin", Admin: true}
		auditor := access.Actor{UserName: "dave", Auditor: true}
		requester := access.Actor{UserName: "alice"}
		periodicAt := last.StartedAt.Add(-time.Minute)
		for _, tc := range []struct {
			name string
			s    workflow.SyncSchedule
			want time.Time
		}{
			{"after a periodic job", workflow.SyncSchedule{Interval: 15 * time.Minute, LastPeriodicAt: periodicAt}, periodicAt.Add(15 * time.Minute)},
			{"before any periodic job", workflow.SyncSchedule{Interval: 15 * time.Minute}, last.StartedAt.Add(15 * time.Minute)},
			{"periodic off", workflow.SyncSchedule{}, time.Time{}},
		} {
			c, err := workflow.NewSyncControl(e.svc, scheduleQueue{tc.s})
			if err != nil {
				t.Fatal(err)
			}
			st, err := c.Status(t.Context(), auditor, 3)
			if err != nil {
				t.Fatalf("%s: Status as auditor: %v", tc.name, err)
			}
			if !st.NextRunAt.Equal(tc.want) || !st.Found || st.Last.Counts["users"] == 0 || st.Job == nil || st.Job.ID != 3 || !st.Job.Finished() {
				t.Errorf("%s: status = %+v; want next run %v, the last run's counts and job 3", tc.name, st, tc.want)
			}
		}
		c, _ := workflow.NewSyncControl(e.svc, scheduleQueue{})
		if _, err := c.Status(t.Context(), requester, 0); access.ErrorCode(err) != access.CodeForbidden {
			t.Errorf("Status as a requester: %v, want forbidden", err)
		}
		if _, err := c.Status(t.Context(), admin, -1); access.ErrorCode(err) != access.CodeInvalid {
			t.Errorf("Status of job -1: %v, want invalid_argument", err)
		}
		for _, a := range []access.Actor{requester, auditor} {
			if _, err := c.Trigger(t.Context(), a); access.ErrorCode(err) != access.CodeForbidden {
				t.Errorf("Trigger as %s: %v, want forbidden", a.UserName, err)
			}
		}
		if j, err := c.Trigger(t.Context(), admin); err != nil || j.ID != 7 {
			t.Errorf("Trigger as admin: %+v, %v", j, err)
		}
	})
}
