package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// axeScript returns axe-core's browser script, installed from its lockfile
// by `npm ci --prefix internal/app/testdata/axe` (.ci/run does it).
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Skip("axe-core is not installed: run `npm ci --prefix internal/app/testdata/axe` to check the portal's accessibility")
	}
	return string(b)
}

// axeFinding is one violation axe reports, with the first offending element.
type axeFinding struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Target string `json:"target"`
	HTML   string `json:"html"`
}

// axeSerious runs axe on the loaded page and returns its serious and
// critical violations.
const axeSerious = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
	.filter(v => v.impact === "serious" || v.impact === "critical")
	.map(v => ({id: v.id, impact: v.impact, help: v.help,
		target: String(v.nodes[0] && v.nodes[0].target), html: (v.nodes[0] && v.nodes[0].html || "").slice(0, 200)})))`

// pageFits reports whether the page is no wider than the window: nothing
// scrolls sideways.
const pageFits = `document.documentElement.scrollWidth <= document.documentElement.clientWidth`

// TestPortalAccessibility visits every page of the portal as each role
// (requester, approver, auditor, admin) at 1400 and 400 pixels wide, in the
// light and the dark color scheme: axe-core finds no serious or critical
// violation (contrast included) and no page scrolls sideways.
func TestPortalAccessibility(t *testing.T) {
	ctx := browser(t)
	axe := axeScript(t)
	// Session activity on, so that usage insight has a used grant and a
	// narrower policy to show.
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.Activity = config.Activity{Source: config.ActivityLogs, LogGroup: awsemu.DefaultTrailLogGroup, Delay: time.Second, Margin: time.Millisecond}
	})
	env.emu.SetInlinePolicy(env.emu.PermissionSetARN("AdministratorAccess"),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","s3:*","rds:*","dynamodb:*","cloudwatch:*","logs:*"],"Resource":"*"}]}`)
	base := env.app.URL()
	svc := env.app.Service()
	bg := context.Background()

	// One request active and one pending, so that the lists and the request
	// page have something to show.
	in := workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess", Duration: time.Hour,
		Justification: "INC-42: redrive the DLQ", Ticket: "INC-42"}
	active, err := svc.Submit(bg, env.actor(t, "alice"), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(bg, env.actor(t, "bob"), active.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	in.Justification = "INC-43: rotate the keys"
	pending, err := svc.Submit(bg, env.actor(t, "alice"), in)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r, err := svc.GetRequest(bg, env.actor(t, "alice"), active.ID)
		if err == nil && r.Status == access.StatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the approved request never became active: %v", err)
		}
	}

	// alice's session in the active grant's account, fetched now.
	ar, err := svc.GetRequest(bg, env.actor(t, "alice"), active.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.emu.AddTrailEvents(sessionAt(ar.Grants[0].AccountID, "alice", env.actor(t, "alice").UserID, ar.Grants[0].ActivatedAt)...); err != nil {
		t.Fatal(err)
	}
	if err := svc.RefreshActivity(bg, env.actor(t, "alice"), active.ID); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, acts, err := svc.RequestActivity(bg, env.actor(t, "alice"), active.ID)
		if err == nil && len(acts) == 1 && acts[0].Status == access.ActivityFetched {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the active grant's activity was never fetched: %v", err)
		}
	}

	pages := map[string][]string{
		"alice": {"/request", "/requests", "/requests/" + active.ID, "/requests/" + pending.ID, "/active", "/profile"},
		"bob":   {"/approvals", "/requests/" + pending.ID, "/profile"},
		"dave":  {"/audit", "/audit/insights", "/requests/" + active.ID},
		"erin": {"/admin", "/admin/policy", "/admin/policy?view=yaml", "/admin/policy?edit=rule:0", "/admin/policy?edit=approver:new",
			"/admin/notifications"},
	}
	check := func(width int64, label, path string) {
		t.Helper()
		var findings []axeFinding
		var fits bool
		run(t, ctx, "check "+label,
			chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(base+path),
			chromedp.WaitReady(chromedp.CSS("body")),
			func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				_, err := chromedp.Evaluate[any](axe)(ctx, tg)
				return chromedp.Void{}, err
			},
			into(&findings, chromedp.Evaluate[[]axeFinding](axeSerious, chromedp.EvalAwaitPromise)),
			into(&fits, chromedp.Evaluate[bool](pageFits)))
		for _, f := range findings {
			t.Errorf("%s: %s (%s): %s at %s: %s", label, f.ID, f.Impact, f.Help, f.Target, f.HTML)
		}
		if !fits {
			t.Errorf("%s scrolls sideways", label)
		}
	}
	// The check itself can fail: a page with an image without a text
	// alternative and a form field without a label gets critical findings,
	// and a page wider than the window is seen.
	var findings []axeFinding
	var fits bool
	run(t, ctx, "axe on a bad page",
		chromedp.EmulateViewport(400, 900),
		chromedp.Navigate(`data:text/html,<html lang="en"><title>bad</title><main><img src="x.png"><input id="q"><div style="width:900px">wide</div></main></html>`),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[any](axe)(ctx, tg)
			return chromedp.Void{}, err
		},
		into(&findings, chromedp.Evaluate[[]axeFinding](axeSerious, chromedp.EvalAwaitPromise)),
		into(&fits, chromedp.Evaluate[bool](pageFits)))
	ids := map[string]bool{}
	for _, f := range findings {
		ids[f.ID] = true
	}
	if !ids["image-alt"] || !ids["label"] || fits {
		t.Fatalf("the checks miss a bad page: axe found %v, fits %v", findings, fits)
	}

	for _, scheme := range []string{"light", "dark"} {
		run(t, ctx, scheme+" color scheme", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		}))
		var dark bool
		run(t, ctx, "which scheme", chromedp.Navigate(base+"/signin"),
			into(&dark, chromedp.Evaluate[bool](`matchMedia("(prefers-color-scheme: dark)").matches && getComputedStyle(document.body).backgroundColor === "rgb(13, 17, 23)"`)))
		if dark != (scheme == "dark") {
			t.Fatalf("the %s scheme is not in effect (dark styles applied: %v)", scheme, dark)
		}
		for _, width := range []int64{1400, 400} {
			at := " at " + strconv.FormatInt(width, 10) + "px, " + scheme
			check(width, "sign-in page"+at, "/signin")
			for _, user := range []string{"alice", "bob", "dave", "erin"} {
				signIn(t, ctx, base, user, "/")
				for _, p := range pages[user] {
					check(width, user+" "+p+at, p)
				}
			}
		}
	}
}
