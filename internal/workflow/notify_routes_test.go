package workflow_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// routesDir is dir with the sec-leads (hank) escalation group, the
// security (ivan) notify group and dave, a possible delegate.
func routesDir() access.Directory {
	d := dir
	d.Users = append(slices.Clone(dir.Users), access.User{ID: "u-dave", UserName: "dave", Email: "dave@example.com", Active: true},
		access.User{ID: "u-hank", UserName: "hank", Email: "hank@example.com", Active: true},
		access.User{ID: "u-ivan", UserName: "ivan", Email: "ivan@example.com", Active: true})
	d.Groups = append(slices.Clone(dir.Groups), access.Group{ID: "g-secl", Name: "sec-leads"}, access.Group{ID: "g-sec", Name: "security"})
	d.Memberships = append(slices.Clone(dir.Memberships), access.Membership{GroupID: "g-secl", UserID: "u-hank"},
		access.Membership{GroupID: "g-sec", UserID: "u-ivan"})
	return d
}

type routesEnv struct {
	st    store.Store
	svc   *workflow.Service
	n     *workflow.Notifications
	sched *recordingScheduler
	slack *fakeSlack
	clock *stepClock
}

// newRoutesEnv is a service on s with Slack notifications whose one rule
// lets alice request Admin on prod with one approval from the approvers
// (bob, carol), escalating to sec-leads after 30 minutes and telling the
// security group.
func newRoutesEnv(t *testing.T, s store.Store) routesEnv {
	t.Helper()
	ctx := context.Background()
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, routesDir(), time.Now()) }); err != nil {
		t.Fatal(err)
	}
	e := routesEnv{st: s, sched: &recordingScheduler{}, slack: &fakeSlack{}, clock: &stepClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}}
	var err error
	e.n, err = workflow.NewNotifications(workflow.NotificationsDeps{Store: s, Slack: e.slack, Clock: e.clock,
		Config: notify.Config{PublicURL: "https://elevate.example/"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rule := policy.Rule{Name: "r", Users: []string{"alice", "carol"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"},
		MaxDuration: time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"},
		RuleNotify: policy.RuleNotify{EscalateAfter: 30 * time.Minute, EscalationGroups: []string{"sec-leads"}, NotifyGroups: []string{"security"}}}
	e.svc, err = workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{rule}},
		workflow.Deps{Store: s, Scheduler: e.sched, Provider: noAWS{}, Notifications: e.n, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e routesEnv) submit(t *testing.T, by access.Actor) *access.Request {
	t.Helper()
	r, err := e.svc.Submit(context.Background(), by, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin",
		Duration: 30 * time.Minute, Justification: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// notified lists "channel recipient event" of the request's notifications.
func (e routesEnv) notified(t *testing.T, requestID string) []string {
	t.Helper()
	ns, err := e.n.List(context.Background(), access.SystemActor, notify.ListInput{RequestID: requestID, All: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Channel+" "+n.Recipient+" "+n.Event)
	}
	return out
}

func (e routesEnv) events(t *testing.T, requestID string, typ access.EventType) []access.Event {
	t.Helper()
	var out []access.Event
	if err := e.st.ReadTx(context.Background(), func(tx store.Tx) error {
		evs, err := tx.ListEvents(context.Background(), requestID)
		for _, ev := range evs {
			if ev.Type == typ {
				out = append(out, ev)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEscalation: the pending request's deadline job is due at
// escalate_after; before then it waits; then the escalation group's
// members become approvers, once, with an event in the decision log, the
// requester is told and the new approver may approve.
func TestEscalation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newRoutesEnv(t, s)
		r := e.submit(t, actor("u-alice", "alice"))
		var due time.Time
		for _, j := range e.sched.jobs {
			if j.Kind == workflow.JobExpire && j.RequestID == r.ID {
				due = j.At
			}
		}
		if !due.Equal(r.CreatedAt.Add(30 * time.Minute)) {
			t.Fatalf("deadline job at %v, want the escalation at %v", due, r.CreatedAt.Add(30*time.Minute))
		}
		var nd *workflow.NotDueError
		if err := e.svc.Expire(ctx, r.ID); !errors.As(err, &nd) || !nd.Until.Equal(due) {
			t.Fatalf("expire before the escalation: %v, want not due until %v", err, due)
		}
		if _, err := e.svc.Approve(ctx, actor("u-hank", "hank"), r.ID, ""); !refused(err) {
			t.Errorf("hank approves before the escalation: %v, want refused", err)
		}
		e.clock.add(31 * time.Minute)
		for range 2 { // the second run must not escalate again
			if err := e.svc.Expire(ctx, r.ID); !errors.As(err, &nd) || !nd.Until.Equal(r.ExpiresAt) {
				t.Fatalf("expire after the escalation: %v, want not due until the expiry %v", err, r.ExpiresAt)
			}
		}
		evs := e.events(t, r.ID, workflow.EventEscalated)
		if len(evs) != 1 || evs[0].Details["added"] != "u-hank" || evs[0].Details["groups"] != "sec-leads" {
			t.Fatalf("escalation events %+v, want one adding u-hank from sec-leads", evs)
		}
		got := e.notified(t, r.ID)
		for _, want := range []string{"slack hank request.escalated", "slack alice request.escalated"} {
			if !slices.Contains(got, want) {
				t.Errorf("notifications %q lack %q", got, want)
			}
		}
		out, err := e.svc.Approve(ctx, actor("u-hank", "hank"), r.ID, "")
		if err != nil || out.Status != access.StatusScheduled {
			t.Fatalf("hank approves after the escalation: %v, %v", out, err)
		}
	})
}

// TestDelegation: while bob is away his approvals go to dave, who is told
// why; bob may no longer decide; a delegate who is the requester is never
// asked (the other approvers decide); the absence is audited and ends at
// its time.
func TestDelegation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newRoutesEnv(t, s)
		bob := actor("u-bob", "bob")
		until := e.clock.Now().Add(4 * time.Hour)
		if _, err := e.svc.SetAway(ctx, bob, until, "bob"); access.ErrorCode(err) != access.CodeInvalid {
			t.Errorf("delegate to oneself: %v, want invalid", err)
		}
		if _, err := e.svc.SetAway(ctx, bob, e.clock.Now().Add(-time.Minute), "dave"); access.ErrorCode(err) != access.CodeInvalid {
			t.Errorf("away until the past: %v, want invalid", err)
		}
		if _, err := e.svc.SetAway(ctx, bob, until, "nobody"); access.ErrorCode(err) != access.CodeNotFound {
			t.Errorf("unknown delegate: %v, want not found", err)
		}
		a, err := e.svc.SetAway(ctx, bob, until, "dave")
		if err != nil || a.DelegateID != "u-dave" {
			t.Fatalf("set away: %+v, %v", a, err)
		}
		set := e.events(t, "", workflow.EventAwaySet)
		if len(set) != 1 || set[0].Details["delegate"] != "dave" || set[0].Actor.UserName != "bob" {
			t.Errorf("away events %+v", set)
		}

		r := e.submit(t, actor("u-alice", "alice"))
		if !slices.Equal(r.Approvers, []string{"u-dave", "u-carol"}) {
			t.Fatalf("approvers %v, want dave (for bob) and carol", r.Approvers)
		}
		for _, n := range e.notified(t, r.ID) {
			if strings.Contains(n, " bob ") {
				t.Errorf("bob, away, is notified: %s", n)
			}
		}
		ns, err := e.n.List(ctx, access.SystemActor, notify.ListInput{RequestID: r.ID, All: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Recipient == "dave" {
				if err := e.n.Deliver(ctx, n.ID, 1, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		why := "You are asked because bob is away until " + until.UTC().Format(time.RFC3339) + "."
		if len(e.slack.dms) != 1 || e.slack.dms[0].Note != why || !e.slack.dms[0].CanDecide || !strings.Contains(e.slack.dms[0].Text, why) {
			t.Errorf("dave's DMs %+v, want one saying %q", e.slack.dms, why)
		}
		if _, err := e.svc.Approve(ctx, bob, r.ID, ""); !refused(err) {
			t.Errorf("bob approves while away: %v, want refused", err)
		}
		if out, err := e.svc.Approve(ctx, actor("u-dave", "dave"), r.ID, ""); err != nil || out.Status != access.StatusScheduled {
			t.Errorf("dave approves: %v, %v", out, err)
		}

		// bob delegates to alice: alice's own request goes to the other
		// approver, carol, and never to alice.
		if _, err := e.svc.SetAway(ctx, bob, until, "alice"); err != nil {
			t.Fatal(err)
		}
		own := e.submit(t, actor("u-alice", "alice"))
		if !slices.Equal(own.Approvers, []string{"u-carol"}) {
			t.Fatalf("alice's request asks %v, want carol alone", own.Approvers)
		}
		if ev := e.events(t, own.ID, access.EventSubmitted); len(ev) != 1 || ev[0].Details["delegations"] != "bob->(not routed)" {
			t.Errorf("submission's delegations %+v", ev)
		}

		// At until, the absence ends: bob is asked again.
		e.clock.add(4 * time.Hour)
		later := e.submit(t, actor("u-alice", "alice"))
		if !slices.Equal(later.Approvers, []string{"u-bob", "u-carol"}) {
			t.Errorf("approvers after the absence %v, want bob and carol", later.Approvers)
		}
		if _, ok, err := e.svc.GetAway(ctx, bob); ok || err != nil {
			t.Errorf("get away after its end: active %v, %v", ok, err)
		}
	})
}

// TestNotifyGroupsAreToldButCannotDecide: the rule's notify group hears
// about the request and its decision, and its members' approval is refused.
func TestNotifyGroupsAreToldButCannotDecide(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newRoutesEnv(t, s)
		r := e.submit(t, actor("u-alice", "alice"))
		if _, err := e.svc.Approve(ctx, actor("u-ivan", "ivan"), r.ID, ""); !refused(err) {
			t.Errorf("ivan (notify group) approves: %v, want refused", err)
		}
		if _, err := e.svc.Approve(ctx, actor("u-bob", "bob"), r.ID, ""); err != nil {
			t.Fatal(err)
		}
		got := e.notified(t, r.ID)
		for _, want := range []string{"slack ivan request.submitted", "slack ivan request.approved"} {
			if !slices.Contains(got, want) {
				t.Errorf("notifications %q lack %q", got, want)
			}
		}
	})
}

// refused reports whether err is the authorization's refusal: a request
// the actor may not decide is one they may not see (not found) or decide
// (forbidden).
func refused(err error) bool {
	c := access.ErrorCode(err)
	return c == access.CodeNotFound || c == access.CodeForbidden
}
