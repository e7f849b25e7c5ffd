package workflow_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// fakeSlack records what the notifications send to Slack.
type fakeSlack struct {
	mu      sync.Mutex
	dms     []notify.Message
	updates []string // channel/ts updated
}

func (f *fakeSlack) DirectMessage(_ context.Context, m notify.Message) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dms = append(f.dms, m)
	return "D_" + m.Recipient.UserName, "1700000000.000001", nil
}

func (f *fakeSlack) UpdateMessage(_ context.Context, channel, ts string, _ notify.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, channel+"/"+ts)
	return nil
}

func (f *fakeSlack) AuditMessage(context.Context, notify.Message) error { return nil }
func (f *fakeSlack) HasAuditChannel() bool                              { return false }

// fakeSender sends by recording, or fails with err.
type fakeSender struct {
	err  error
	sent []notify.Message
}

func (f *fakeSender) Send(_ context.Context, m notify.Message) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, m)
	return nil
}

// outcomes counts deliveries by channel and outcome.
type outcomes map[string]int

func (o outcomes) ObserveNotification(channel, outcome string) { o[channel+" "+outcome]++ }

type notifEnv struct {
	st    store.Store
	svc   *workflow.Service
	n     *workflow.Notifications
	sched *recordingScheduler
	slack *fakeSlack
	email *fakeSender
	obs   outcomes
}

// newNotifEnv is a service whose appended events are planned by real
// Notifications on Slack and email, on a SQLite store holding dir; a
// request by alice needs one approval from bob or carol.
func newNotifEnv(t *testing.T) notifEnv {
	t.Helper()
	e := notifEnv{st: newDirStore(t), sched: &recordingScheduler{}, slack: &fakeSlack{}, email: &fakeSender{}, obs: outcomes{}}
	var err error
	e.n, err = workflow.NewNotifications(workflow.NotificationsDeps{Store: e.st, Slack: e.slack, Email: e.email, Observer: e.obs,
		Config: notify.Config{PublicURL: "https://elevate.example/"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rule := policy.Rule{Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"},
		MaxDuration: time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"}}
	e.svc, err = workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{rule}},
		workflow.Deps{Store: e.st, Scheduler: e.sched, Provider: noAWS{}, Notifications: e.n})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// all lists every notification of the request.
func (e notifEnv) all(t *testing.T, requestID string) []notify.NotificationJSON {
	t.Helper()
	ns, err := e.n.List(context.Background(), access.SystemActor, notify.ListInput{RequestID: requestID, All: true})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestNewNotificationsNeedsAStore(t *testing.T) {
	if _, err := workflow.NewNotifications(workflow.NotificationsDeps{}); err == nil {
		t.Error("no error without a Store")
	}
}

// TestNotificationsPlannedInTheEventsTransaction: a submission records a
// Slack DM and an email for each approver with a delivery job each;
// delivery sends each once, with buttons, and remembers the approvers'
// Slack messages, which an approval then updates in place.
func TestNotificationsPlannedInTheEventsTransaction(t *testing.T) {
	e := newNotifEnv(t)
	ctx := context.Background()
	r := submit(t, e.svc)
	ns := e.all(t, r.ID)
	var got []string
	for _, n := range ns {
		got = append(got, n.Channel+" "+n.Recipient+" "+n.Status)
		if n.Subject != "alice requests Admin on prod (1111 1111 1111) for 30m" || n.Event != string(access.EventSubmitted) {
			t.Errorf("notification %+v", n)
		}
		i := slices.IndexFunc(e.sched.jobs, func(j workflow.Job) bool { return j.NotificationID == n.ID })
		if i < 0 || e.sched.jobs[i].Kind != workflow.JobNotify || !e.sched.jobs[i].Expedite || e.sched.jobs[i].RequestID != r.ID {
			t.Errorf("no delivery job for %s: %+v", n.ID, e.sched.jobs)
		}
	}
	slices.Sort(got) // they share their creation time: the list's order among them is the ids'
	want := []string{"email bob pending", "email carol pending", "slack bob pending", "slack carol pending"}
	if !slices.Equal(got, want) {
		t.Fatalf("planned %q, want %q", got, want)
	}

	for _, n := range ns {
		for range 2 { // the second delivery is not repeated
			if err := e.n.Deliver(ctx, n.ID, 1, false); err != nil {
				t.Fatalf("deliver %s: %v", n.Channel, err)
			}
		}
	}
	if len(e.slack.dms) != 2 || len(e.email.sent) != 2 {
		t.Fatalf("%d DMs and %d emails, want 2 and 2", len(e.slack.dms), len(e.email.sent))
	}
	for _, m := range e.slack.dms {
		if !m.CanDecide || m.URL != "https://elevate.example/requests/"+r.ID || !strings.HasPrefix(m.Text, m.Subject+"\n\n") {
			t.Errorf("DM %+v", m)
		}
	}
	for _, n := range e.all(t, r.ID) {
		if n.Status != access.NotificationSent || n.Attempts != 1 || !n.Final || n.SentAt == nil {
			t.Errorf("after delivery: %+v", n)
		}
	}
	if e.obs["slack sent"] != 2 || e.obs["email sent"] != 2 {
		t.Errorf("counted %v", e.obs)
	}

	if _, err := e.svc.Approve(ctx, actor("u-bob", "bob"), r.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	var update string
	for _, n := range e.all(t, r.ID) {
		if n.Event == string(access.EventApproved) && n.Channel == notify.ChannelSlackUpdate && n.Recipient == "carol" {
			update = n.ID
		}
	}
	if update == "" {
		t.Fatalf("no update of carol's message planned: %+v", e.all(t, r.ID))
	}
	if err := e.n.Deliver(ctx, update, 1, false); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.slack.updates, []string{"D_carol/1700000000.000001"}) {
		t.Errorf("updated %v", e.slack.updates)
	}
}

// TestNotificationDeliveryRetriesThenGivesUp: a failed send is recorded
// and retried; the final attempt, or a permanent error, gives up.
func TestNotificationDeliveryRetriesThenGivesUp(t *testing.T) {
	e := newNotifEnv(t)
	ctx := context.Background()
	e.email.err = errors.New("smtp: 421 try later")
	r := submit(t, e.svc)
	var emails []string
	for _, n := range e.all(t, r.ID) {
		if n.Channel == notify.ChannelEmail {
			emails = append(emails, n.ID)
		}
	}
	if len(emails) != 2 {
		t.Fatalf("emails %v", emails)
	}
	if err := e.n.Deliver(ctx, emails[0], 1, false); err == nil || !strings.Contains(err.Error(), "421") {
		t.Fatalf("first attempt: %v, want the send error to retry", err)
	}
	if err := e.n.Deliver(ctx, emails[0], 2, true); err != nil {
		t.Fatalf("final attempt: %v, want nil (given up)", err)
	}
	e.email.err = &notify.PermanentError{Err: errors.New("address refused")}
	if err := e.n.Deliver(ctx, emails[1], 1, false); err != nil {
		t.Fatalf("permanent error: %v, want nil (given up)", err)
	}
	for _, n := range e.all(t, r.ID) {
		switch {
		case n.ID == emails[0] && (n.Status != access.NotificationFailed || !n.Final || n.Attempts != 2 || n.LastError != "smtp: 421 try later"):
			t.Errorf("given up after retries: %+v", n)
		case n.ID == emails[1] && (n.Status != access.NotificationFailed || !n.Final || n.Attempts != 1 || n.LastError != "address refused"):
			t.Errorf("given up at once: %+v", n)
		}
	}
	if e.obs["email failed"] != 1 || e.obs["email given_up"] != 2 {
		t.Errorf("counted %v", e.obs)
	}
	if err := e.n.Deliver(ctx, "ntf_gone", 1, false); err != nil {
		t.Errorf("a notification that is gone: %v", err)
	}
}

// TestNotificationsListAuthorizes: an actor lists their own; everyone's
// is for admins and auditors; a filter is checked.
func TestNotificationsListAuthorizes(t *testing.T) {
	e := newNotifEnv(t)
	ctx := context.Background()
	submit(t, e.svc)
	bob := actor("u-bob", "bob")
	own, err := e.n.List(ctx, bob, notify.ListInput{})
	if err != nil || len(own) != 2 || own[0].Recipient != "bob" || own[1].Recipient != "bob" {
		t.Fatalf("bob's own: %+v, %v", own, err)
	}
	if _, err := e.n.List(ctx, bob, notify.ListInput{All: true}); access.ErrorCode(err) != access.CodeForbidden {
		t.Errorf("bob lists everyone's: %v", err)
	}
	bob.Auditor = true
	if all, err := e.n.List(ctx, bob, notify.ListInput{All: true}); err != nil || len(all) != 4 {
		t.Errorf("an auditor lists everyone's: %d, %v", len(all), err)
	}
	if _, err := e.n.List(ctx, bob, notify.ListInput{Status: "lost"}); access.ErrorCode(err) != access.CodeInvalid {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := e.n.List(ctx, access.Actor{}, notify.ListInput{}); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Errorf("nobody: %v", err)
	}
}
