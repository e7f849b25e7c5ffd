package access

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var (
	alice = Actor{UserID: "u-alice", UserName: "alice", Via: ViaAPI}
	bob   = Actor{UserID: "u-bob", UserName: "bob", Via: ViaAPI}
	carol = Actor{UserID: "u-carol", UserName: "carol", Via: ViaAPI}
	mal   = Actor{UserID: "u-mal", UserName: "mallory", Via: ViaAPI}
	erin  = Actor{UserID: "u-erin", UserName: "erin", Admin: true, Via: ViaAPI}
	dave  = Actor{UserID: "u-dave", UserName: "dave", Auditor: true, Via: ViaAPI}
)

var lim = Limits{MinDuration: time.Minute, MaxDuration: 4 * time.Hour, ApprovalTimeout: 3 * time.Hour}

func input() NewRequestInput {
	return NewRequestInput{ID: "req_1", GrantIDs: []string{"g1"}, AccountIDs: []string{"111111111111"},
		PermissionSetARN: "arn:ps", PermissionSetName: "AdministratorAccess", Duration: time.Hour, Justification: "INC-1"}
}

func oneApproval() Eligibility {
	return Eligibility{Rule: "r", ApprovalsRequired: 1, Approvers: []string{bob.UserID, carol.UserID}}
}

func mustNew(t *testing.T, elig Eligibility) Request {
	t.Helper()
	r, _, err := NewRequest(input(), alice, elig, lim, t0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// inStatus builds a request in the given status by driving real transitions.
func inStatus(t *testing.T, s Status) Request {
	t.Helper()
	r := mustNew(t, oneApproval())
	step := func(nr Request, _ Event, err error) Request {
		t.Helper()
		if err != nil {
			t.Fatalf("building %s: %v", s, err)
		}
		return nr
	}
	steps := func(nr Request, _ []Event, err error) Request {
		t.Helper()
		if err != nil {
			t.Fatalf("building %s: %v", s, err)
		}
		return nr
	}
	switch s {
	case StatusPending:
	case StatusScheduled:
		r = step(r.Approve(bob, "", t0))
	case StatusActive:
		r = steps(step(r.Approve(bob, "", t0)).GrantActivated("g1", "aws-1", OriginCreated, t0.Add(time.Minute)))
	case StatusEnded:
		r = steps(steps(step(r.Approve(bob, "", t0)).GrantActivated("g1", "aws-1", OriginCreated, t0)).GrantRevoked("g1", "aws-2", t0.Add(time.Hour)))
	case StatusRevoked:
		r = step(steps(step(r.Approve(bob, "", t0)).GrantActivated("g1", "aws-1", OriginCreated, t0)).End(alice, "done", t0.Add(time.Minute)))
		r = steps(r.GrantRevoked("g1", "aws-2", t0.Add(2*time.Minute)))
	case StatusRejected:
		r = step(r.Reject(bob, "no", t0))
	case StatusCancelled:
		r = step(r.Cancel(alice, "", t0))
	case StatusExpired:
		r = step(r.Expire(t0.Add(3 * time.Hour)))
	case StatusFailed:
		r = steps(step(r.Approve(bob, "", t0)).GrantFailed("g1", "quota", t0))
	default:
		t.Fatalf("no builder for %s", s)
	}
	if r.Status != s {
		t.Fatalf("builder made %s, want %s", r.Status, s)
	}
	return r
}

func codeOf(err error) Code {
	if err == nil {
		return ""
	}
	return ErrorCode(err)
}

func TestNewRequestValidation(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*NewRequestInput)
		elig   Eligibility
		want   Code
		status Status
		msg    string
	}{
		{name: "ok needs approval", elig: oneApproval(), status: StatusPending},
		{name: "no approval goes straight to scheduled", elig: Eligibility{Rule: "r"}, status: StatusScheduled},
		{name: "no accounts", mod: func(in *NewRequestInput) { in.AccountIDs, in.GrantIDs = nil, nil }, elig: oneApproval(), want: CodeInvalid, msg: "account_ids"},
		{name: "bad account id", mod: func(in *NewRequestInput) { in.AccountIDs = []string{"12ab"} }, elig: oneApproval(), want: CodeInvalid, msg: "12 digits"},
		{name: "duplicate account", mod: func(in *NewRequestInput) {
			in.AccountIDs, in.GrantIDs = []string{"111111111111", "111111111111"}, []string{"a", "b"}
		}, elig: oneApproval(), want: CodeInvalid, msg: "twice"},
		{name: "too short", mod: func(in *NewRequestInput) { in.Duration = 30 * time.Second }, elig: oneApproval(), want: CodeInvalid, msg: "minimum"},
		{name: "too long", mod: func(in *NewRequestInput) { in.Duration = 5 * time.Hour }, elig: oneApproval(), want: CodeInvalid, msg: "longer"},
		{name: "no justification", mod: func(in *NewRequestInput) { in.Justification = "  " }, elig: oneApproval(), want: CodeInvalid, msg: "justification"},
		{name: "long justification", mod: func(in *NewRequestInput) { in.Justification = strings.Repeat("x", MaxJustificationLen+1) }, elig: oneApproval(), want: CodeInvalid, msg: "justification"},
		{name: "ticket required", elig: Eligibility{Rule: "r", TicketRequired: true}, want: CodeInvalid, msg: "ticket"},
		{name: "ticket given", mod: func(in *NewRequestInput) { in.Ticket = "CHG-1" }, elig: Eligibility{Rule: "r", TicketRequired: true}, status: StatusScheduled},
		{name: "start in the past", mod: func(in *NewRequestInput) { in.StartAt = t0.Add(-time.Hour) }, elig: oneApproval(), want: CodeInvalid, msg: "past"},
		{name: "start slightly in the past means now", mod: func(in *NewRequestInput) { in.StartAt = t0.Add(-10 * time.Second) }, elig: oneApproval(), status: StatusPending},
		{name: "not enough approvers", elig: Eligibility{Rule: "r", ApprovalsRequired: 2, Approvers: []string{bob.UserID}}, want: CodeNotEligible, msg: "approvals"},
		{name: "requester removed from approvers", elig: Eligibility{Rule: "r", ApprovalsRequired: 1, Approvers: []string{alice.UserID, bob.UserID}}, status: StatusPending},
		{name: "no requester", elig: oneApproval(), want: CodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input()
			if tt.mod != nil {
				tt.mod(&in)
			}
			who := alice
			if tt.name == "no requester" {
				who = Actor{}
			}
			r, ev, err := NewRequest(in, who, tt.elig, lim, t0)
			if got := codeOf(err); got != tt.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.want)
			}
			if err != nil {
				if tt.msg != "" && !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("message %q does not mention %q", err, tt.msg)
				}
				return
			}
			if r.Status != tt.status {
				t.Errorf("status = %s, want %s", r.Status, tt.status)
			}
			if ev.Type != EventSubmitted || ev.Actor.UserID != alice.UserID {
				t.Errorf("event = %+v", ev)
			}
			for _, id := range r.Approvers {
				if id == alice.UserID {
					t.Error("requester is among the approvers")
				}
			}
			if r.Status == StatusPending && !r.ExpiresAt.Equal(t0.Add(lim.ApprovalTimeout)) {
				t.Errorf("expires at %s", r.ExpiresAt)
			}
			if r.StartAt.Before(t0) {
				t.Errorf("start %s before submit", r.StartAt)
			}
		})
	}
}

// action is one actor-driven transition, for the matrix.
type action struct {
	name string
	do   func(r Request, a Actor, now time.Time) (Request, error)
}

var actions = []action{
	{"approve", func(r Request, a Actor, now time.Time) (Request, error) {
		r, _, err := r.Approve(a, "ok", now)
		return r, err
	}},
	{"reject", func(r Request, a Actor, now time.Time) (Request, error) {
		r, _, err := r.Reject(a, "no", now)
		return r, err
	}},
	{"cancel", func(r Request, a Actor, now time.Time) (Request, error) {
		r, _, err := r.Cancel(a, "", now)
		return r, err
	}},
	{"end", func(r Request, a Actor, now time.Time) (Request, error) {
		r, _, err := r.End(a, "", now)
		return r, err
	}},
}

// TestTransitionMatrix checks every (status, action, actor) combination.
func TestTransitionMatrix(t *testing.T) {
	actors := map[string]Actor{"requester": alice, "approver": bob, "non-approver": mal, "admin": erin, "auditor": dave}
	// want[status][action][actor] = resulting status, or an error code prefixed with "!".
	want := map[Status]map[string]map[string]string{
		StatusPending: {
			"approve": {"requester": "!self_approval", "approver": "scheduled", "non-approver": "!forbidden", "admin": "!forbidden", "auditor": "!forbidden"},
			"reject":  {"requester": "!self_approval", "approver": "rejected", "non-approver": "!forbidden", "admin": "!forbidden", "auditor": "!forbidden"},
			"cancel":  {"requester": "cancelled", "approver": "!forbidden", "non-approver": "!forbidden", "admin": "cancelled", "auditor": "!forbidden"},
			"end":     {"requester": "!illegal_transition", "approver": "!illegal_transition", "non-approver": "!forbidden", "admin": "!illegal_transition", "auditor": "!forbidden"},
		},
		StatusScheduled: {
			"approve": {"requester": "!already_decided", "approver": "!already_decided", "non-approver": "!already_decided", "admin": "!already_decided", "auditor": "!already_decided"},
			"reject":  {"requester": "!already_decided", "approver": "!already_decided", "non-approver": "!already_decided", "admin": "!already_decided", "auditor": "!already_decided"},
			"cancel":  {"requester": "cancelled", "approver": "!forbidden", "non-approver": "!forbidden", "admin": "cancelled", "auditor": "!forbidden"},
			"end":     {"requester": "!illegal_transition", "approver": "!illegal_transition", "non-approver": "!forbidden", "admin": "!illegal_transition", "auditor": "!forbidden"},
		},
		StatusActive: {
			"approve": {"requester": "!already_decided", "approver": "!already_decided", "non-approver": "!already_decided", "admin": "!already_decided", "auditor": "!already_decided"},
			"reject":  {"requester": "!already_decided", "approver": "!already_decided", "non-approver": "!already_decided", "admin": "!already_decided", "auditor": "!already_decided"},
			"cancel":  {"requester": "!illegal_transition", "approver": "!forbidden", "non-approver": "!forbidden", "admin": "!illegal_transition", "auditor": "!forbidden"},
			"end":     {"requester": "active", "approver": "active", "non-approver": "!forbidden", "admin": "active", "auditor": "!forbidden"},
		},
	}
	terminal := []Status{StatusEnded, StatusRevoked, StatusRejected, StatusCancelled, StatusExpired, StatusFailed}
	for _, st := range terminal {
		want[st] = map[string]map[string]string{}
		for _, act := range actions {
			want[st][act.name] = map[string]string{}
			for role := range actors {
				code := "!illegal_transition"
				switch {
				case (act.name == "approve" || act.name == "reject") && decidedStatus[st]:
					code = "!already_decided"
				case act.name == "cancel" && role != "requester" && role != "admin":
					code = "!forbidden"
				case act.name == "end" && (role == "non-approver" || role == "auditor"):
					code = "!forbidden"
				}
				want[st][act.name][role] = code
			}
		}
	}
	for _, st := range Statuses {
		for _, act := range actions {
			for role, who := range actors {
				t.Run(fmt.Sprintf("%s/%s/%s", st, act.name, role), func(t *testing.T) {
					r := inStatus(t, st)
					before := r.clone()
					got, err := act.do(r, who, t0.Add(2*time.Minute))
					exp := want[st][act.name][role]
					if strings.HasPrefix(exp, "!") {
						if err == nil {
							t.Fatalf("succeeded (status %s), want error %s", got.Status, exp[1:])
						}
						if c := ErrorCode(err); string(c) != exp[1:] {
							t.Fatalf("error code %s (%v), want %s", c, err, exp[1:])
						}
						if r.Status != before.Status || len(r.Approvals) != len(before.Approvals) {
							t.Fatal("a refused transition changed its input")
						}
						return
					}
					if err != nil {
						t.Fatalf("error %v, want status %s", err, exp)
					}
					if string(got.Status) != exp {
						t.Fatalf("status %s, want %s", got.Status, exp)
					}
				})
			}
		}
	}
}

// decidedStatus are the statuses inStatus reaches through the approvers'
// decision (approved, or rejected): deciding them again is already_decided.
var decidedStatus = map[Status]bool{StatusScheduled: true, StatusActive: true, StatusEnded: true, StatusRevoked: true,
	StatusRejected: true, StatusFailed: true}

// TestDecideDecidedRequest: a second approver, or anyone, deciding a
// request its approvers already decided is told who decided it and when.
func TestDecideDecidedRequest(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)
	approved, _, err := mustNew(t, oneApproval()).Approve(bob, "", at)
	if err != nil {
		t.Fatal(err)
	}
	rejected, _, err := mustNew(t, oneApproval()).Reject(bob, "no", at)
	if err != nil {
		t.Fatal(err)
	}
	two := mustNew(t, Eligibility{Rule: "r", ApprovalsRequired: 2, Approvers: []string{bob.UserID, carol.UserID, erin.UserID}})
	two, _, _ = two.Approve(bob, "", at.Add(-time.Hour))
	two, _, err = two.Approve(carol, "", at)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		r    Request
		do   func(Request) error
		want string
	}{
		{"approve approved", approved, func(r Request) error { _, _, err := r.Approve(carol, "", at); return err },
			"request req_1 was already approved by bob at 2026-11-25 14:02 UTC (it is scheduled)"},
		{"reject approved", approved, func(r Request) error { _, _, err := r.Reject(carol, "", at); return err },
			"was already approved by bob at 2026-11-25 14:02 UTC"},
		{"approve rejected", rejected, func(r Request) error { _, _, err := r.Approve(carol, "", at); return err },
			"request req_1 was already rejected by bob at 2026-11-25 14:02 UTC (it is rejected)"},
		{"two approvers", two, func(r Request) error { _, _, err := r.Approve(erin, "", at); return err },
			"was already approved by bob and carol at 2026-11-25 14:02 UTC"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.do(c.r)
			if ErrorCode(err) != CodeAlreadyDecided || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want already_decided saying %q", err, c.want)
			}
		})
	}
}

func TestApproveTwiceAndQuorum(t *testing.T) {
	r := mustNew(t, Eligibility{Rule: "r", ApprovalsRequired: 2, Approvers: []string{bob.UserID, carol.UserID}})
	r, ev, err := r.Approve(bob, "lgtm", t0)
	if err != nil || r.Status != StatusPending || ev.Details["approvals"] != "1" {
		t.Fatalf("first approval: %v %s %v", err, r.Status, ev.Details)
	}
	if _, _, err := r.Approve(bob, "again", t0); ErrorCode(err) != CodeAlreadyDecided {
		t.Fatalf("second approval by bob: %v", err)
	}
	if _, _, err := r.Reject(bob, "changed my mind", t0); ErrorCode(err) != CodeAlreadyDecided {
		t.Fatalf("reject after approve by bob: %v", err)
	}
	r, _, err = r.Approve(carol, "", t0)
	if err != nil || r.Status != StatusScheduled || r.ApprovalCount() != 2 {
		t.Fatalf("quorum: %v %s", err, r.Status)
	}
}

func TestApproveAfterDeadline(t *testing.T) {
	r := mustNew(t, oneApproval())
	if _, _, err := r.Approve(bob, "", r.ExpiresAt); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("approve at deadline: %v", err)
	}
}

func TestExpire(t *testing.T) {
	r := mustNew(t, oneApproval())
	if _, _, err := r.Expire(r.ExpiresAt.Add(-time.Second)); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("early expire: %v", err)
	}
	got, ev, err := r.Expire(r.ExpiresAt)
	if err != nil || got.Status != StatusExpired || ev.Type != EventExpired || got.Grants[0].Status != GrantRevoked {
		t.Fatalf("expire: %v %s %s", err, got.Status, ev.Type)
	}
	if _, _, err := inStatus(t, StatusScheduled).Expire(r.ExpiresAt); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("expire scheduled: %v", err)
	}
}

func TestActivateStartsClock(t *testing.T) {
	r := inStatus(t, StatusScheduled)
	at := t0.Add(7 * time.Minute)
	got, evs, err := r.GrantActivated("g1", "aws-1", OriginCreated, at)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusActive || !got.ActivatedAt.Equal(at) || !got.EndsAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("status %s activated %s ends %s", got.Status, got.ActivatedAt, got.EndsAt)
	}
	if len(evs) != 2 || evs[0].Type != EventGrantActivated || evs[1].Type != EventActivated {
		t.Fatalf("events %+v", evs)
	}
	if _, _, err := got.GrantActivated("g1", "aws-1", OriginCreated, at); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("activate twice: %v", err)
	}
	if _, _, err := inStatus(t, StatusPending).GrantActivated("g1", "x", OriginCreated, at); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("activate pending: %v", err)
	}
	if _, _, err := r.GrantActivated("nope", "x", OriginCreated, at); ErrorCode(err) != CodeNotFound {
		t.Fatalf("unknown grant: %v", err)
	}
}

func TestEndAndRevoke(t *testing.T) {
	r := inStatus(t, StatusActive)
	if r.RevocationDue(r.EndsAt.Add(-time.Second)) || !r.RevocationDue(r.EndsAt) {
		t.Fatal("RevocationDue around EndsAt")
	}
	ended, _, err := r.GrantRevoked("g1", "aws-2", r.EndsAt)
	if err != nil || ended.Status != StatusEnded {
		t.Fatalf("natural end: %v %s", err, ended.Status)
	}
	early, ev, err := r.End(bob, "incident over", t0.Add(5*time.Minute))
	if err != nil || early.Status != StatusActive || !early.RevocationDue(t0.Add(5*time.Minute)) || ev.Type != EventEndRequested {
		t.Fatalf("end early: %v %s", err, early.Status)
	}
	if _, _, err := early.End(alice, "", t0.Add(6*time.Minute)); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("end twice: %v", err)
	}
	revoked, evs, err := early.GrantRevoked("g1", "aws-2", t0.Add(6*time.Minute))
	if err != nil || revoked.Status != StatusRevoked || evs[len(evs)-1].Type != EventRevoked {
		t.Fatalf("revoked: %v %s", err, revoked.Status)
	}
	if _, _, err := revoked.GrantRevoked("g1", "x", t0); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("revoke twice: %v", err)
	}
}

func TestMultiAccountPartialFailure(t *testing.T) {
	in := input()
	in.AccountIDs, in.GrantIDs = []string{"111111111111", "222222222222"}, []string{"g1", "g2"}
	r, _, err := NewRequest(in, alice, Eligibility{Rule: "r"}, lim, t0)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err = r.GrantFailed("g1", "role quota", t0)
	if err != nil || r.Status != StatusScheduled {
		t.Fatalf("first failure: %v %s", err, r.Status)
	}
	r, _, err = r.GrantActivated("g2", "aws", OriginCreated, t0)
	if err != nil || r.Status != StatusActive {
		t.Fatalf("second activates: %v %s", err, r.Status)
	}
	r, _, err = r.GrantRevoked("g2", "aws", r.EndsAt)
	if err != nil || r.Status != StatusEnded || r.Grants[0].Error != "role quota" {
		t.Fatalf("end: %v %s %+v", err, r.Status, r.Grants)
	}

	all, _, _ := NewRequest(in, alice, Eligibility{Rule: "r"}, lim, t0)
	all, _, _ = all.GrantFailed("g1", "quota", t0)
	all, evs, err := all.GrantFailed("g2", "denied", t0)
	if err != nil || all.Status != StatusFailed || !strings.Contains(all.Reason, "quota") || !strings.Contains(all.Reason, "denied") {
		t.Fatalf("all failed: %v %s %q", err, all.Status, all.Reason)
	}
	if evs[len(evs)-1].Type != EventFailed {
		t.Fatalf("events %+v", evs)
	}
}

func TestRevocationFailingFlag(t *testing.T) {
	r := inStatus(t, StatusActive)
	r, ev, err := r.RevocationFailing("g1", "throttled", r.EndsAt)
	if err != nil || !r.RevocationFailed || ev.Type != EventRevocationFailing {
		t.Fatalf("%v %v", err, r.RevocationFailed)
	}
	r, _, err = r.GrantRevoked("g1", "aws", r.EndsAt.Add(time.Minute))
	if err != nil || r.RevocationFailed || r.Status != StatusEnded {
		t.Fatalf("after success: %v %v %s", err, r.RevocationFailed, r.Status)
	}
}

func TestTransitionsDoNotAliasInput(t *testing.T) {
	r := mustNew(t, Eligibility{Rule: "r", ApprovalsRequired: 2, Approvers: []string{bob.UserID, carol.UserID}})
	r.Approvals = make([]Approval, 0, 4) // spare capacity that an append could share
	got, _, err := r.Approve(bob, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	got.Grants[0].Status = GrantFailed
	if len(r.Approvals) != 0 || r.Grants[0].Status != GrantPending {
		t.Fatal("transition aliased its input")
	}
}

func TestErrorCode(t *testing.T) {
	err := fmt.Errorf("wrap: %w", Errorf(CodeForbidden, "no"))
	if ErrorCode(err) != CodeForbidden || ErrorCode(errors.New("x")) != CodeInternal {
		t.Fatal("ErrorCode")
	}
}

func TestBeginRevoke(t *testing.T) {
	r := inStatus(t, StatusActive)
	rv, err := r.BeginRevoke("g1", r.EndsAt)
	if err != nil || rv.Grants[0].Status != GrantRevoking || rv.Status != StatusActive {
		t.Fatalf("%v %+v", err, rv.Grants[0])
	}
	if _, err := rv.BeginRevoke("g1", r.EndsAt); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("twice: %v", err)
	}
	done, _, err := rv.GrantRevoked("g1", "aws", r.EndsAt)
	if err != nil || done.Status != StatusEnded {
		t.Fatalf("%v %s", err, done.Status)
	}
	if _, err := inStatus(t, StatusScheduled).BeginRevoke("g1", t0); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("pending grant: %v", err)
	}
}

// TestClosingAnUnstartedGrant: a pending grant whose request closes (cancel)
// or is abandoned (its request ending) is revoked at once, unless a create
// was sent for it (origin created): then it is revoking and Orphaned until
// its removal records it revoked.
func TestClosingAnUnstartedGrant(t *testing.T) {
	closers := map[string]func(r Request) (Request, error){
		"cancel": func(r Request) (Request, error) {
			next, _, err := r.Cancel(alice, "", t0)
			return next, err
		},
		"abandon": func(r Request) (Request, error) {
			next, _, err := r.AbandonGrant("g1", t0)
			return next, err
		},
	}
	for _, tc := range []struct {
		how    string
		origin Origin
		want   GrantStatus
	}{
		{"cancel", "", GrantRevoked},
		{"cancel", OriginCreated, GrantRevoking},
		{"abandon", "", GrantRevoked},
		{"abandon", OriginCreated, GrantRevoking},
	} {
		t.Run(fmt.Sprintf("%s/origin=%q", tc.how, tc.origin), func(t *testing.T) {
			r := inStatus(t, StatusScheduled)
			r.Grants[0].Origin = tc.origin
			next, err := closers[tc.how](r)
			if err != nil {
				t.Fatal(err)
			}
			g := next.Grants[0]
			if g.Status != tc.want || g.Orphaned() != (tc.want == GrantRevoking) {
				t.Fatalf("grant %s orphaned %v, want %s", g.Status, g.Orphaned(), tc.want)
			}
			if tc.want != GrantRevoking {
				return
			}
			done, _, err := next.GrantRevoked("g1", "aws-del", t0.Add(time.Second))
			if err != nil || done.Grants[0].Status != GrantRevoked || done.Grants[0].Orphaned() {
				t.Fatalf("removal recorded: %v %+v", err, done.Grants[0])
			}
		})
	}
	if _, _, err := inStatus(t, StatusActive).AbandonGrant("g1", t0); ErrorCode(err) != CodeIllegalTransition {
		t.Fatalf("abandon an active grant: %v, want %s", err, CodeIllegalTransition)
	}
}
