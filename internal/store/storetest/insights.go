package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testInsights: ListGrantUsage returns the grants active at some time in
// the window (revoked at or after since, or still active; never-activated
// and earlier ones left out), with their activity status ("" without a row)
// and their events counted by (source, name, error code) with the latest
// time; a requester filter keeps only theirs. ListRequestedPairs counts the
// requests created in the window by (requester, account, permission set),
// whatever their outcome.
func testInsights(t *testing.T, s store.Store) {
	ctx := t.Context()
	since := at(time.Hour)
	mk := func(id, user string, created time.Time, status access.Status, g access.Grant) *access.Request {
		r := simpleRequest(id, user, status, created)
		g.ID = id + "-g"
		r.Grants = []access.Grant{g}
		return r
	}
	old := mk("ins-old", "u-alice", at(0), access.StatusEnded,
		access.Grant{AccountID: "111111111111", Status: access.GrantRevoked, ActivatedAt: at(time.Minute), RevokedAt: at(30 * time.Minute)})
	used := mk("ins-used", "u-alice", at(2*time.Hour), access.StatusEnded,
		access.Grant{AccountID: "111111111111", Status: access.GrantRevoked, ActivatedAt: at(2 * time.Hour), RevokedAt: at(3 * time.Hour)})
	spans := mk("ins-spans", "u-bob", at(0), access.StatusEnded, // activated before since, revoked after: in the window
		access.Grant{AccountID: "222222222222", Status: access.GrantRevoked, ActivatedAt: at(10 * time.Minute), RevokedAt: at(90 * time.Minute)})
	active := mk("ins-active", "u-bob", at(4*time.Hour), access.StatusActive,
		access.Grant{AccountID: "222222222222", Status: access.GrantActive, ActivatedAt: at(4 * time.Hour)})
	rejected := mk("ins-rejected", "u-alice", at(5*time.Hour), access.StatusRejected,
		access.Grant{AccountID: "333333333333", Status: access.GrantPending})
	create(t, s, old, used, spans, active, rejected)

	ev := func(id string, d time.Duration, source, name, code string) access.ActivityEvent {
		return access.ActivityEvent{EventID: id, Time: at(d), Source: source, Name: name, ErrorCode: code}
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, g := range []struct{ req, grant string }{{"ins-old", "ins-old-g"}, {"ins-used", "ins-used-g"}, {"ins-spans", "ins-spans-g"}} {
			if err := tx.MarkActivityPending(ctx, g.req, g.grant, at(6*time.Hour)); err != nil {
				return err
			}
		}
		if err := tx.PutActivityEvents(ctx, access.GrantActivity{GrantID: "ins-used-g", Attempts: 1, FetchedAt: at(6 * time.Hour),
			WindowStart: at(2 * time.Hour), WindowEnd: at(3 * time.Hour), Events: []access.ActivityEvent{
				ev("e1", 2*time.Hour+time.Minute, "sts.amazonaws.com", "AssumeRoleWithSAML", ""),
				ev("e2", 2*time.Hour+2*time.Minute, "s3.amazonaws.com", "GetObject", ""),
				ev("e3", 2*time.Hour+5*time.Minute, "s3.amazonaws.com", "GetObject", ""),
				ev("e4", 2*time.Hour+3*time.Minute, "s3.amazonaws.com", "GetObject", "AccessDenied"),
			}}); err != nil {
			return err
		}
		return tx.PutActivityEvents(ctx, access.GrantActivity{GrantID: "ins-old-g", Attempts: 1, FetchedAt: at(6 * time.Hour),
			WindowStart: at(0), WindowEnd: at(time.Hour), Events: []access.ActivityEvent{ev("o1", 5*time.Minute, "ec2.amazonaws.com", "RunInstances", "")}})
	})

	var all, bobs []access.GrantUsage
	readTx(t, s, func(tx store.Tx) (err error) {
		if all, err = tx.ListGrantUsage(ctx, since, ""); err != nil {
			return err
		}
		bobs, err = tx.ListGrantUsage(ctx, since, "u-bob")
		return err
	})
	ps, psName := "arn:aws:sso:::permissionSet/ssoins-1/ps-read", "ReadOnly"
	want := []access.GrantUsage{
		{GrantID: "ins-spans-g", RequestID: "ins-spans", RequesterID: "u-bob", RequesterName: "name-u-bob", AccountID: "222222222222",
			PermissionSetARN: ps, PermissionSetName: psName, Status: access.GrantRevoked, ActivatedAt: at(10 * time.Minute), RevokedAt: at(90 * time.Minute),
			ActivityStatus: access.ActivityPending},
		{GrantID: "ins-used-g", RequestID: "ins-used", RequesterID: "u-alice", RequesterName: "name-u-alice", AccountID: "111111111111",
			PermissionSetARN: ps, PermissionSetName: psName, Status: access.GrantRevoked, ActivatedAt: at(2 * time.Hour), RevokedAt: at(3 * time.Hour),
			ActivityStatus: access.ActivityFetched, Calls: []access.CallCount{
				{Source: "s3.amazonaws.com", Name: "GetObject", Count: 2, Last: at(2*time.Hour + 5*time.Minute)},
				{Source: "s3.amazonaws.com", Name: "GetObject", ErrorCode: "AccessDenied", Count: 1, Last: at(2*time.Hour + 3*time.Minute)},
				{Source: "sts.amazonaws.com", Name: "AssumeRoleWithSAML", Count: 1, Last: at(2*time.Hour + time.Minute)},
			}},
		{GrantID: "ins-active-g", RequestID: "ins-active", RequesterID: "u-bob", RequesterName: "name-u-bob", AccountID: "222222222222",
			PermissionSetARN: ps, PermissionSetName: psName, Status: access.GrantActive, ActivatedAt: at(4 * time.Hour)},
	}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("ListGrantUsage:\n got  %+v\n want %+v", all, want)
	}
	if len(bobs) != 2 || bobs[0].GrantID != "ins-spans-g" || bobs[1].GrantID != "ins-active-g" {
		t.Errorf("ListGrantUsage of u-bob = %+v, want ins-spans-g and ins-active-g", bobs)
	}

	var pairs, alices []access.RequestedPair
	readTx(t, s, func(tx store.Tx) (err error) {
		if pairs, err = tx.ListRequestedPairs(ctx, since, ""); err != nil {
			return err
		}
		alices, err = tx.ListRequestedPairs(ctx, at(0), "u-alice")
		return err
	})
	wantPairs := []access.RequestedPair{
		{RequesterID: "u-alice", AccountID: "111111111111", PermissionSetARN: ps, Requests: 1, Last: at(2 * time.Hour)},
		{RequesterID: "u-alice", AccountID: "333333333333", PermissionSetARN: ps, Requests: 1, Last: at(5 * time.Hour)},
		{RequesterID: "u-bob", AccountID: "222222222222", PermissionSetARN: ps, Requests: 1, Last: at(4 * time.Hour)},
	}
	if !reflect.DeepEqual(pairs, wantPairs) {
		t.Errorf("ListRequestedPairs:\n got  %+v\n want %+v", pairs, wantPairs)
	}
	if len(alices) != 2 || alices[0].Requests != 2 || !alices[0].Last.Equal(at(2*time.Hour)) {
		t.Errorf("ListRequestedPairs of u-alice since the start = %+v, want 2 requests on 111111111111 and 1 on 333333333333", alices)
	}
}
