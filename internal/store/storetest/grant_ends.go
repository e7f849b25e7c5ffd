package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testActiveGrantEnds: the ends that revocation planning counts with are
// those of active grants of active requests not ended early, within the
// window (both bounds included), ordered by end then grant id.
func testActiveGrantEnds(t *testing.T, s store.Store) {
	end := base.Add(time.Hour)
	mk := func(id string, status access.Status, gs access.GrantStatus, endsAt time.Time, endRequested bool) *access.Request {
		r := simpleRequest(id, "u-"+id, status, base)
		r.ActivatedAt, r.EndsAt = base, endsAt
		if endRequested {
			r.EndRequestedAt = base.Add(time.Minute)
		}
		r.Grants[0].Status, r.Grants[0].Origin, r.Grants[0].ActivatedAt = gs, access.OriginCreated, base
		return r
	}
	create(t, s,
		mk("ge-b", access.StatusActive, access.GrantActive, end, false),
		mk("ge-a", access.StatusActive, access.GrantActive, end, false),
		mk("ge-from", access.StatusActive, access.GrantActive, end.Add(-time.Minute), false),
		mk("ge-to", access.StatusActive, access.GrantActive, end.Add(time.Minute), false),
		mk("ge-before", access.StatusActive, access.GrantActive, end.Add(-time.Minute-time.Microsecond), false),
		mk("ge-after", access.StatusActive, access.GrantActive, end.Add(time.Minute+time.Microsecond), false),
		mk("ge-ended-early", access.StatusActive, access.GrantActive, end, true),
		mk("ge-revoking", access.StatusActive, access.GrantRevoking, end, false),
		mk("ge-scheduled", access.StatusScheduled, access.GrantPending, end, false),
	)
	var got []access.GrantEnd
	readTx(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.ActiveGrantEnds(t.Context(), end.Add(-time.Minute), end.Add(time.Minute))
		return err
	})
	var gotS []string
	for _, g := range got {
		gotS = append(gotS, fmt.Sprintf("%s@%s", g.GrantID, g.EndsAt.Sub(end)))
	}
	sameStrings(t, "active grant ends", gotS, []string{"ge-from-g@-1m0s", "ge-a-g@0s", "ge-b-g@0s", "ge-to-g@1m0s"})
}
