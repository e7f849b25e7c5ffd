package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

func testRequestRoundTrip(t *testing.T, s store.Store) {
	r := fullRequest("r-full", "u-req", base)
	r.Version = 7 // CreateRequest sets 1 whatever it was
	create(t, s, r)
	if r.Version != 1 {
		t.Errorf("after CreateRequest, Version = %d, want 1", r.Version)
	}
	want := fullRequest("r-full", "u-req", base)
	want.Version = 1
	sameRequest(t, find(t, s, "r-full"), want)

	// The same through ListRequests, and in a write transaction.
	var list []*access.Request
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.FindRequestByID(t.Context(), "r-full")
		if err != nil {
			return err
		}
		sameRequest(t, got, want)
		list, err = tx.ListRequests(t.Context(), access.RequestFilter{})
		return err
	})
	if len(list) != 1 {
		t.Fatalf("ListRequests: got %d requests, want 1", len(list))
	}
	sameRequest(t, list[0], want)
}

func testRequestRoundTripZero(t *testing.T, s store.Store) {
	// Zero times must come back zero (not 1970), empty strings empty, no
	// grants, approvals or approvers.
	r := &access.Request{ID: "r-zero", RequesterID: "u-req", Status: access.StatusPending}
	create(t, s, r)
	want := &access.Request{ID: "r-zero", RequesterID: "u-req", Status: access.StatusPending, Version: 1}
	got := find(t, s, "r-zero")
	sameRequest(t, got, want)
	for name, tm := range map[string]time.Time{"StartAt": got.StartAt, "ActivatedAt": got.ActivatedAt, "EndsAt": got.EndsAt,
		"ExpiresAt": got.ExpiresAt, "EndRequestedAt": got.EndRequestedAt, "CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt} {
		if !tm.IsZero() {
			t.Errorf("%s = %v, want the zero time", name, tm)
		}
	}

	// A grant and an approval with zero times.
	r2 := simpleRequest("r-zero-2", "u-req", access.StatusPending, base, "u-a")
	r2.Approvals = []access.Approval{{UserID: "u-a", UserName: "a", Verdict: access.VerdictReject}}
	create(t, s, r2)
	got = find(t, s, "r-zero-2")
	if len(got.Grants) != 1 || !got.Grants[0].ActivatedAt.IsZero() || !got.Grants[0].RevokedAt.IsZero() {
		t.Errorf("grant times: got %+v, want zero", got.Grants)
	}
	if len(got.Approvals) != 1 || !got.Approvals[0].At.IsZero() {
		t.Errorf("approval time: got %+v, want zero", got.Approvals)
	}
}

func testRequestTimesUTC(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	local := time.Date(2025, time.June, 1, 12, 0, 0, 123456000, zone)
	r := simpleRequest("r-tz", "u-req", access.StatusPending, local)
	r.ExpiresAt = time.Now() // has a monotonic reading and nanoseconds
	create(t, s, r)
	got := find(t, s, "r-tz")
	if !got.CreatedAt.Equal(local) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), local.UTC())
	}
	if d := got.ExpiresAt.Sub(r.ExpiresAt); d < -time.Microsecond || d > time.Microsecond || got.ExpiresAt.Location() != time.UTC {
		t.Errorf("ExpiresAt = %v, want %v to the microsecond, in UTC", got.ExpiresAt, r.ExpiresAt)
	}
}

func testRequestUpdate(t *testing.T, s store.Store) {
	r := simpleRequest("r-upd", "u-req", access.StatusPending, base, "u-a", "u-b")
	r.ExpiresAt = at(time.Hour)
	r.Grants = append(r.Grants, access.Grant{ID: "r-upd-g2", AccountID: "222222222222", Status: access.GrantPending})
	create(t, s, r)

	// Approve by u-a (stored on create is none): scheduled.
	r.Approvals = append(r.Approvals, access.Approval{UserID: "u-a", UserName: "a", Verdict: access.VerdictApprove, Comment: "fine", At: at(time.Minute)})
	r.Status = access.StatusScheduled
	r.ExpiresAt = time.Time{}
	r.UpdatedAt = at(time.Minute)
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), r) })
	if r.Version != 2 {
		t.Errorf("after UpdateRequest, Version = %d, want 2", r.Version)
	}
	sameRequest(t, find(t, s, "r-upd"), r)

	// Activate, fail one grant, change every field, replace the approvers and
	// add a second approval.
	r.Status = access.StatusActive
	r.RequesterName = "renamed"
	r.PermissionSetName = "ReadOnly2"
	r.Duration = 2 * time.Hour
	r.StartAt = at(2 * time.Minute)
	r.ActivatedAt = at(3 * time.Minute)
	r.EndsAt = at(3*time.Minute + 2*time.Hour)
	r.Justification = "changed"
	r.Ticket = "T-1"
	r.Reason = "why"
	r.Rule = "rule-2"
	r.ApprovalsRequired = 2
	r.EndRequestedAt = at(4 * time.Minute)
	r.EndRequestedBy = "b"
	r.EndComment = "stop"
	r.RevocationFailed = true
	r.UpdatedAt = at(4 * time.Minute)
	r.Approvers = []string{"u-c", "u-b"}
	r.Approvals = append(r.Approvals, access.Approval{UserID: "u-b", UserName: "b", Verdict: access.VerdictApprove, At: at(150 * time.Second)})
	r.Grants[0] = access.Grant{ID: "r-upd-g", AccountID: "111111111111", Status: access.GrantActive, CreateRequestID: "c-1", ActivatedAt: at(3 * time.Minute)}
	r.Grants[1] = access.Grant{ID: "r-upd-g2", AccountID: "222222222222", Status: access.GrantFailed, Error: "denied"}
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), r) })
	if r.Version != 3 {
		t.Errorf("after second UpdateRequest, Version = %d, want 3", r.Version)
	}
	sameRequest(t, find(t, s, "r-upd"), r)

	// Clear fields back to zero.
	r.EndRequestedAt, r.EndRequestedBy, r.EndComment, r.RevocationFailed = time.Time{}, "", "", false
	r.Approvers = nil
	r.Grants[0].Error = "retrying"
	r.Grants[0].RevokedAt = at(5 * time.Minute)
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), r) })
	sameRequest(t, find(t, s, "r-upd"), r)

	// The approver filter follows the replaced approvers.
	readTx(t, s, func(tx store.Tx) error {
		for _, u := range []string{"u-a", "u-b", "u-c"} {
			rs, err := tx.ListRequests(t.Context(), access.RequestFilter{ApproverID: u})
			if err != nil {
				return err
			}
			if len(rs) != 0 {
				t.Errorf("ApproverID %s after approvers were cleared: got %v, want none", u, ids(rs))
			}
		}
		return nil
	})
}

func testRequestOptimisticConcurrency(t *testing.T, s store.Store) {
	create(t, s, simpleRequest("r-occ", "u-req", access.StatusPending, base, "u-a"))
	a, b := find(t, s, "r-occ"), find(t, s, "r-occ")
	if a.Version != 1 || b.Version != 1 {
		t.Fatalf("versions %d, %d, want 1", a.Version, b.Version)
	}
	a.Status, a.Reason = access.StatusCancelled, "first"
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), a) })

	b.Status, b.Reason = access.StatusRejected, "second"
	err := s.InTx(t.Context(), func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), b) })
	wantErr(t, "second update from the same version", err, store.ErrConflict)
	if b.Version != 1 {
		t.Errorf("a failed update changed Version to %d, want it left at 1", b.Version)
	}
	got := find(t, s, "r-occ")
	if got.Status != access.StatusCancelled || got.Reason != "first" || got.Version != 2 {
		t.Errorf("stored: status %s, reason %q, version %d; want cancelled, first, 2", got.Status, got.Reason, got.Version)
	}

	// Retrying from a fresh read succeeds.
	c := find(t, s, "r-occ")
	c.Reason = "third"
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateRequest(t.Context(), c) })
	if got := find(t, s, "r-occ"); got.Reason != "third" || got.Version != 3 {
		t.Errorf("after retry: reason %q, version %d; want third, 3", got.Reason, got.Version)
	}
}

func testRequestNotFound(t *testing.T, s store.Store) {
	create(t, s, simpleRequest("r-exists", "u-req", access.StatusPending, base))
	err := s.ReadTx(t.Context(), func(tx store.Tx) error {
		_, err := tx.FindRequestByID(t.Context(), "r-missing")
		return err
	})
	wantErr(t, "FindRequestByID(missing)", err, store.ErrNotFound)
	err = s.ReadTx(t.Context(), func(tx store.Tx) error {
		_, err := tx.FindRequestByGrantID(t.Context(), "g-missing")
		return err
	})
	wantErr(t, "FindRequestByGrantID(missing)", err, store.ErrNotFound)
	err = s.InTx(t.Context(), func(tx store.Tx) error {
		return tx.UpdateRequest(t.Context(), simpleRequest("r-missing", "u-req", access.StatusPending, base))
	})
	wantErr(t, "UpdateRequest(missing)", err, store.ErrNotFound)
	if errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateRequest(missing) is also ErrConflict: %v", err)
	}
}

func testRequestDuplicateID(t *testing.T, s store.Store) {
	create(t, s, simpleRequest("r-dup", "u-req", access.StatusPending, base))
	dup := simpleRequest("r-dup", "u-other", access.StatusPending, at(time.Hour))
	dup.Grants[0].ID = "another-grant"
	err := s.InTx(t.Context(), func(tx store.Tx) error { return tx.CreateRequest(t.Context(), dup) })
	wantErr(t, "CreateRequest(duplicate id)", err, store.ErrConflict)
	if got := find(t, s, "r-dup"); got.RequesterID != "u-req" {
		t.Errorf("the duplicate replaced the request: requester %s", got.RequesterID)
	}
	// A grant id is unique too.
	other := simpleRequest("r-other", "u-req", access.StatusPending, base)
	other.Grants[0].ID = "r-dup-g"
	err = s.InTx(t.Context(), func(tx store.Tx) error { return tx.CreateRequest(t.Context(), other) })
	wantErr(t, "CreateRequest(duplicate grant id)", err, store.ErrConflict)
}

func testRequestFindByGrantID(t *testing.T, s store.Store) {
	r1 := fullRequest("r-1", "u-1", base)
	r2 := fullRequest("r-2", "u-2", at(time.Hour))
	create(t, s, r1, r2)
	readTx(t, s, func(tx store.Tx) error {
		for _, r := range []*access.Request{r1, r2} {
			for _, g := range r.Grants {
				got, err := tx.FindRequestByGrantID(t.Context(), g.ID)
				if err != nil {
					return fmt.Errorf("grant %s: %w", g.ID, err)
				}
				sameRequest(t, got, r)
			}
		}
		return nil
	})
}

func testListRequestsFilters(t *testing.T, s store.Store) {
	// r1..r6 are created at increasing times (r6 is the newest); their ids sort
	// in another order, so that the order must come from CreatedAt. r7 has
	// r5's CreatedAt: ties go by id, descending.
	id := map[string]string{"r1": "req-q", "r2": "req-c", "r3": "req-x", "r4": "req-a", "r5": "req-m", "r6": "req-b", "r7": "req-n"}
	rs := []*access.Request{
		simpleRequest(id["r1"], "alice", access.StatusPending, at(1*time.Minute), "bob", "carol"),
		simpleRequest(id["r2"], "bob", access.StatusPending, at(2*time.Minute), "alice"),
		simpleRequest(id["r3"], "alice", access.StatusActive, at(3*time.Minute), "carol"),
		simpleRequest(id["r4"], "dave", access.StatusEnded, at(4*time.Minute)),
		simpleRequest(id["r5"], "carol", access.StatusScheduled, at(5*time.Minute), "bob"),
		simpleRequest(id["r6"], "bob", access.StatusRejected, at(6*time.Minute), "carol", "alice"),
		simpleRequest(id["r7"], "erin", access.StatusCancelled, at(5*time.Minute)),
	}
	rs[0].Approvals = []access.Approval{{UserID: "bob", UserName: "bob", Verdict: access.VerdictApprove, Comment: "c", At: at(90 * time.Second)}}
	rs[2].Grants = append(rs[2].Grants, access.Grant{ID: "r3-g2", AccountID: "222222222222", Status: access.GrantActive, ActivatedAt: at(4 * time.Minute)})
	create(t, s, rs[3], rs[0], rs[5], rs[6], rs[2], rs[1], rs[4])

	tests := []struct {
		name string
		f    access.RequestFilter
		want []string
	}{
		{"all", access.RequestFilter{}, []string{"r6", "r7", "r5", "r4", "r3", "r2", "r1"}},
		{"one status", access.RequestFilter{Statuses: []access.Status{access.StatusPending}}, []string{"r2", "r1"}},
		{"statuses", access.RequestFilter{Statuses: []access.Status{access.StatusActive, access.StatusScheduled, access.StatusEnded}}, []string{"r5", "r4", "r3"}},
		{"status none has", access.RequestFilter{Statuses: []access.Status{access.StatusExpired}}, nil},
		{"requester", access.RequestFilter{RequesterID: "alice"}, []string{"r3", "r1"}},
		{"requester unknown", access.RequestFilter{RequesterID: "nobody"}, nil},
		{"approver", access.RequestFilter{ApproverID: "carol"}, []string{"r6", "r3", "r1"}},
		{"approver alice", access.RequestFilter{ApproverID: "alice"}, []string{"r6", "r2"}},
		{"approver nobody", access.RequestFilter{ApproverID: "dave"}, nil},
		{"involving", access.RequestFilter{InvolvingUserID: "alice"}, []string{"r6", "r3", "r2", "r1"}},
		{"involving dave", access.RequestFilter{InvolvingUserID: "dave"}, []string{"r4"}},
		{"involving and status", access.RequestFilter{InvolvingUserID: "bob", Statuses: []access.Status{access.StatusPending}}, []string{"r2", "r1"}},
		{"requester and approver", access.RequestFilter{RequesterID: "bob", ApproverID: "carol"}, []string{"r6"}},
		{"limit", access.RequestFilter{Limit: 3}, []string{"r6", "r7", "r5"}},
		{"limit with filter", access.RequestFilter{InvolvingUserID: "alice", Limit: 3}, []string{"r6", "r3", "r2"}},
	}
	readTx(t, s, func(tx store.Tx) error {
		for _, tc := range tests {
			got, err := tx.ListRequests(t.Context(), tc.f)
			if err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
			var want []string
			for _, name := range tc.want {
				want = append(want, id[name])
			}
			sameStrings(t, tc.name, ids(got), want)
		}
		// Every listed request is loaded in full.
		got, err := tx.ListRequests(t.Context(), access.RequestFilter{})
		if err != nil {
			return err
		}
		byID := map[string]*access.Request{}
		for _, r := range rs {
			byID[r.ID] = r
		}
		for _, r := range got {
			sameRequest(t, r, byID[r.ID])
		}
		return nil
	})
}

func testListRequestsLimit(t *testing.T, s store.Store) {
	const n = 1001
	rs := make([]*access.Request, n)
	for i := range rs {
		rs[i] = simpleRequest(fmt.Sprintf("r%04d", i), "u-req", access.StatusPending, at(time.Duration(i)*time.Second))
	}
	create(t, s, rs...)
	readTx(t, s, func(tx store.Tx) error {
		for _, tc := range []struct {
			limit, want int
		}{{0, 100}, {-1, 100}, {5, 5}, {1000, 1000}, {5000, 1000}} {
			got, err := tx.ListRequests(t.Context(), access.RequestFilter{Limit: tc.limit})
			if err != nil {
				return err
			}
			if len(got) != tc.want {
				t.Errorf("Limit %d: got %d requests, want %d", tc.limit, len(got), tc.want)
				continue
			}
			if got[0].ID != "r1000" || got[len(got)-1].ID != fmt.Sprintf("r%04d", n-tc.want) {
				t.Errorf("Limit %d: got %s..%s, want the newest first", tc.limit, got[0].ID, got[len(got)-1].ID)
			}
			if len(got[0].Grants) != 1 || len(got[len(got)-1].Grants) != 1 {
				t.Errorf("Limit %d: grants not loaded", tc.limit)
			}
		}
		return nil
	})
}
