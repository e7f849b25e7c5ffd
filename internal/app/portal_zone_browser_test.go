package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/awsemu"
)

// TestPortalBrowserTimeZone: a browser in Tokyo sees the portal in Tokyo's
// zone without asking; a zone chosen on the profile page wins; clearing it
// follows the browser again.
func TestPortalBrowserTimeZone(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	run(t, ctx, "the browser is in Tokyo", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
		return err
	}))
	signIn(t, ctx, base, "alice", "/profile")
	zoneIs := func(want string) {
		t.Helper()
		var got string
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := chromedp.Do(lctx, chromedp.Navigate(base+"/profile"), into(&got, chromedp.Text(chromedp.ID("current-zone"))))
			cancel()
			if err == nil && strings.TrimSpace(got) == want {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("the profile page says times are in %q, want %q", got, want)
	}
	zoneIs("Asia/Tokyo")
	run(t, ctx, "choose Berlin", chromedp.SetValue(chromedp.ID("tz"), "Europe/Berlin"), chromedp.Click(chromedp.ID("save-zone")),
		chromedp.WaitVisible(chromedp.CSS(`[role="status"], .notice`)))
	zoneIs("Europe/Berlin")
	// The choice is kept with the account, not in the browser: signed in
	// afresh, without any cookie, the portal still says Berlin.
	run(t, ctx, "forget every cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	signIn(t, ctx, base, "alice", "/profile")
	zoneIs("Europe/Berlin")
	if zone, err := env.app.Service().TimeZone(context.Background(), env.actor(t, "alice")); err != nil || zone != "Europe/Berlin" {
		t.Fatalf("alice's stored zone: %q, %v; want Europe/Berlin", zone, err)
	}
	// The refusal's page is the one with the error: waiting for it, not for
	// an element both pages have, reads the new page rather than the old.
	run(t, ctx, "a zone that does not exist", chromedp.SetValue(chromedp.ID("tz"), "Mars/Olympus"), chromedp.Click(chromedp.ID("save-zone")),
		chromedp.WaitVisible(chromedp.ID("error")))
	var page string
	run(t, ctx, "read the refusal", into(&page, chromedp.Text(chromedp.ID("error"))))
	if !strings.Contains(page, `unknown time zone "Mars/Olympus": use an IANA name such as Europe/Berlin`) {
		t.Errorf("the refusal does not say what to write:\n%s", page)
	}
	zoneIs("Europe/Berlin")
	var cleared bool
	run(t, ctx, "follow the browser again", chromedp.WaitVisible(chromedp.ID("tz")),
		into(&cleared, chromedp.Evaluate[bool](`(document.getElementById("tz").value = "") === ""`)),
		chromedp.Click(chromedp.ID("save-zone")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	zoneIs("Asia/Tokyo")
}
