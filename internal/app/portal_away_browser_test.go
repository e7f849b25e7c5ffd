package app_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/workflow"
)

// TestPortalAwayBrowser: bob sets "away until, delegate dave" on his
// profile page, sees it, is refused when he names himself, and comes back.
func TestPortalAwayBrowser(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	signIn(t, ctx, base, "bob", "/profile")
	until := time.Now().UTC().Add(72 * time.Hour).Format("2006-01-02T15:04")

	run(t, ctx, "delegate to himself",
		chromedp.Navigate(base+"/profile"), chromedp.WaitVisible(chromedp.ID("away-set")),
		chromedp.SetValue(chromedp.ID("away-until"), until), chromedp.SetValue(chromedp.ID("away-delegate"), "bob"),
		chromedp.Click(chromedp.ID("away-set")), chromedp.WaitVisible(chromedp.CSS(`[role="alert"], .error`)))
	var page string
	run(t, ctx, "the refusal", into(&page, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(page, "cannot delegate to yourself") {
		t.Errorf("the profile after naming himself says:\n%s", page)
	}

	run(t, ctx, "set away",
		chromedp.SetValue(chromedp.ID("away-until"), until), chromedp.SetValue(chromedp.ID("away-delegate"), "dave"),
		chromedp.Click(chromedp.ID("away-set")), chromedp.WaitVisible(chromedp.ID("away-clear")))
	var status string
	run(t, ctx, "away status", into(&status, chromedp.Text(chromedp.ID("away-status"))))
	if !strings.Contains(status, "dave approves in your place") {
		t.Errorf("away status %q", status)
	}
	// dave, asked in bob's place, sees why on the request's page.
	alice, err := env.app.Service().ActorByEmail(t.Context(), "alice@example.com", access.ViaAPI)
	if err != nil {
		t.Fatal(err)
	}
	req, err := env.app.Service().Submit(t.Context(), alice, workflow.SubmitInput{AccountIDs: []string{"prod"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-11: while bob is away"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := env.signedInClient(t, "dave").Get(base + "/requests/" + req.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `id="asked-because">You are asked because bob is away until`) {
		t.Errorf("dave's page of %s does not say why he is asked (status %d)", req.ID, resp.StatusCode)
	}

	run(t, ctx, "come back", chromedp.Click(chromedp.ID("away-clear")), chromedp.WaitVisible(chromedp.CSS("p.empty#away-status")),
		into(&status, chromedp.Text(chromedp.ID("away-status"))))
	if status != "Not away." {
		t.Errorf("status after coming back %q", status)
	}
}
