package workflow

import (
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

func TestActivityQueryFor(t *testing.T) {
	act := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ps := access.PermissionSet{Name: "AdministratorAccess", SessionDuration: time.Hour}
	u := access.User{ID: "u-1", UserName: "alice", Email: "alice@example.com"}
	r := access.Request{PermissionSetName: "AdministratorAccess", ActivatedAt: act, EndsAt: act.Add(30 * time.Minute)}
	ended := access.Grant{AccountID: "444455556666", ActivatedAt: act, RevokedAt: act.Add(30 * time.Minute)}

	for _, tc := range []struct {
		name     string
		g        access.Grant
		now      time.Time
		wantEnd  time.Time
		wantFail bool
	}{
		{"ended long ago: end plus session duration", ended, act.Add(24 * time.Hour), act.Add(90 * time.Minute), false},
		{"ended recently: capped at now", ended, act.Add(time.Hour), act.Add(time.Hour), false},
		{"active: up to now", access.Grant{AccountID: "444455556666", ActivatedAt: act}, act.Add(10 * time.Minute), act.Add(10 * time.Minute), false},
		{"never active", access.Grant{AccountID: "444455556666"}, act, time.Time{}, true},
	} {
		rr := r
		if tc.wantFail {
			rr.ActivatedAt = time.Time{}
		}
		q, err := ActivityQueryFor(rr, tc.g, ps, u, tc.now)
		if tc.wantFail {
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !q.Start.Equal(act) || !q.End.Equal(tc.wantEnd) {
			t.Errorf("%s: window %s..%s, want %s..%s", tc.name, q.Start, q.End, act, tc.wantEnd)
		}
		if !slices.Equal(q.SessionNames, []string{"alice", "alice@example.com"}) || q.UserID != "u-1" || q.PermissionSetName != "AdministratorAccess" || q.AccountID != "444455556666" {
			t.Errorf("%s: query %+v", tc.name, q)
		}
	}
}
