package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// TestPortalInsightsPage: the auditor's usage insight page shows alice's
// used grant with its actions (accounts by name and grouped id), the
// eligibility nobody used, and AdministratorAccess's narrower policy; the
// audit page links to it; a requester is refused (403) and a bad window is
// said plainly (400).
func TestPortalInsightsPage(t *testing.T) {
	t.Parallel()
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.Activity = config.Activity{Source: config.ActivityLogs, LogGroup: awsemu.DefaultTrailLogGroup, Delay: time.Second, Margin: time.Millisecond}
	})
	env.emu.SetInlinePolicy(env.emu.PermissionSetARN("AdministratorAccess"),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","s3:*","rds:*"],"Resource":"*"}]}`)
	svc, ctx := env.app.Service(), t.Context()
	alice := env.actor(t, "alice")
	r, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess", Duration: time.Hour,
		Justification: "INC-42: redrive the DLQ"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, env.actor(t, "bob"), r.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r, err = svc.GetRequest(ctx, alice, r.ID); err == nil && r.Status == access.StatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never active: %v", err)
		}
	}
	if err := env.emu.AddTrailEvents(sessionAt(r.Grants[0].AccountID, "alice", alice.UserID, r.Grants[0].ActivatedAt)...); err != nil {
		t.Fatal(err)
	}
	if err := svc.RefreshActivity(ctx, alice, r.ID); err != nil {
		t.Fatal(err)
	}
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(env.app.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	dave := env.signedInClient(t, "dave")
	var page string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var st int
		st, page = get(dave, "/audit/insights?since=30d")
		if st != http.StatusOK {
			t.Fatalf("GET /audit/insights: %d\n%s", st, page)
		}
		if strings.Contains(page, `data-state="used"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the grant never showed as used:\n%s", page)
		}
	}
	for _, want := range []string{
		"Usage insight", `<option value="30d" selected>`, "prod (4444 5555 6666)", "ec2:DescribeInstances", "s3:ListAllMyBuckets",
		"Unused eligibility", "Suggested narrower permission set", "&#34;Sid&#34;: &#34;UsedEc2&#34;", "rds:*",
		"Resource is &#34;*&#34;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the insight page lacks %q", want)
		}
	}
	if _, audit := get(dave, "/audit"); !strings.Contains(audit, `href="/audit/insights"`) {
		t.Error("the audit page does not link to usage insight")
	}
	if st, _ := get(env.signedInClient(t, "alice"), "/audit/insights"); st != http.StatusForbidden {
		t.Errorf("alice GET /audit/insights: %d, want 403", st)
	}
	if st, body := get(dave, "/audit/insights?since=soon"); st != http.StatusBadRequest || !strings.Contains(body, "like 30d or 90d") {
		t.Errorf("a bad window: %d, want 400 saying how to write it", st)
	}
}
