package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/workflow"
)

// TestPortalLandsEachRoleWhereItsWorkIs: the auditor, who may request
// nothing, lands on Audit and the admin on Admin instead of an empty
// account search; the requester on Request access. Approvers get the count
// of what waits for them, and the profile names the user's groups.
func TestPortalLandsEachRoleWhereItsWorkIs(t *testing.T) {
	t.Parallel()
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	for user, want := range map[string]string{"alice": "/request", "dave": "/audit", "erin": "/admin"} {
		h := last(get(t, env.signedInClient(t, user), base+"/"))
		if h.URL.Path != want {
			t.Errorf("%s lands on %s, want %s", user, h.URL.Path, want)
		}
	}
	if h := last(get(t, env.signedInClient(t, "dave"), base+"/request")); !strings.Contains(h.Body, `id="not-eligible"`) {
		t.Error("the request page does not tell the auditor that no rule lets them request access")
	}

	count := func(user string) string {
		t.Helper()
		h := last(get(t, env.signedInClient(t, user), base+"/approvals/count"))
		return strings.TrimSpace(h.Body)
	}
	if got := count("bob"); got != `{"waiting":0}` {
		t.Fatalf("bob's count before any request: %s", got)
	}
	_, err := env.app.Service().Submit(context.Background(), env.actor(t, "alice"), workflow.SubmitInput{AccountIDs: []string{"prod"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-42: redrive the DLQ", Ticket: "INC-42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := count("bob"); got != `{"waiting":1}` {
		t.Errorf("bob's count with alice's request pending: %s", got)
	}
	if got := count("alice"); got != `{"waiting":0}` {
		t.Errorf("alice's count of her own request: %s (she can't approve it)", got)
	}

	if h := last(get(t, env.signedInClient(t, "bob"), base+"/profile")); !strings.Contains(h.Body, "approvers") {
		t.Errorf("bob's profile does not name his group approvers:\n%s", h.Body)
	}
}
