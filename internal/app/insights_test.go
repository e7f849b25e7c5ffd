package app_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// TestInsightsEndToEnd: alice's grant is used (her session's CloudTrail
// events fetched after it ends); GET /api/v1/insights shows it used with its
// actions, and for AdministratorAccess the actions used against its inline
// policy read from sso-admin, with a narrower policy and the AWS managed
// policy named as not expanded. The auditor and the admin see everyone's;
// alice sees her own; bob, who approved it, and frank, involved in nothing,
// see their own (none). A bad window or parameter is 400. Every answer
// conforms to openapi.json.
func TestInsightsEndToEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		env := startSeeded(t, activitySeed(), func(c *config.Config) {
			engine(c)
			c.Activity = config.Activity{Source: config.ActivityLogs, LogGroup: awsemu.DefaultTrailLogGroup,
				Delay: 300 * time.Millisecond, Margin: time.Millisecond}
		})
		ctx := t.Context()
		admin := env.emu.PermissionSetARN("AdministratorAccess")
		env.emu.SetInlinePolicy(admin, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","s3:*","rds:*"],"Resource":"*"}]}`)
		if err := env.emu.AttachManagedPolicy("AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess"); err != nil {
			t.Fatal(err)
		}
		frank, _, err := env.app.Service().CreateToken(ctx, "frank", "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		env.tokens["frank"] = frank
		alice := env.client(t, "alice")
		me, err := alice.Me(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := env.approvedRequest(t, time.Hour)
		prod := r.Grants[0].AccountID
		if err := env.emu.AddTrailEvents(sessionAt(prod, "alice", me.UserID, *r.ActivatedAt)...); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.End(ctx, r.ID, "done"); err != nil {
			t.Fatal(err)
		}
		waitActivity(t, alice, r.ID, func(a *client.RequestActivity) bool {
			return len(a.Grants) == 1 && a.Grants[0].Status == "fetched" && len(a.Grants[0].Events) == 3
		})

		get := func(user, query string, want int) client.Insights {
			t.Helper()
			st, body := apiCall(t, env, user, "GET", "/api/v1/insights"+query, nil)
			if st != want {
				t.Fatalf("%s GET insights%s: %d %s, want %d", user, query, st, body, want)
			}
			var rep client.Insights
			if st == http.StatusOK {
				if err := json.Unmarshal(body, &rep); err != nil {
					t.Fatal(err)
				}
			}
			return rep
		}
		for _, u := range []string{"dave", "erin"} {
			rep := get(u, "?since=7d", http.StatusOK)
			if rep.Scope != "all" || len(rep.Grants) != 1 || rep.Until.Sub(rep.Since) != 7*24*time.Hour {
				t.Fatalf("%s: scope %s, %d grants, window %s; want all, 1, 7d", u, rep.Scope, len(rep.Grants), rep.Until.Sub(rep.Since))
			}
			g := rep.Grants[0]
			if g.State != client.UseUsed || g.Requester != "alice" || g.AccountName != "prod" || g.EndedAt == nil || len(g.Services) != 2 ||
				!slices.Equal(g.Services[0].Actions, []string{"ec2:DescribeInstances"}) || !slices.Equal(g.Services[1].Actions, []string{"s3:ListAllMyBuckets"}) {
				t.Errorf("%s: grant %+v", u, g)
			}
			if len(rep.PermissionSets) != 1 {
				t.Fatalf("%s: permission sets %+v", u, rep.PermissionSets)
			}
			ps := rep.PermissionSets[0]
			if ps.PermissionSetName != "AdministratorAccess" || ps.Suggestion == "" || !slices.Equal(ps.Allowed.Inline, []string{"ec2:*", "rds:*", "s3:*"}) ||
				!slices.Equal(ps.UnusedPatterns, []string{"rds:*"}) || !slices.Equal(ps.Allowed.Managed, []string{"AdministratorAccess"}) || ps.Error != "" {
				t.Errorf("%s: permission set %+v", u, ps)
			}
		}
		if rep := get("alice", "", http.StatusOK); rep.Scope != "own" || len(rep.Grants) != 1 || rep.Until.Sub(rep.Since) != 90*24*time.Hour {
			t.Errorf("alice: scope %s, %d grants, window %s; want own, 1, 90d", rep.Scope, len(rep.Grants), rep.Until.Sub(rep.Since))
		}
		for _, u := range []string{"bob", "frank"} {
			if rep := get(u, "", http.StatusOK); rep.Scope != "own" || len(rep.Grants) != 0 || len(rep.PermissionSets) != 0 {
				t.Errorf("%s sees %d grants, %d permission sets (scope %s); want their own: none", u, len(rep.Grants), len(rep.PermissionSets), rep.Scope)
			}
		}
		get("dave", "?since=lately", http.StatusBadRequest)
		get("dave", "?since=500d", http.StatusBadRequest)
		get("dave", "?user=alice", http.StatusBadRequest)
	})
}
