package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testPageRequestsFilters checks each filter, both orders and continuing
// after a key, on a few requests with a tie on the creation time and one
// without one.
func testPageRequestsFilters(t *testing.T, s store.Store) {
	const adminARN = "arn:aws:sso:::permissionSet/ssoins-1/ps-admin"
	const readARN = "arn:aws:sso:::permissionSet/ssoins-1/ps-read"
	mk := func(id, requester, name string, status access.Status, created time.Time, justification, ticket string, accounts ...string) *access.Request {
		r := simpleRequest(id, requester, status, created)
		r.RequesterName, r.Justification, r.Ticket = name, justification, ticket
		r.Grants = nil
		for i, a := range accounts {
			r.Grants = append(r.Grants, access.Grant{ID: fmt.Sprintf("%s-g%d", id, i), AccountID: a, Status: access.GrantPending})
		}
		return r
	}
	r1 := mk("q-a", "alice", "Alice Liddell", access.StatusPending, at(time.Minute), "look at logs", "INC-1", "111111111111")
	r2 := mk("q-b", "bob", "Bob_Builder", access.StatusActive, at(2*time.Minute), "deploy", "OPS-42", "222222222222")
	r2.PermissionSetARN, r2.PermissionSetName = adminARN, "AdministratorAccess"
	r3 := mk("q-c", "alice", "Alice Liddell", access.StatusEnded, at(3*time.Minute), "100% sure", "", "111111111111", "333333333333")
	r4 := mk("q-d", "carol", "Carol", access.StatusPending, at(3*time.Minute), "rotate keys", "", "333333333333")
	r4.PermissionSetARN, r4.PermissionSetName = adminARN, "AdministratorAccess"
	r5 := mk("q-e", "dave", "Dave", access.StatusPending, time.Time{}, "read billing", "", "111111111111")
	create(t, s, r3, r5, r1, r4, r2)
	name := map[string]string{"q-a": "r1", "q-b": "r2", "q-c": "r3", "q-d": "r4", "q-e": "r5"}
	key := func(r *access.Request) *access.RequestKey { k := access.KeyOf(r); return &k }

	tests := []struct {
		name string
		q    access.RequestQuery
		want []string
	}{
		{"all, newest first", access.RequestQuery{}, []string{"r4", "r3", "r2", "r1", "r5"}},
		{"all, oldest first", access.RequestQuery{Order: access.OldestFirst}, []string{"r1", "r2", "r3", "r4", "r5"}},
		{"status", access.RequestQuery{Statuses: []access.Status{access.StatusPending}}, []string{"r4", "r1", "r5"}},
		{"requester id", access.RequestQuery{Requester: "bob"}, []string{"r2"}},
		{"requester name part, any case", access.RequestQuery{Requester: "LIDD"}, []string{"r3", "r1"}},
		{"requester underscore is literal", access.RequestQuery{Requester: "b_b"}, []string{"r2"}},
		{"requester underscore matches no other character", access.RequestQuery{Requester: "l_d"}, nil},
		{"requester id exact", access.RequestQuery{RequesterID: "alice"}, []string{"r3", "r1"}},
		{"one account", access.RequestQuery{AccountIDs: []string{"333333333333"}}, []string{"r4", "r3"}},
		{"accounts", access.RequestQuery{AccountIDs: []string{"111111111111", "222222222222"}}, []string{"r3", "r2", "r1", "r5"}},
		{"permission set name part", access.RequestQuery{PermissionSet: "admin"}, []string{"r4", "r2"}},
		{"permission set ARN", access.RequestQuery{PermissionSet: readARN}, []string{"r3", "r1", "r5"}},
		{"search ticket", access.RequestQuery{Search: "inc-1"}, []string{"r1"}},
		{"search account", access.RequestQuery{Search: "3333"}, []string{"r4", "r3"}},
		{"search id", access.RequestQuery{Search: "Q-B"}, []string{"r2"}},
		{"search justification", access.RequestQuery{Search: "billing"}, []string{"r5"}},
		{"search percent is literal", access.RequestQuery{Search: "100%"}, []string{"r3"}},
		{"search percent matches nothing else", access.RequestQuery{Search: "1%0"}, nil},
		{"created from", access.RequestQuery{CreatedFrom: at(2 * time.Minute)}, []string{"r4", "r3", "r2"}},
		{"created before", access.RequestQuery{CreatedBefore: at(3 * time.Minute)}, []string{"r2", "r1"}},
		{"created range", access.RequestQuery{CreatedFrom: at(2 * time.Minute), CreatedBefore: at(3 * time.Minute)}, []string{"r2"}},
		{"after a tie", access.RequestQuery{After: key(r4)}, []string{"r3", "r2", "r1", "r5"}},
		{"after the last dated", access.RequestQuery{After: key(r1)}, []string{"r5"}},
		{"after the undated", access.RequestQuery{After: key(r5)}, nil},
		{"oldest first after a tie", access.RequestQuery{Order: access.OldestFirst, After: key(r3)}, []string{"r4", "r5"}},
		{"oldest first after the first", access.RequestQuery{Order: access.OldestFirst, After: key(r1)}, []string{"r2", "r3", "r4", "r5"}},
		{"limit", access.RequestQuery{Limit: 2}, []string{"r4", "r3"}},
		{"filters combine", access.RequestQuery{Statuses: []access.Status{access.StatusPending}, AccountIDs: []string{"111111111111"}}, []string{"r1", "r5"}},
		{"scope and search", access.RequestQuery{InvolvingUserID: "alice", Search: "sure"}, []string{"r3"}},
	}
	byID := map[string]*access.Request{}
	for _, r := range []*access.Request{r1, r2, r3, r4, r5} {
		byID[r.ID] = r
	}
	readTx(t, s, func(tx store.Tx) error {
		for _, tc := range tests {
			got, err := tx.PageRequests(t.Context(), tc.q)
			if err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
			var names []string
			for _, r := range got {
				names = append(names, name[r.ID])
				sameRequest(t, r, byID[r.ID])
			}
			sameStrings(t, tc.name, names, tc.want)
		}
		return nil
	})
}

// testPageRequestsStable pages through 10,000 requests, many sharing a
// creation time, 100 at a time in both orders, while new requests are
// created between pages: every request there before the walk comes once,
// in order, with no gap.
func testPageRequestsStable(t *testing.T, s store.Store) {
	const n = 10000
	var want []access.RequestKey
	for chunk := 0; chunk < n; chunk += 1000 {
		rs := make([]*access.Request, 0, 1000)
		for i := chunk; i < chunk+1000; i++ {
			// Three requests per second of creation time, ids not in time order.
			r := simpleRequest(fmt.Sprintf("p%05d", (i*7919)%n), "u-req", access.StatusPending, at(time.Duration(i/3)*time.Second))
			rs = append(rs, r)
			want = append(want, access.KeyOf(r))
		}
		create(t, s, rs...)
	}
	newestFirst := func(a, b access.RequestKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return compareStrings(b.ID, a.ID)
	}
	slices.SortFunc(want, newestFirst)

	for _, order := range []access.RequestOrder{access.NewestFirst, access.OldestFirst} {
		var got []access.RequestKey
		var after *access.RequestKey
		added := 0
		for page := 0; ; page++ {
			var rs []*access.Request
			readTx(t, s, func(tx store.Tx) error {
				var err error
				rs, err = tx.PageRequests(t.Context(), access.RequestQuery{Order: order, After: after, Limit: 100})
				return err
			})
			if len(rs) == 0 {
				break
			}
			for _, r := range rs {
				got = append(got, access.KeyOf(r))
			}
			last := access.KeyOf(rs[len(rs)-1])
			after = &last
			// Someone submits a request now (newer than all), and one made
			// at the very time of the page's last request.
			if page < 200 {
				added += 2
				now := simpleRequest(fmt.Sprintf("new-%s-%03d", order, page), "u-new", access.StatusPending, at(time.Duration(n)*time.Second+time.Duration(page)*time.Millisecond))
				same := simpleRequest(fmt.Sprintf("new-%s-%03d-same", order, page), "u-new", access.StatusPending, last.CreatedAt)
				create(t, s, now, same)
			}
		}
		// Keep only what existed before the walk; what was added may be
		// seen once or not at all, depending on where it sorts.
		var old []access.RequestKey
		seen := map[string]bool{}
		for _, k := range got {
			if seen[k.ID] {
				t.Fatalf("%s: request %s listed twice", order, k.ID)
			}
			seen[k.ID] = true
			if k.ID[0] == 'p' {
				old = append(old, k)
			}
		}
		exp := slices.Clone(want)
		if order == access.OldestFirst {
			slices.Reverse(exp)
		}
		if len(old) != len(exp) {
			t.Fatalf("%s: listed %d of the %d requests", order, len(old), len(exp))
		}
		for i := range exp {
			if old[i].ID != exp[i].ID {
				t.Fatalf("%s: position %d is %s, want %s", order, i, old[i].ID, exp[i].ID)
			}
		}
		// Newest first never reaches what is newer than its first page;
		// oldest first reaches every request added, at the end.
		if order == access.OldestFirst && len(got)-len(old) == 0 {
			t.Errorf("%s: none of the %d requests added during the walk was listed", order, added)
		}
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
