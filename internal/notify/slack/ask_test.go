package slack_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/slack/slackfake"
)

const testSecret = "ask-test-signing-secret"

// fakeRequests stands in for the workflow: alice may request
// AdministratorAccess on prod (one approval, by bob); every call waits
// for the gate first (a slow database).
type fakeRequests struct {
	gate <-chan struct{}
	mu   sync.Mutex
	reqs map[string]*access.Request
	seq  int
	// offers replaces alice's offers when set.
	offers []slack.Offer
	// approverMFA is the approver_mfa of requests by id (none when absent).
	approverMFA map[string]time.Duration
}

var users = map[string]access.Actor{
	"alice@example.com": {UserID: "u-alice", UserName: "alice", Email: "alice@example.com", Via: access.ViaSlack},
	"bob@example.com":   {UserID: "u-bob", UserName: "bob", Email: "bob@example.com", Via: access.ViaSlack},
}

var prodAdmin = slack.Offer{AccountID: "444455556666", AccountName: "prod", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
	PermissionSet: "AdministratorAccess", Session: time.Hour, MaxDuration: 4 * time.Hour, ApprovalsRequired: 1, TicketRequired: true}

func (f *fakeRequests) wait(ctx context.Context) error {
	select {
	case <-f.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeRequests) ActorByEmail(ctx context.Context, email string, _ access.Via) (access.Actor, error) {
	if err := f.wait(ctx); err != nil {
		return access.Actor{}, err
	}
	a, ok := users[email]
	if !ok {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "no directory user has the email %s", email)
	}
	return a, nil
}

func (f *fakeRequests) find(ctx context.Context, actor access.Actor, id string) (*access.Request, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok || !r.VisibleTo(actor) {
		return nil, access.Errorf(access.CodeNotFound, "request %s does not exist", id)
	}
	c := *r
	return &c, nil
}

func (f *fakeRequests) GetRequest(ctx context.Context, actor access.Actor, id string) (*access.Request, error) {
	return f.find(ctx, actor, id)
}

func (f *fakeRequests) step(ctx context.Context, actor access.Actor, id string, t func(access.Request) (access.Request, access.Event, error)) (*access.Request, error) {
	r, err := f.find(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	next, _, err := t(*r)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.reqs[id] = &next
	f.mu.Unlock()
	return &next, nil
}

func (f *fakeRequests) Approve(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.step(ctx, actor, id, func(r access.Request) (access.Request, access.Event, error) {
		return r.Approve(actor, comment, time.Now())
	})
}

func (f *fakeRequests) Reject(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.step(ctx, actor, id, func(r access.Request) (access.Request, access.Event, error) {
		return r.Reject(actor, comment, time.Now())
	})
}

func (f *fakeRequests) Cancel(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.step(ctx, actor, id, func(r access.Request) (access.Request, access.Event, error) {
		return r.Cancel(actor, comment, time.Now())
	})
}

func (f *fakeRequests) End(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.step(ctx, actor, id, func(r access.Request) (access.Request, access.Event, error) { return r.End(actor, comment, time.Now()) })
}

func (f *fakeRequests) Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, just string) (*access.Request, error) {
	return f.step(ctx, actor, id, func(r access.Request) (access.Request, access.Event, error) {
		return r.Extend(actor, d, just, 4*time.Hour, time.Now())
	})
}

func (f *fakeRequests) Offers(ctx context.Context, actor access.Actor) ([]slack.Offer, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	if actor.UserName != "alice" {
		return nil, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.offers != nil {
		return f.offers, nil
	}
	return []slack.Offer{prodAdmin}, nil
}

func (f *fakeRequests) Approvers(ctx context.Context, _ access.Actor, _, _ string) ([]string, int, error) {
	if err := f.wait(ctx); err != nil {
		return nil, 0, err
	}
	return []string{"bob"}, 1, nil
}

func (f *fakeRequests) Submit(ctx context.Context, actor access.Actor, s slack.Submission) (*access.Request, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := "req_" + strings.Repeat("0", 3) + string(rune('0'+f.seq))
	r, _, err := access.NewRequest(access.NewRequestInput{ID: id, GrantIDs: []string{"grt_" + id}, AccountIDs: []string{s.AccountID},
		PermissionSetARN: prodAdmin.PermissionSetARN, PermissionSetName: prodAdmin.PermissionSet, Duration: s.Duration,
		StartAt: s.StartAt, Justification: s.Justification, Ticket: s.Ticket},
		actor, access.Eligibility{Rule: "r", Approvers: []string{"u-bob"}, ApprovalsRequired: 1, TicketRequired: true},
		access.Limits{MaxDuration: 4 * time.Hour, ApprovalTimeout: time.Hour, MaxStartAhead: 24 * time.Hour}, time.Now())
	if err != nil {
		return nil, err
	}
	f.reqs[id] = &r
	return &r, nil
}

func (f *fakeRequests) list(ctx context.Context, keep func(*access.Request) bool) ([]*access.Request, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*access.Request
	for _, r := range f.reqs {
		if keep(r) {
			c := *r
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeRequests) Open(ctx context.Context, actor access.Actor) ([]*access.Request, error) {
	return f.list(ctx, func(r *access.Request) bool { return r.RequesterID == actor.UserID && !r.Status.Terminal() })
}

func (f *fakeRequests) Awaiting(ctx context.Context, actor access.Actor) ([]*access.Request, error) {
	return f.list(ctx, func(r *access.Request) bool {
		return r.Status == access.StatusPending && r.IsApprover(actor.UserID) && len(r.Approvals) == 0
	})
}

func (f *fakeRequests) ApproverMFA(ctx context.Context, actor access.Actor, id string) (time.Duration, error) {
	return f.approverMFA[id], f.wait(ctx)
}

func (f *fakeRequests) AccountNames(ctx context.Context, ids []string) (map[string]string, error) {
	return map[string]string{prodAdmin.AccountID: prodAdmin.AccountName}, f.wait(ctx)
}

func (f *fakeRequests) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	return map[string]string{"u-alice": "alice", "u-bob": "bob"}, f.wait(ctx)
}

// askEnv is the real Slack handler served over HTTP, against a fake
// workspace and fake use cases behind the gate.
type askEnv struct {
	ws   *slackfake.Workspace
	reqs *fakeRequests
}

func newAskEnv(t *testing.T, gate <-chan struct{}, slowSlack bool) *askEnv {
	t.Helper()
	ws := slackfake.New(t, testSecret,
		slackfake.User{ID: "U_alice", Name: "alice", Email: "alice@example.com"},
		slackfake.User{ID: "U_bob", Name: "bob", Email: "bob@example.com"},
		slackfake.User{ID: "U_mallory", Name: "mallory", Email: "bob@example.com", Unconfirmed: true})
	if slowSlack {
		// users.info is slow too; views.open is not (it must use the
		// trigger within 3 seconds, so it comes first).
		ws.Delay = func(method string) {
			if method == "users.info" {
				<-gate
			}
		}
	}
	c, err := slack.New(slack.Config{BotToken: "xoxb-test", SigningSecret: testSecret, APIURL: ws.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	reqs := &fakeRequests{gate: gate, reqs: map[string]*access.Request{}}
	h, err := slack.NewInteractionsWithRequests(c, reqs, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
		slack.AskConfig{PublicURL: "https://elevate.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ws.AppURL = srv.URL
	return &askEnv{ws: ws, reqs: reqs}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
