package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// TestPortalAdminShowsEndedSessions: the admin page lists the statements
// that end revoked users' open sessions (user, account, permission set,
// where, until when), and says when there is none.
func TestPortalAdminShowsEndedSessions(t *testing.T) {
	on := true
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.EndSessions.Mechanism = config.EndSessionsSCP
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "alice-staging", Users: []string{"alice"}, Accounts: []string{"staging"},
			PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: time.Hour, EndSessions: &on})
	})
	base := env.app.URL()
	erin := env.signedInClient(t, "erin")
	if h := last(get(t, erin, base+"/admin")); !strings.Contains(h.Body, `id="no-session-denies"`) {
		t.Fatalf("admin page without statements: %s %.1500s", h.Resp.Status, h.Body)
	}

	ctx := context.Background()
	alice := env.actor(t, "alice")
	r, err := env.app.Service().Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{env.emu.AccountID("staging")},
		PermissionSet: "ReadOnlyAccess", Duration: time.Hour, Justification: "admin page test"})
	if err != nil {
		t.Fatal(err)
	}
	status := func() access.Status {
		got, err := env.app.Service().GetRequest(ctx, alice, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	eventually(t, "the request is active", func() bool { return status() == access.StatusActive })
	if _, err := env.app.Service().End(ctx, alice, r.ID, "done"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the request is revoked", func() bool { return status() == access.StatusRevoked })

	h := last(get(t, erin, base+"/admin"))
	i := strings.Index(h.Body, `id="session-denies"`)
	if h.Resp.StatusCode != http.StatusOK || i < 0 {
		t.Fatalf("admin page: %s, no statement table: %.2000s", h.Resp.Status, h.Body)
	}
	table := h.Body[i:]
	for _, want := range []string{alice.UserID, env.emu.AccountID("staging"), "ReadOnlyAccess", "in force", "service control policy"} {
		if !strings.Contains(table, want) {
			t.Errorf("the statement row lacks %q: %.1500s", want, table)
		}
	}
}
