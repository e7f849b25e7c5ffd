package access

import (
	"testing"
	"time"
)

func ref(id string, st GrantStatus) GrantRef {
	return GrantRef{RequestID: "req-" + id, GrantID: id, Status: st}
}

func TestPlanActivation(t *testing.T) {
	t.Parallel()
	fresh := Grant{ID: "g", Status: GrantPending}
	sent := Grant{ID: "g", Status: GrantPending, Origin: OriginCreated}
	tests := []struct {
		name   string
		g      Grant
		others []GrantRef
		aws    InAWS
		want   Activation
	}{
		{"alone, AWS not asked: ask", fresh, nil, InAWSUnknown, ActivationAskAWS},
		{"alone, absent in AWS: create", fresh, nil, InAWSAbsent, ActivationCreate},
		{"alone, present in AWS: standing", fresh, nil, InAWSPresent, ActivationStanding},
		{"another active: share, whatever AWS said", fresh, []GrantRef{ref("a", GrantActive)}, InAWSUnknown, ActivationShare},
		{"another active, present: share, never standing", fresh, []GrantRef{ref("a", GrantActive)}, InAWSPresent, ActivationShare},
		{"another deleting: wait", fresh, []GrantRef{ref("d", GrantRevoking)}, InAWSUnknown, ActivationWait},
		{"deleting beats active: wait", fresh, []GrantRef{ref("a", GrantActive), ref("d", GrantRevoking)}, InAWSPresent, ActivationWait},
		{"another creating, AWS not asked: create, never ask", fresh, []GrantRef{ref("c", GrantPending)}, InAWSUnknown, ActivationCreate},
		{"another creating, present in AWS: create, never standing", fresh, []GrantRef{ref("c", GrantPending)}, InAWSPresent, ActivationCreate},
		{"create already sent: resend", sent, nil, InAWSUnknown, ActivationResend},
		{"create already sent, present in AWS: resend, never standing", sent, nil, InAWSPresent, ActivationResend},
		{"create already sent, another active: share", sent, []GrantRef{ref("a", GrantActive)}, InAWSUnknown, ActivationShare},
		{"create already sent, another deleting: wait", sent, []GrantRef{ref("d", GrantRevoking)}, InAWSUnknown, ActivationWait},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := PlanActivation(tc.g, tc.others, tc.aws); got != tc.want {
				t.Errorf("PlanActivation = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPlanRemoval(t *testing.T) {
	t.Parallel()
	created := Grant{ID: "g", Status: GrantActive, Origin: OriginCreated}
	standing := Grant{ID: "g", Status: GrantActive, Origin: OriginStanding}
	orphan := Grant{ID: "g", Status: GrantRevoking, Origin: OriginCreated}
	tests := []struct {
		name       string
		g          Grant
		others     []GrantRef
		standing   bool
		wantDelete bool
		wantKeeper string
		wantReason string
	}{
		{"alone: delete", created, nil, false, true, "", ""},
		{"alone, recorded standing: keep", created, nil, true, false, "", "standing assignment: elevate never deletes it"},
		{"grant of standing origin: keep", standing, nil, false, false, "", "standing assignment: elevate never deletes it"},
		{"another active: keep for it", created, []GrantRef{ref("a", GrantActive)}, false, false, "a", "still needed by grant a of request req-a"},
		{"another creating: keep for it", created, []GrantRef{ref("c", GrantPending)}, false, false, "c", "still needed by grant c of request req-c"},
		{"only revoking others: delete", created, []GrantRef{ref("d", GrantRevoking), ref("o", GrantRevoking)}, false, true, "", ""},
		{"revoking and active: keep for the active one", created, []GrantRef{ref("d", GrantRevoking), ref("a", GrantActive)}, false, false, "a", "still needed by grant a of request req-a"},
		{"orphan alone: delete", orphan, nil, false, true, "", ""},
		{"orphan beside an active grant: keep", orphan, []GrantRef{ref("a", GrantActive)}, false, false, "a", "still needed by grant a of request req-a"},
		{"orphan of a standing assignment: keep", orphan, nil, true, false, "", "standing assignment: elevate never deletes it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := PlanRemoval(tc.g, tc.others, tc.standing)
			if got.Delete != tc.wantDelete {
				t.Fatalf("Delete = %v, want %v", got.Delete, tc.wantDelete)
			}
			if got.Delete {
				return
			}
			keeper := ""
			if got.Keeper != nil {
				keeper = got.Keeper.GrantID
			}
			if keeper != tc.wantKeeper || got.KeptBecause() != tc.wantReason {
				t.Errorf("kept for %q (%q), want %q (%q)", keeper, got.KeptBecause(), tc.wantKeeper, tc.wantReason)
			}
		})
	}
}

func TestGrantJobStep(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	pending := Grant{ID: "g", Status: GrantPending}
	req := func(st Status, start, end time.Time) Request {
		return Request{Status: st, StartAt: start, EndsAt: end}
	}
	ending := req(StatusActive, now.Add(-time.Hour), now.Add(time.Hour))
	ending.EndRequestedAt = now.Add(-time.Minute)
	tests := []struct {
		name string
		r    Request
		g    Grant
		want GrantJobStep
	}{
		{"active grant: done", req(StatusActive, now.Add(-time.Hour), now.Add(time.Hour)), Grant{ID: "g", Status: GrantActive}, GrantJobDone},
		{"orphan: done (its removal is the next step)", req(StatusCancelled, time.Time{}, time.Time{}), Grant{ID: "g", Status: GrantRevoking}, GrantJobDone},
		{"scheduled, before its start: not due", req(StatusScheduled, now.Add(time.Minute), now.Add(time.Hour)), pending, GrantJobNotDue},
		{"scheduled, at its start: activate", req(StatusScheduled, now, now.Add(time.Hour)), pending, GrantJobActivate},
		{"active request, another account pending: activate", req(StatusActive, now.Add(-time.Minute), now.Add(time.Hour)), pending, GrantJobActivate},
		{"cancelled: abandon", req(StatusCancelled, now.Add(-time.Minute), now.Add(time.Hour)), pending, GrantJobAbandon},
		{"past its end: abandon", req(StatusActive, now.Add(-2*time.Hour), now.Add(-time.Hour)), pending, GrantJobAbandon},
		{"ended early: abandon", ending, pending, GrantJobAbandon},
		{"pending approval: abandon (never created before approval)", req(StatusPending, now.Add(-time.Minute), now.Add(time.Hour)), pending, GrantJobAbandon},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.r.GrantJobStep(tc.g, now); got != tc.want {
				t.Errorf("GrantJobStep = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestKnownInAWS(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		last     time.Time
		standing bool
		want     InAWS
	}{
		{"never removed by elevate", time.Time{}, false, InAWSUnknown},
		{"removed a minute ago", now.Add(-time.Minute), false, InAWSAbsent},
		{"removed just within the bound", now.Add(-RemovalKnownFor), false, InAWSAbsent},
		{"removed longer ago", now.Add(-RemovalKnownFor - time.Second), false, InAWSUnknown},
		{"removed a minute ago but recorded standing", now.Add(-time.Minute), true, InAWSUnknown},
		{"removal after now (clock skew)", now.Add(time.Minute), false, InAWSUnknown},
	} {
		if got := KnownInAWS(c.last, c.standing, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
