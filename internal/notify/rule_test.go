package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
)

// TestPlanNotifyLists: the rule's notify groups hear about the request and
// its decisions (never about activation), its channels hear about the five
// kinds of event, and none of it makes anyone an approver.
func TestPlanNotifyLists(t *testing.T) {
	t.Parallel()
	p := planner(notify.Channels{Slack: true, Teams: []string{"secops"}, TeamsAll: []string{"all"}})
	rs := notify.RuleSettings{NotifyGroups: []string{"security"}, NotifyChannels: []string{"slack:C0123", "teams:secops", "teams:unknown"}}
	f := notify.Facts{Members: map[string][]string{"security": {"u-hank", "u-bob", "u-alice"}}, Rule: rs,
		Users: map[string]access.User{"u-alice": {ID: "u-alice", UserName: "alice"}, "u-hank": {ID: "u-hank", UserName: "hank"}, "u-bob": {ID: "u-bob", UserName: "bob"}, "u-carol": {ID: "u-carol", UserName: "carol"}}}
	pending := request()
	pending.Status = access.StatusPending
	alice := access.Actor{UserID: "u-alice", UserName: "alice"}
	for _, tc := range []struct {
		name string
		ev   access.Event
		r    access.Request
		want []string
	}{
		{"submitted", access.Event{Type: access.EventSubmitted, RequestID: "req_1", Actor: alice, At: t0}, pending, []string{
			"slack bob request.submitted now", "slack carol request.submitted now", "slack hank request.submitted now",
			"slack_channel C0123 request.submitted now", "teams secops request.submitted now", "teams all request.submitted now"}},
		{"approved", access.Event{Type: access.EventApproved, RequestID: "req_1", Actor: access.Actor{UserID: "u-bob", UserName: "bob"}, At: t0}, pending, []string{
			"slack alice request.approved now", "slack_update bob request.approved now", "slack_update carol request.approved now",
			"slack hank request.approved now", "slack_channel C0123 request.approved now", "teams secops request.approved now", "teams all request.approved now"}},
		{"the group does not hear about activation", access.Event{Type: access.EventActivated, RequestID: "req_1", Actor: access.SystemActor, At: t0}, request(), []string{
			"slack alice request.activated now", "slack_channel C0123 request.activated now", "teams secops request.activated now", "teams all request.activated now",
			"slack alice request.ending_soon 45m0s", "slack_channel C0123 request.ending_soon 45m0s", "teams secops request.ending_soon 45m0s", "teams all request.ending_soon 45m0s"}},
	} {
		got := summary(p.Plan(tc.ev, tc.r, f, t0))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: planned\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
	// A watcher's message has no buttons: only approvers decide.
	ev := access.Event{Type: access.EventSubmitted, RequestID: "req_1", Actor: alice, At: t0}
	m := notify.Config{}.WithDefaults().Render(access.Notification{ID: "n"}, ev, pending, access.User{ID: "u-hank", UserName: "hank"})
	if m.CanDecide {
		t.Error("a notify group member may decide")
	}
}

// TestPlanReminderFollowsTheRule: remind_before moves the reminder, a
// negative one turns it off, and the extension step reaches the message.
func TestPlanReminderFollowsTheRule(t *testing.T) {
	t.Parallel()
	p := planner(notify.Channels{Slack: true})
	ev := access.Event{Type: access.EventActivated, RequestID: "req_1", Actor: access.SystemActor, At: t0}
	for _, tc := range []struct {
		rs   notify.RuleSettings
		want []string
	}{
		{notify.RuleSettings{}, []string{"slack alice request.activated now", "slack alice request.ending_soon 45m0s"}},
		{notify.RuleSettings{RemindBefore: 5 * time.Minute, ExtendStep: 30 * time.Minute}, []string{"slack alice request.activated now", "slack alice request.ending_soon 55m0s"}},
		{notify.RuleSettings{RemindBefore: -1}, []string{"slack alice request.activated now"}},
	} {
		ns := p.Plan(ev, request(), notify.Facts{Rule: tc.rs, Users: map[string]access.User{"u-alice": {ID: "u-alice", UserName: "alice"}}}, t0)
		if got := summary(ns); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: planned %q, want %q", tc.rs, got, tc.want)
			continue
		}
		if len(ns) < 2 {
			continue
		}
		w, _ := notify.DecodeEvent(ns[1].Event)
		m := notify.Config{}.WithDefaults().Render(ns[1], w, request(), access.User{ID: "u-alice", UserName: "alice"})
		step := tc.rs.ExtendStep
		if step == 0 {
			step = time.Hour
		}
		if !m.Remind || m.ExtendStep != step || notify.Deliverable(ns[1], m) != nil {
			t.Errorf("reminder message: remind %v step %s, deliverable %v", m.Remind, m.ExtendStep, notify.Deliverable(ns[1], m))
		}
		// Extended since: the old reminder is skipped.
		later := request()
		later.EndsAt = later.EndsAt.Add(time.Hour)
		if err := notify.Deliverable(ns[1], notify.Config{}.WithDefaults().Render(ns[1], w, later, access.User{ID: "u-alice"})); err == nil {
			t.Error("the reminder of an extended request is deliverable")
		}
		// Ended early since: skipped too.
		ended := request()
		ended.Status = access.StatusRevoked
		if err := notify.Deliverable(ns[1], notify.Config{}.WithDefaults().Render(ns[1], w, ended, access.User{ID: "u-alice"})); err == nil {
			t.Error("the reminder of an ended request is deliverable")
		}
	}
}

// TestPlanEscalation: the approvers the escalation added are asked and the
// requester is told.
func TestPlanEscalation(t *testing.T) {
	t.Parallel()
	p := planner(notify.Channels{Slack: true})
	r := request()
	r.Status = access.StatusPending
	r.Approvers = append(r.Approvers, "u-hank")
	ev := access.Event{Type: notify.EventEscalated, RequestID: "req_1", Actor: access.SystemActor, At: t0,
		Details: map[string]string{"added": "u-hank", "groups": "sec-leads"}}
	f := notify.Facts{Users: map[string]access.User{"u-alice": {ID: "u-alice", UserName: "alice"}, "u-hank": {ID: "u-hank", UserName: "hank"}}}
	ns := p.Plan(ev, r, f, t0)
	if got, want := summary(ns), []string{"slack hank request.escalated now", "slack alice request.escalated now"}; !slices.Equal(got, want) {
		t.Fatalf("planned %q, want %q", got, want)
	}
	m := notify.Config{}.WithDefaults().Render(ns[0], ev, r, access.User{ID: "u-hank"})
	if !m.CanDecide || !strings.Contains(m.Subject, "escalated to sec-leads") {
		t.Errorf("escalation message: can decide %v, subject %q", m.CanDecide, m.Subject)
	}
}

// TestRenderSaysWhyTheDelegateIsAsked: the delegate's message names the
// approver who is away.
func TestRenderSaysWhyTheDelegateIsAsked(t *testing.T) {
	t.Parallel()
	r := request()
	r.Status = access.StatusPending
	ev := access.Event{Type: access.EventSubmitted, RequestID: "req_1", At: t0,
		Details: map[string]string{notify.DetailAskedBecause + "u-bob": "dave is away until 2026-04-06T00:00:00Z"}}
	m := notify.Config{}.WithDefaults().Render(access.Notification{}, ev, r, access.User{ID: "u-bob"})
	if !strings.Contains(m.Text, "You are asked because dave is away until 2026-04-06T00:00:00Z.") {
		t.Errorf("text:\n%s", m.Text)
	}
	if m := (notify.Config{}.WithDefaults().Render(access.Notification{}, ev, r, access.User{ID: "u-carol"})); m.Note != "" {
		t.Errorf("another approver's note: %q", m.Note)
	}
}
