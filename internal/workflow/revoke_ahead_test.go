package workflow_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// TestRevokeAhead: with revoke_ahead the revoke job is scheduled the bound
// before the end; run then, it waits for the start it plans (the default
// envelope: 2 s latency and 2 s margin before the end, alone); run at that
// start, it revokes, and the grant and its history report the access cut
// short. Without revoke_ahead nothing changes: the job is due at the end.
func TestRevokeAhead(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		ahead     time.Duration
		wantJob   time.Duration // job time relative to the end
		wantStart time.Duration // planned start relative to the end
	}{
		{name: "off", ahead: 0, wantJob: 0, wantStart: 0},
		{name: "5m", ahead: 5 * time.Minute, wantJob: -5 * time.Minute, wantStart: -4 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := newDirStore(t)
			clock := &settableClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
			sched := &recordingScheduler{}
			svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, RevokeAhead: c.ahead, Rules: []policy.Rule{{
				Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"}, MaxDuration: time.Hour}}},
				workflow.Deps{Store: st, Scheduler: sched, Provider: okAWS{}, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			alice := actor("u-alice", "alice")
			r, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin",
				Duration: 30 * time.Minute, Justification: "revoke ahead"})
			if err != nil {
				t.Fatal(err)
			}
			grant := r.Grants[0].ID
			if err := svc.Activate(ctx, grant, 1); err != nil {
				t.Fatal(err)
			}
			got, err := svc.GetRequest(ctx, access.SystemActor, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			end := got.EndsAt
			sched.mu.Lock()
			i := slices.IndexFunc(sched.jobs, func(j workflow.Job) bool { return j.Kind == workflow.JobRevoke })
			job := sched.jobs[i]
			sched.mu.Unlock()
			if d := job.At.Sub(end); d != c.wantJob {
				t.Fatalf("revoke job at %s from the end, want %s", d, c.wantJob)
			}
			// A job that runs early (at its time, or before the end when
			// that is its time) is not due until its start.
			clock.Set(job.At.Add(-time.Second))
			err = svc.Revoke(ctx, grant, 1)
			var nd *workflow.NotDueError
			if !errors.As(err, &nd) || nd.Until.Sub(end) != c.wantStart {
				t.Fatalf("Revoke at the job's time = %v, want not due until %s from the end", err, c.wantStart)
			}
			clock.Set(nd.Until)
			if err := svc.Revoke(ctx, grant, 1); err != nil {
				t.Fatal(err)
			}
			got, err = svc.GetRequest(ctx, access.SystemActor, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			g := got.Grants[0]
			if got.Status != access.StatusEnded || g.Status != access.GrantRevoked {
				t.Fatalf("after the revocation: request %s, grant %s", got.Status, g.Status)
			}
			if cut := g.CutShort(*got); cut != -c.wantStart {
				t.Errorf("access cut short %s, want %s", cut, -c.wantStart)
			}
			var evs []access.Event
			if err := st.ReadTx(ctx, func(tx store.Tx) (err error) { evs, err = tx.ListEvents(ctx, r.ID); return err }); err != nil {
				t.Fatal(err)
			}
			i = slices.IndexFunc(evs, func(e access.Event) bool { return e.Type == access.EventGrantRevoked })
			want := ""
			if c.ahead > 0 {
				want = (-c.wantStart).String()
			}
			if i < 0 || evs[i].Details["cut_short"] != want {
				t.Errorf("grant.revoked event %+v, want cut_short %q", evs[i], want)
			}
		})
	}
}

// TestRevokeAheadOutOfRange: the bound is refused above an hour.
func TestRevokeAheadOutOfRange(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{-time.Second, 2 * time.Hour} {
		if _, err := workflow.New(workflow.Settings{RevokeAhead: d}, workflow.Deps{Store: newDirStore(t), Scheduler: &recordingScheduler{}, Provider: okAWS{}}); err == nil {
			t.Errorf("RevokeAhead %s accepted", d)
		}
	}
}
