package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// TestSignInLinkBrowser: a one-time link made through the workflow (what
// `elevate signin-link` does) signs alice in to the portal in Chromium;
// the same link opened again in a fresh browser is refused with the reason
// on the sign-in page; the decision log holds signin_link.created (with the
// creator) and signin_link.used.
func TestSignInLinkBrowser(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()

	secret, expires, err := env.app.Service().CreateSignInLink(t.Context(), "alice", "host user ops")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expires); d <= 9*time.Minute || d > 10*time.Minute {
		t.Errorf("the link expires in %s, want 10m", d)
	}
	link := base + "/signin/link?t=" + secret

	var who, loc string
	run(t, ctx, "open the link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
		into(&who, chromedp.Text(chromedp.CSS(`[data-testid="whoami"]`))),
		into(&loc, chromedp.Location()))
	if who != "alice" {
		t.Fatalf("the link signed in %q, want alice", who)
	}
	if strings.Contains(loc, "/signin") {
		t.Fatalf("after the link the browser is on %s, want the portal", loc)
	}

	again := browser(t)
	var msg string
	run(t, again, "open the link again",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("error")),
		into(&msg, chromedp.Text(chromedp.ID("error"))))
	if !strings.Contains(msg, "already used") {
		t.Fatalf("the second use shows %q, want that the link was already used", msg)
	}
	var n int
	run(t, again, "not signed in", into(&n, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="whoami"]').length`)))
	if n != 0 {
		t.Fatal("the second use of the link signed the browser in")
	}

	var buf bytes.Buffer
	if _, err := env.app.Audit().Export(t.Context(), &buf, audit.ExportOptions{Format: "jsonl"}); err != nil {
		t.Fatal(err)
	}
	var created, used bool
	for line := range strings.SplitSeq(buf.String(), "\n") {
		created = created || strings.Contains(line, `"signin_link.created"`) && strings.Contains(line, "host user ops") && strings.Contains(line, "alice")
		used = used || strings.Contains(line, `"signin_link.used"`) && strings.Contains(line, "alice")
	}
	if !created || !used {
		t.Errorf("decision log: signin_link.created with its creator %v, signin_link.used %v; want both:\n%s", created, used, buf.String())
	}
}

// TestSignInLinkRefusedAndOff: a made-up link shows the sign-in page with
// the reason (401, not a 500); with auth.signin_links false the route is not
// served and the use case is not reachable from the portal.
func TestSignInLinkRefusedAndOff(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), nil)
	h := get(t, browserClient(t), env.app.URL()+"/signin/link?t=sil_made-up")
	if r := last(h); r.Resp.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "this sign-in link is not valid") {
		t.Errorf("a made-up link: %d %q; want 401 with the reason", r.Resp.StatusCode, r.Body)
	}

	off := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) { c.Auth.SignInLinks = false })
	secret, _, err := off.app.Service().CreateSignInLink(t.Context(), "alice", "ops")
	if err != nil {
		t.Fatal(err)
	}
	h = get(t, browserClient(t), off.app.URL()+"/signin/link?t="+secret)
	if r := last(h); r.Resp.StatusCode != http.StatusNotFound {
		t.Errorf("a link with auth.signin_links false: %d, want 404", r.Resp.StatusCode)
	}
}
