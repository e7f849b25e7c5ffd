package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// activitySeed is the demo organization plus frank, who is involved in no
// request.
func activitySeed() awsemu.Seed {
	seed := awsemu.DemoSeed()
	seed.Users = append(seed.Users, awsemu.SeedUser{UserName: "frank", DisplayName: "Frank Fox", Email: "frank@example.com",
		GivenName: "Frank", FamilyName: "Fox"})
	return seed
}

// sessionAt returns the CloudTrail events of a session (sign-in,
// DescribeInstances, ListBuckets), all in the second of at.
func sessionAt(account, user, userID string, at time.Time) []map[string]any {
	evs := awsemu.SSOSessionEvents(awsemu.SSOSession{AccountID: account, PermissionSetName: "AdministratorAccess",
		UserName: user, UserID: userID, Start: at})
	for _, ev := range evs {
		ev["eventTime"] = at.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return evs
}

// waitActivity polls GET .../activity until ok accepts it.
func waitActivity(t *testing.T, c *client.Client, id string, ok func(*client.RequestActivity) bool) *client.RequestActivity {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var last *client.RequestActivity
	for ctx.Err() == nil {
		a, err := c.Activity(ctx, id)
		if err == nil {
			last = a
			if ok(a) {
				return a
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("activity of %s never reached the expected state; last: %+v", id, last)
	return nil
}

// TestSessionActivityEndToEnd: a request is approved and
// activated; CloudTrail events of alice's session, of bob's session in the
// same account and of alice's session in another account are in the
// emulator. A refresh while active fetches alice's session in prod only;
// ending the request schedules the fetch_activity job (activity.delay after
// the end), which stores the events again. The requester, the approver and
// the auditor see the activity; frank, involved in nothing, gets 403 on
// both routes; an unknown request is 404. The answers conform to
// openapi.json. Retention's activity pruner is wired and deletes it.
func TestSessionActivityEndToEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		env := startSeeded(t, activitySeed(), func(c *config.Config) {
			engine(c)
			c.Activity = config.Activity{Source: config.ActivityLogs, LogGroup: awsemu.DefaultTrailLogGroup,
				Delay: 300 * time.Millisecond, Margin: time.Millisecond}
		})
		ctx := t.Context()
		frank, _, err := env.app.Service().CreateToken(ctx, "frank", "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		env.tokens["frank"] = frank
		alice, bob := env.client(t, "alice"), env.client(t, "bob")
		r := env.approvedRequest(t, time.Hour)
		r = waitStatus(t, alice, r.ID, client.StatusActive)
		if r.Status != client.StatusActive || r.ActivatedAt == nil {
			t.Fatalf("request %s is %s, want active", r.ID, r.Status)
		}
		prod := r.Grants[0].AccountID
		users := map[string]string{}
		for _, u := range []string{"alice", "bob"} {
			me, err := env.client(t, u).Me(ctx)
			if err != nil {
				t.Fatal(err)
			}
			users[u] = me.UserID
		}
		at := *r.ActivatedAt
		var seeded []map[string]any
		seeded = append(seeded, sessionAt(prod, "alice", users["alice"], at)...)
		seeded = append(seeded, sessionAt(prod, "bob", users["bob"], at)...)   // another user, same account and role
		seeded = append(seeded, sessionAt("222233334444", "alice", "", at)...) // alice elsewhere
		if err := env.emu.AddTrailEvents(seeded...); err != nil {
			t.Fatal(err)
		}

		// Nobody outside the request may see or refresh it: 404, as for an
		// unknown request, so the answer does not tell that it exists.
		if st, body := apiCall(t, env, "frank", "GET", "/api/v1/requests/"+r.ID+"/activity", nil); st != http.StatusNotFound {
			t.Errorf("frank GET activity: %d %s, want 404", st, body)
		}
		if st, body := apiCall(t, env, "frank", "POST", "/api/v1/requests/"+r.ID+"/activity/refresh", nil); st != http.StatusNotFound {
			t.Errorf("frank refresh: %d %s, want 404", st, body)
		}
		if st, _ := apiCall(t, env, "alice", "GET", "/api/v1/requests/req_nope/activity", nil); st != http.StatusNotFound {
			t.Errorf("GET activity of an unknown request: %d, want 404", st)
		}

		// Refresh while active.
		if st, body := apiCall(t, env, "alice", "POST", "/api/v1/requests/"+r.ID+"/activity/refresh", nil); st != http.StatusAccepted {
			t.Fatalf("alice refresh: %d %s, want 202", st, body)
		}
		fetched := func(a *client.RequestActivity) bool {
			return len(a.Grants) == 1 && a.Grants[0].Status == "fetched"
		}
		act := waitActivity(t, alice, r.ID, fetched)
		checkAliceSession(t, act, prod)
		if act.Source != config.ActivityLogs {
			t.Errorf("source = %q, want %s", act.Source, config.ActivityLogs)
		}

		// End: the fetch job runs activity.delay after the grant's end.
		if _, err := alice.End(ctx, r.ID, "done"); err != nil {
			t.Fatal(err)
		}
		ended := waitStatus(t, alice, r.ID, client.StatusRevoked) // ended early
		if ended.Status != client.StatusRevoked {
			t.Fatalf("request is %s, want revoked", ended.Status)
		}
		revokedAt := ended.Grants[0].RevokedAt
		if revokedAt == nil {
			t.Fatal("ended grant has no revoked_at")
		}
		act = waitActivity(t, bob, r.ID, func(a *client.RequestActivity) bool {
			return fetched(a) && a.Grants[0].FetchedAt != nil && a.Grants[0].FetchedAt.After(*revokedAt)
		})
		checkAliceSession(t, act, prod)
		if we := act.Grants[0].WindowEnd; we == nil || we.Before(*revokedAt) {
			t.Errorf("window end %v is before the grant's end %v", we, revokedAt)
		}
		for _, u := range []string{"alice", "bob", "dave", "erin"} {
			st, body := apiCall(t, env, u, "GET", "/api/v1/requests/"+r.ID+"/activity", nil)
			var got client.RequestActivity
			if st != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Grants) != 1 || len(got.Grants[0].Events) != 3 {
				t.Errorf("%s GET activity: %d %s, want 200 with 3 events", u, st, body)
			}
		}

		// Retention: the decision log's pruning prunes session activity.
		rep, err := env.app.Audit().Prune(ctx, audit.PruneOptions{Retention: audit.Retention{Activity: 24 * time.Hour}, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ActivityBefore.IsZero() || rep.Activity != 0 {
			t.Errorf("dry-run prune: activity %d before %v; want the activity pruned (cutoff set) and nothing older than 24h", rep.Activity, rep.ActivityBefore)
		}
		// The activity was fetched before this test's last poll: a
		// millisecond's retention prunes it.
		time.Sleep(2 * time.Millisecond)
		rep, err = env.app.Audit().Prune(ctx, audit.PruneOptions{Retention: audit.Retention{Activity: time.Millisecond}})
		if err != nil || rep.Activity != 1 {
			t.Fatalf("Prune(activity) = %+v, %v; want 1 grant's activity deleted", rep, err)
		}
		if a, err := alice.Activity(ctx, r.ID); err != nil || len(a.Grants) != 0 {
			t.Errorf("after pruning: %+v, %v; want no activity", a, err)
		}
	})
}

// checkAliceSession checks that the activity is exactly alice's session in
// prod: three events, the sign-in included, none of bob's, none elsewhere.
func checkAliceSession(t *testing.T, a *client.RequestActivity, prod string) {
	t.Helper()
	if len(a.Grants) != 1 || a.Grants[0].AccountID != prod {
		t.Fatalf("activity grants = %+v, want the one prod grant", a.Grants)
	}
	evs := a.Grants[0].Events
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
		if strings.Contains(e.Principal, "bob") || strings.Contains(e.Raw, "bob") {
			t.Errorf("bob's event in alice's activity: %+v", e)
		}
		if !strings.Contains(e.Principal, "AWSReservedSSO_AdministratorAccess_") || !strings.HasSuffix(e.Principal, "/alice") {
			t.Errorf("event %s principal %q is not alice's AdministratorAccess session", e.Name, e.Principal)
		}
		if e.EventID == "" || e.RequestID == "" || e.UserAgent == "" || e.ReadOnly == nil || !*e.ReadOnly || e.Raw == "" {
			t.Errorf("event %s lacks stored fields: %+v", e.Name, e)
		}
	}
	slices.Sort(names)
	if want := []string{"AssumeRoleWithSAML", "DescribeInstances", "ListBuckets"}; !slices.Equal(names, want) {
		t.Errorf("events = %v, want %v", names, want)
	}
}
