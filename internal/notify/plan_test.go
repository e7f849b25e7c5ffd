package notify_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
)

var t0 = time.Date(2026, 4, 5, 6, 7, 8, 0, time.UTC)

func request() access.Request {
	return access.Request{ID: "req_1", RequesterID: "u-alice", RequesterName: "alice", PermissionSetName: "Admin",
		Grants: []access.Grant{{AccountID: "111111111111"}}, Duration: time.Hour, Approvers: []string{"u-bob", "u-carol"},
		Status: access.StatusActive, EndsAt: t0.Add(time.Hour)}
}

func planner(on notify.Channels) notify.Planner {
	return notify.Planner{Config: notify.Config{}.WithDefaults(), Channels: on}
}

// summary is channel, recipient id and due time (relative to t0) of each notification.
func summary(ns []access.Notification) []string {
	var out []string
	for _, n := range ns {
		due := "now"
		if !n.NotBefore.IsZero() {
			due = n.NotBefore.Sub(t0).String()
		}
		out = append(out, n.Channel+" "+n.RecipientName+" "+n.EventType+" "+due)
	}
	return out
}

// TestPlanBreakGlassAlertsEveryone: the alert goes to the requester, the
// reviewers, the admins and the auditors, once each, on every personal
// channel, the actor included; their names come from the facts, and one
// no longer in the directory is named by id.
func TestPlanBreakGlassAlertsEveryone(t *testing.T) {
	p := planner(notify.Channels{Email: true, Webhook: true})
	ev := access.Event{Type: notify.EventBreakGlass, RequestID: "req_1", Actor: access.Actor{UserID: "u-alice", UserName: "alice"}, At: t0}
	if g := p.Groups(ev); !slices.Equal(g, []string{"admins", "auditors"}) {
		t.Fatalf("groups %v", g)
	}
	f := notify.Facts{Members: map[string][]string{"admins": {"u-dave", "u-bob"}, "auditors": {"u-erin"}},
		Users: map[string]access.User{"u-alice": {ID: "u-alice", UserName: "alice"}, "u-bob": {ID: "u-bob", UserName: "bob"},
			"u-carol": {ID: "u-carol", UserName: "carol"}, "u-dave": {ID: "u-dave", UserName: "dave"}}}
	if rs := p.Recipients(ev, request(), f); !slices.Equal(rs, []string{"u-alice", "u-bob", "u-carol", "u-dave", "u-erin"}) {
		t.Fatalf("recipients %v", rs)
	}
	ns := p.Plan(ev, request(), f, t0)
	want := []string{"email alice request.break_glass now", "email bob request.break_glass now", "email carol request.break_glass now",
		"email dave request.break_glass now", "email u-erin request.break_glass now", "webhook  request.break_glass now"}
	if got := summary(ns); !slices.Equal(got, want) {
		t.Fatalf("planned %q, want %q", got, want)
	}
	for _, n := range ns {
		if n.Status != access.NotificationPending || n.RequestID != "req_1" || !n.CreatedAt.Equal(t0) || n.ID == "" ||
			n.Subject != "BREAK-GLASS: alice took Admin on 1111 1111 1111 for 1h" {
			t.Errorf("notification %+v", n)
		}
		if ev, err := notify.DecodeEvent(n.Event); err != nil || ev.Type != notify.EventBreakGlass || !ev.At.Equal(t0) {
			t.Errorf("stored event %+v, %v", ev, err)
		}
	}
}

// TestPlanActivationWarnsBeforeTheEnd: an activation tells the requester
// now and plans the warning at EndsAt − WarnBefore; the approvals update
// the approvers' Slack messages, not the approver who decided.
func TestPlanActivationWarnsBeforeTheEnd(t *testing.T) {
	p := planner(notify.Channels{Slack: true, SlackAudit: true})
	act := access.Event{Type: access.EventActivated, RequestID: "req_1", Actor: access.SystemActor, At: t0}
	if g := p.Groups(act); g != nil {
		t.Errorf("groups %v", g)
	}
	f := notify.Facts{Users: map[string]access.User{"u-alice": {ID: "u-alice", UserName: "alice"}}}
	want := []string{"slack alice request.activated now", "slack_audit  request.activated now", "slack alice request.ending_soon 45m0s"}
	if got := summary(p.Plan(act, request(), f, t0)); !slices.Equal(got, want) {
		t.Errorf("activation planned %q, want %q", got, want)
	}

	r := request()
	r.Status = access.StatusScheduled
	appr := access.Event{Type: access.EventApproved, RequestID: "req_1", Actor: access.Actor{UserID: "u-bob", UserName: "bob"}, At: t0}
	if rs := p.Recipients(appr, r, f); !slices.Equal(rs, []string{"u-alice", "u-bob", "u-carol"}) {
		t.Errorf("approval recipients %v", rs)
	}
	want = []string{"slack alice request.approved now", "slack_update u-bob request.approved now", "slack_update u-carol request.approved now",
		"slack_audit  request.approved now"}
	if got := summary(p.Plan(appr, r, f, t0)); !slices.Equal(got, want) {
		t.Errorf("approval planned %q, want %q", got, want)
	}
	if ns := p.Plan(access.Event{Type: access.EventActivated, At: t0}, r, f, t0); len(ns) != 0 {
		t.Errorf("an event of no request: %+v", ns)
	}
}

// TestAttemptOutcomes: what one delivery attempt leaves on the record.
func TestAttemptOutcomes(t *testing.T) {
	n := access.Notification{ID: "ntf_1", Channel: notify.ChannelEmail, Status: access.NotificationPending}
	for _, c := range []struct {
		name    string
		attempt int
		final   bool
		err     error
		status  string
		outcome string
		isFinal bool
	}{
		{"sent", 1, false, nil, access.NotificationSent, notify.OutcomeSent, true},
		{"skipped", 1, false, notify.SkipError{Reason: "gone"}, access.NotificationSkipped, notify.OutcomeSkipped, true},
		{"failed", 1, false, errors.New("down"), access.NotificationFailed, notify.OutcomeFailed, false},
		{"last attempt", 5, true, errors.New("down"), access.NotificationFailed, notify.OutcomeGivenUp, true},
		{"permanent", 1, false, &notify.PermanentError{Err: errors.New("refused")}, access.NotificationFailed, notify.OutcomeGivenUp, true},
	} {
		got, outcome := notify.Attempt(n, c.attempt, c.final, c.err, t0)
		if got.Status != c.status || outcome != c.outcome || got.Final != c.isFinal || got.Attempts != c.attempt {
			t.Errorf("%s: %+v, %s", c.name, got, outcome)
		}
		if (c.err == nil) != got.SentAt.Equal(t0) {
			t.Errorf("%s: sent at %v", c.name, got.SentAt)
		}
	}
}
