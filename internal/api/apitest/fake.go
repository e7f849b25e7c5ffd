// Package apitest provides an in-memory api.Service for the tests of the
// API, the Go client and the CLI. It applies the real transitions of package
// access, so statuses, errors and events move as they do in the real
// service; only storage, policy and AWS are faked. End-to-end tests use the
// real app instead.
package apitest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// Fake is an in-memory api.Service. The zero value is not usable; call New.
type Fake struct {
	mu        sync.Mutex
	now       func() time.Time
	tokens    map[string]access.Actor
	names     map[string]string
	eligible  []workflow.Eligible
	approvers []string
	requests  map[string]*access.Request
	order     []string
	events    map[string][]access.Event
	fail      error
	lastVia   access.Via
	gets      int
}

// New returns an empty Fake on the real clock.
func New() *Fake {
	return &Fake{
		now:      time.Now,
		tokens:   map[string]access.Actor{},
		names:    map[string]string{},
		requests: map[string]*access.Request{},
		events:   map[string][]access.Event{},
	}
}

// SetClock makes the fake tell time with now.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// AddUser makes token authenticate as a, and a.UserName known to UserNames.
func (f *Fake) AddUser(token string, a access.Actor) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[token] = a
	f.names[a.UserID] = a.UserName
}

// AddEligible offers e to every user.
func (f *Fake) AddEligible(e workflow.Eligible) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.eligible = append(f.eligible, e)
}

// SetApprovers names the user ids that may approve every new request.
func (f *Fake) SetApprovers(ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approvers = slices.Clone(ids)
}

// Fail makes every method but Authenticate return err, until Fail(nil).
func (f *Fake) Fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

// LastVia returns the Via of the last successful authentication.
func (f *Fake) LastVia() access.Via {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastVia
}

// GetRequestCalls returns how many times GetRequest was called, so that a
// test can wait until a poller has seen a state before changing it.
func (f *Fake) GetRequestCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

// AwaitGetRequestCalls waits up to 5s until GetRequest was called at least n
// times, and reports whether it was.
func (f *Fake) AwaitGetRequestCalls(n int) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if f.GetRequestCalls() >= n {
			return true
		}
	}
	return false
}

// Put stores r as is, replacing any request with its id.
func (f *Fake) Put(r access.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.put(r)
}

func (f *Fake) put(r access.Request) {
	if _, ok := f.requests[r.ID]; !ok {
		f.order = append(f.order, r.ID)
	}
	f.requests[r.ID] = &r
}

// Request returns a copy of request id.
func (f *Fake) Request(id string) (access.Request, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.requests[id]
	if !ok {
		return access.Request{}, false
	}
	return *r, true
}

// Requests returns copies of all requests, oldest first.
func (f *Fake) Requests() []access.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]access.Request, 0, len(f.order))
	for _, id := range f.order {
		out = append(out, *f.requests[id])
	}
	return out
}

// Activate makes every pending grant of scheduled request id active, as
// the grant jobs would.
func (f *Fake) Activate(id string) error {
	return f.settleGrants(id, access.GrantPending, func(r access.Request, g access.Grant, now time.Time) (access.Request, []access.Event, error) {
		return r.GrantActivated(g.ID, "aws-create-"+g.ID, access.OriginCreated, now)
	})
}

// FailGrants makes every pending grant of request id fail with reason.
func (f *Fake) FailGrants(id, reason string) error {
	return f.settleGrants(id, access.GrantPending, func(r access.Request, g access.Grant, now time.Time) (access.Request, []access.Event, error) {
		return r.GrantFailed(g.ID, reason, now)
	})
}

// Revoke removes every active grant of request id, as the revoke jobs would.
func (f *Fake) Revoke(id string) error {
	return f.settleGrants(id, access.GrantActive, func(r access.Request, g access.Grant, now time.Time) (access.Request, []access.Event, error) {
		return r.GrantRevoked(g.ID, "aws-delete-"+g.ID, now)
	})
}

func (f *Fake) settleGrants(id string, from access.GrantStatus,
	step func(access.Request, access.Grant, time.Time) (access.Request, []access.Event, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.requests[id]
	if !ok {
		return fmt.Errorf("apitest: no request %s", id)
	}
	r := *p
	for _, g := range r.Grants {
		if g.Status != from {
			continue
		}
		next, evs, err := step(r, g, f.now())
		if err != nil {
			return err
		}
		r = next
		f.events[id] = append(f.events[id], evs...)
	}
	f.put(r)
	return nil
}

// Authenticate implements api.Service.
func (f *Fake) Authenticate(_ context.Context, secret string, via access.Via) (access.Actor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.tokens[secret]
	if !ok {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "the token is unknown or revoked")
	}
	a.Via = via
	f.lastVia = via
	return a, nil
}

// RevokeTokenSecret implements api.Service: the token stops working.
func (f *Fake) RevokeTokenSecret(_ context.Context, actor access.Actor, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.tokens[secret]; !ok || a.UserID != actor.UserID {
		return access.Errorf(access.CodeNotFound, "the token is unknown or already revoked")
	}
	delete(f.tokens, secret)
	return nil
}

// GroupNamesOfUser implements api.Service with the seed's GroupNames.
func (f *Fake) GroupNamesOfUser(_ context.Context, actor access.Actor) ([]string, error) {
	var out []string
	for _, id := range actor.Groups {
		out = append(out, GroupNames[id])
	}
	slices.Sort(out)
	return out, nil
}

// UserNames implements api.Service.
func (f *Fake) UserNames(_ context.Context, ids []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		out[id] = id
		if n, ok := f.names[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

// Eligibility implements api.Service.
func (f *Fake) Eligibility(_ context.Context, _ access.Actor) ([]workflow.Eligible, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return slices.Clone(f.eligible), nil
}

// PageEligibility implements api.Service: the offers in the order they
// were added, limit at a time; the cursor is the index of the next offer.
func (f *Fake) PageEligibility(_ context.Context, _ access.Actor, in workflow.EligibilityPageInput) (workflow.EligibilityPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return workflow.EligibilityPage{}, f.fail
	}
	limit := in.Limit
	if limit == 0 {
		limit = workflow.MaxEligibilityLimit
	}
	if limit < 1 || limit > workflow.MaxEligibilityLimit {
		return workflow.EligibilityPage{}, access.Errorf(access.CodeInvalid, "limit %d: use 1 to %d", limit, workflow.MaxEligibilityLimit)
	}
	start := 0
	if in.Cursor != "" {
		n, err := strconv.Atoi(in.Cursor)
		if err != nil || n < 0 || n > len(f.eligible) {
			return workflow.EligibilityPage{}, access.Errorf(access.CodeInvalid, "cursor %q is not one this API returned", in.Cursor)
		}
		start = n
	}
	end := min(start+limit, len(f.eligible))
	page := workflow.EligibilityPage{Items: slices.Clone(f.eligible[start:end])}
	if end < len(f.eligible) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

// Submit implements api.Service with a simple policy: every account must be
// offered by AddEligible for the permission set; the strictest match wins.
func (f *Fake) Submit(_ context.Context, actor access.Actor, in workflow.SubmitInput) (*access.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	if actor.UserID == "" {
		return nil, access.Errorf(access.CodeUnauthenticated, "sign in to request access")
	}
	if in.Duration <= 0 {
		return nil, access.Errorf(access.CodeInvalid, "duration is missing: give one such as 1h or 30m")
	}
	var (
		elig   access.Eligibility
		maxDur time.Duration
		ps     access.PermissionSet
		ids    []string
	)
	for i, ref := range in.AccountIDs {
		j := slices.IndexFunc(f.eligible, func(e workflow.Eligible) bool {
			return (e.Account.ID == ref || strings.EqualFold(e.Account.Name, ref)) &&
				(strings.EqualFold(e.PermissionSet.Name, in.PermissionSet) || e.PermissionSet.ARN == in.PermissionSet)
		})
		if j < 0 {
			return nil, access.Errorf(access.CodeNotEligible, "no rule lets %s request %s on account %s", actor.UserName, in.PermissionSet, ref)
		}
		e := f.eligible[j]
		ps = e.PermissionSet
		ids = append(ids, e.Account.ID)
		if i == 0 || e.MaxDuration < maxDur {
			maxDur = e.MaxDuration
		}
		elig.Rule = e.Rule
		elig.ApprovalsRequired = max(elig.ApprovalsRequired, e.ApprovalsRequired)
		elig.TicketRequired = elig.TicketRequired || e.TicketRequired
	}
	if elig.ApprovalsRequired > 0 {
		elig.Approvers = slices.DeleteFunc(slices.Clone(f.approvers), func(id string) bool { return id == actor.UserID })
	}
	n := len(f.order) + 1
	grantIDs := make([]string, len(ids))
	for i := range ids {
		grantIDs[i] = fmt.Sprintf("grt_%04d_%d", n, i)
	}
	r, ev, err := access.NewRequest(access.NewRequestInput{
		ID: fmt.Sprintf("req_%04d", n), GrantIDs: grantIDs, AccountIDs: ids,
		PermissionSetARN: ps.ARN, PermissionSetName: ps.Name, Duration: in.Duration, StartAt: in.StartAt,
		Justification: in.Justification, Ticket: in.Ticket,
	}, actor, elig, access.Limits{MinDuration: time.Minute, MaxDuration: maxDur, ApprovalTimeout: 3 * time.Hour}, f.now())
	if err != nil {
		return nil, err
	}
	f.put(r)
	f.events[r.ID] = append(f.events[r.ID], ev)
	return &r, nil
}

// GetRequest implements api.Service.
func (f *Fake) GetRequest(_ context.Context, actor access.Actor, id string) (*access.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.fail != nil {
		return nil, f.fail
	}
	r, err := f.visible(actor, id)
	if err != nil {
		return nil, err
	}
	out := *r
	return &out, nil
}

func (f *Fake) visible(actor access.Actor, id string) (*access.Request, error) {
	r, ok := f.requests[id]
	if !ok || !r.VisibleTo(actor) {
		return nil, access.Errorf(access.CodeNotFound, "request %s does not exist", id)
	}
	return r, nil
}

// ListRequests implements api.Service, with workflow's scopes and checks.
func (f *Fake) ListRequests(_ context.Context, actor access.Actor, in workflow.ListInput) ([]*access.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	for _, st := range in.Statuses {
		if !st.Valid() {
			return nil, access.Errorf(access.CodeInvalid, "status %q is unknown: use one of %v", st, access.Statuses)
		}
	}
	if in.Limit < 0 || in.Limit > 1000 {
		return nil, access.Errorf(access.CodeInvalid, "limit %d is out of range: use 1 to 1000", in.Limit)
	}
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	var match func(r *access.Request) bool
	switch in.Scope {
	case workflow.ScopeMine:
		match = func(r *access.Request) bool { return r.RequesterID == actor.UserID }
	case workflow.ScopeApprovals:
		match = func(r *access.Request) bool { return r.IsApprover(actor.UserID) }
	case workflow.ScopeInvolved, "":
		match = func(r *access.Request) bool { return r.RequesterID == actor.UserID || r.IsApprover(actor.UserID) }
	case workflow.ScopeAll:
		if !actor.Admin && !actor.Auditor {
			return nil, access.Errorf(access.CodeForbidden, "only admins and auditors can list all requests")
		}
		match = func(*access.Request) bool { return true }
	default:
		return nil, access.Errorf(access.CodeInvalid, "scope %q is unknown: use mine, approvals, involved or all", in.Scope)
	}
	var out []*access.Request
	for _, id := range slices.Backward(f.order) {
		r := f.requests[id]
		if !match(r) || len(in.Statuses) > 0 && !slices.Contains(in.Statuses, r.Status) {
			continue
		}
		c := *r
		out = append(out, &c)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// PageRequests implements api.Service: ListRequests' scopes and checks,
// the filters on the request's own fields, and a cursor that is the id of
// the last request of the previous page (newest first only).
func (f *Fake) PageRequests(ctx context.Context, actor access.Actor, in workflow.ListInput) (workflow.RequestPage, error) {
	if in.Limit < 0 || in.Limit > workflow.MaxListLimit {
		return workflow.RequestPage{}, access.Errorf(access.CodeInvalid, "limit %d is out of range: use 1 to 1000", in.Limit)
	}
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	all := in
	all.Limit = workflow.MaxListLimit
	rs, err := f.ListRequests(ctx, actor, all)
	if err != nil {
		return workflow.RequestPage{}, err
	}
	if in.Order != "" && in.Order != access.NewestFirst {
		return workflow.RequestPage{}, access.Errorf(access.CodeInvalid, "the fake lists newest first only")
	}
	has := func(s, part string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(part)) }
	var page workflow.RequestPage
	started := in.Cursor == ""
	for _, r := range rs {
		if !started {
			started = r.ID == in.Cursor
			continue
		}
		switch {
		case in.Search != "" && !has(r.ID+" "+r.RequesterName+" "+r.PermissionSetName+" "+r.Justification+" "+r.Ticket, in.Search),
			in.Requester != "" && r.RequesterID != in.Requester && !has(r.RequesterName, in.Requester),
			in.PermissionSet != "" && r.PermissionSetARN != in.PermissionSet && !has(r.PermissionSetName, in.PermissionSet),
			len(in.Accounts) > 0 && !slices.ContainsFunc(r.AccountIDs(), func(a string) bool { return slices.Contains(in.Accounts, a) }),
			!in.Since.IsZero() && r.CreatedAt.Before(in.Since),
			!in.Until.IsZero() && !r.CreatedAt.Before(in.Until):
			continue
		}
		if len(page.Items) == limit {
			page.Next = page.Items[limit-1].ID
			break
		}
		page.Items = append(page.Items, r)
	}
	return page, nil
}

// ExportRequests implements api.Service by paging through PageRequests.
func (f *Fake) ExportRequests(ctx context.Context, actor access.Actor, in workflow.ListInput, fn func([]*access.Request) error) error {
	in.Limit, in.Cursor = 2, ""
	for {
		page, err := f.PageRequests(ctx, actor, in)
		if err != nil {
			return err
		}
		if len(page.Items) > 0 {
			if err := fn(page.Items); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		in.Cursor = page.Next
	}
}

// RequestEvents implements api.Service.
func (f *Fake) RequestEvents(_ context.Context, actor access.Actor, id string) ([]access.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	if _, err := f.visible(actor, id); err != nil {
		return nil, err
	}
	return slices.Clone(f.events[id]), nil
}

type step func(r access.Request, a access.Actor, comment string, now time.Time) (access.Request, access.Event, error)

func (f *Fake) act(actor access.Actor, id, comment string, s step) (*access.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	r, err := f.visible(actor, id)
	if err != nil {
		return nil, err
	}
	next, ev, err := s(*r, actor, comment, f.now())
	if err != nil {
		return nil, err
	}
	f.put(next)
	f.events[id] = append(f.events[id], ev)
	return &next, nil
}

// Approve implements api.Service.
func (f *Fake) Approve(_ context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.act(actor, id, comment, access.Request.Approve)
}

// Reject implements api.Service.
func (f *Fake) Reject(_ context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.act(actor, id, comment, access.Request.Reject)
}

// Cancel implements api.Service.
func (f *Fake) Cancel(_ context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.act(actor, id, comment, access.Request.Cancel)
}

// End implements api.Service.
func (f *Fake) End(_ context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return f.act(actor, id, comment, access.Request.End)
}

// Extend applies the real extension transition (no rule maximum in the fake).
func (f *Fake) Extend(_ context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error) {
	return f.act(actor, id, justification, func(r access.Request, a access.Actor, just string, now time.Time) (access.Request, access.Event, error) {
		return r.Extend(a, d, just, 0, now)
	})
}
