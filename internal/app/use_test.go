package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

const usePortal = "https://d-1234567890.awsapps.com/start"

// getPage fetches path with c and returns the status and body.
func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNowUseIt: with aws.access_portal_url set, once access is active the
// requester's request page and active page, and the "active" Slack
// message, carry the console link for the account and permission set and
// a ready ~/.aws/config profile; an approver's page does not.
func TestNowUseIt(t *testing.T) {
	fs := newFakeSlack(t)
	env := startPortal(t, awsemu.DemoSeed(), both(withSlack(fs, "signing-secret"), func(c *config.Config) {
		c.AWS.AccessPortalURL = usePortal
		c.AWS.Region = "eu-west-1"
	}))
	base := env.app.URL()
	alice, bob := env.signedInClient(t, "alice"), env.signedInClient(t, "bob")
	resp, err := alice.PostForm(base+"/request", url.Values{"account": {"444455556666"}, "permission_set": {"AdministratorAccess"},
		"duration": {"1h 30m"}, "start": {"now"}, "justification": {"INC-42: fix the queue"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/requests/") {
		t.Fatalf("submit: %s, Location %q", resp.Status, loc)
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/requests/")
	resp, err = bob.PostForm(base+"/requests/"+id+"/approve", url.Values{"comment": {"ok"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %s", resp.Status)
	}
	var page string
	eventually(t, "the request page shows active access", func() bool {
		_, page = getPage(t, alice, base+"/requests/"+id)
		return strings.Contains(page, `data-status="active"`)
	})
	console := usePortal + "/#/console?account_id=444455556666&amp;role_name=AdministratorAccess"
	for _, want := range []string{"Use it now", console, "Open the console: prod (4444 5555 6666)", "[sso-session elevate]",
		"sso_start_url = " + usePortal, "sso_region = eu-west-1", "[profile prod-AdministratorAccess]",
		"sso_account_id = 444455556666", "sso_role_name = AdministratorAccess", "aws sso login --sso-session elevate",
		"prod (4444 5555 6666)", "1h 30m"} {
		if !strings.Contains(page, want) {
			t.Errorf("alice's request page lacks %q", want)
		}
	}
	if _, active := getPage(t, alice, base+"/active"); !strings.Contains(active, console) {
		t.Errorf("alice's active page lacks the console link")
	}
	if _, bobs := getPage(t, bob, base+"/requests/"+id); strings.Contains(bobs, "#/console") || strings.Contains(bobs, "[profile ") {
		t.Errorf("bob's view of alice's request carries her console link or profile")
	}

	var blocks string
	eventually(t, "the active DM to alice", func() bool {
		calls := fs.snapshot()
		i := index(calls, func(c slackCall) bool {
			return c.Method == "chat.postMessage" && c.Channel == "D_alice" && strings.Contains(c.Text, "is active")
		})
		if i >= 0 {
			blocks = strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(calls[i].Blocks)
		}
		return i >= 0
	})
	for _, want := range []string{usePortal + "/#/console?account_id=444455556666&role_name=AdministratorAccess",
		"Open console: prod (4444 5555 6666)", "[profile prod-AdministratorAccess]", "sso_account_id = 444455556666",
		"AdministratorAccess on prod (4444 5555 6666) is active for alice until <!date^", "{date_short_pretty} at {time"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("the active Slack message lacks %q: %s", want, blocks)
		}
	}
	// The approvers' messages never carry the requester's profile.
	for _, c := range fs.snapshot() {
		if c.Channel != "D_alice" && strings.Contains(c.Blocks, "sso_account_id") {
			t.Errorf("a message to %s carries the profile: %s", c.Channel, c.Blocks)
		}
	}
}
