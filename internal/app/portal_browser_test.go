package app_test

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/awsemu"
)

// chromium finds the browser: ELEVATE_TEST_CHROMIUM, /usr/bin/chromium, or
// chromium / chromium-browser / google-chrome on PATH.
func chromium() string {
	if p := os.Getenv("ELEVATE_TEST_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// browser starts one headless Chromium for a test and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		t.Skip("no Chromium found: install it (apt-get install chromium) or set ELEVATE_TEST_CHROMIUM to run the portal's browser tests")
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless,
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// into runs a and stores its value in dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

// run runs browser actions with a bound, failing the test on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// screenshot writes a full-page PNG named name.png to the test's artifact
// directory and, with ELEVATE_UPDATE_SCREENSHOTS=1, to docs/screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx, "screenshot "+name, into(&png, chromedp.FullScreenshot(100)))
	if len(png) == 0 {
		t.Fatalf("screenshot %s is empty", name)
	}
	dirs := []string{t.ArtifactDir()}
	if os.Getenv("ELEVATE_UPDATE_SCREENSHOTS") == "1" {
		dirs = append(dirs, filepath.Join("..", "..", "docs", "screenshots"))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// signIn signs in through the demo sign-in page as user.
func signIn(t *testing.T, ctx context.Context, base, user, next string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/signin?next="+next),
		chromedp.Click(chromedp.CSS("#demo-"+user)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
	)
	var who string
	run(t, ctx, "who am I", into(&who, chromedp.Text(chromedp.CSS(`[data-testid="whoami"]`))))
	if who != user {
		t.Fatalf("signed in as %q, want %q", who, user)
	}
}

// waitStatusPage reloads a request's page until it shows status want (or a
// terminal status), within 30 s.
func waitStatusPage(t *testing.T, ctx context.Context, url, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var attr chromedp.AttributeResult
	for time.Now().Before(deadline) {
		// The page may reload itself (live status) and abort this load: retry.
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := chromedp.Do(lctx, chromedp.Navigate(url), into(&attr, chromedp.AttributeValue(chromedp.ID("request-status"), "data-status")))
		cancel()
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if attr.Value == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: status %q, want %q", url, attr.Value, want)
}

// TestPortalBrowser drives the portal in headless Chromium: alice requests
// (and sees a refusal's reason), bob approves, alice sees the access active
// and ends it early, an auditor exports CSV, a non-admin is refused the
// admin page, and alice makes a token; every main page is screenshotted.
func TestPortalBrowser(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	prod := env.emu.AccountID("prod")

	// An anonymous visit is sent to sign in.
	var loc string
	run(t, ctx, "anonymous visit", chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.ID("demo-alice")), into(&loc, chromedp.Location()))
	if !strings.Contains(loc, "/signin?next=") {
		t.Fatalf("anonymous visit landed on %s, want the sign-in page", loc)
	}
	screenshot(t, ctx, "signin")

	// alice signs in and chooses prod.
	signIn(t, ctx, base, "alice", "/request")
	run(t, ctx, "choose prod",
		chromedp.Click(chromedp.CSS(`a[data-account="`+prod+`"]`)),
		chromedp.WaitVisible(chromedp.ID("request-form")))
	var approvers string
	run(t, ctx, "approvers shown", into(&approvers, chromedp.Text(chromedp.CSS(".approvers"))))
	if !strings.Contains(approvers, "bob") || !strings.Contains(approvers, "carol") {
		t.Fatalf("the request form shows approvers %q, want bob and carol", approvers)
	}

	run(t, ctx, "fill the form", chromedp.SetValue(chromedp.ID("justification"), "INC-42: redrive the DLQ"), chromedp.SetValue(chromedp.ID("ticket"), "INC-42"))
	screenshot(t, ctx, "request")

	// A refused request shows its reason beside the field: 5h is longer
	// than the rule's 4h; the banner says where to look.
	run(t, ctx, "refused request",
		chromedp.SetValue(chromedp.ID("duration"), "5h"),
		chromedp.Click(chromedp.ID("submit-request")),
		chromedp.WaitVisible(chromedp.ID("error")),
		chromedp.WaitVisible(chromedp.ID("err-duration")))
	var refusal, banner, invalid string
	run(t, ctx, "refusal text", into(&refusal, chromedp.Text(chromedp.ID("err-duration"))), into(&banner, chromedp.Text(chromedp.ID("error"))),
		into(&invalid, chromedp.Evaluate[string](`document.getElementById("duration").getAttribute("aria-invalid") + " " + document.getElementById("duration").getAttribute("aria-describedby")`)))
	if !strings.Contains(banner, "refused") || !strings.Contains(banner, "Duration") || !strings.Contains(refusal, "4h") || invalid != "true err-duration" {
		t.Fatalf("refusal %q (banner %q, duration field %q) does not say why beside the field (the rule's 4h maximum)", refusal, banner, invalid)
	}

	// alice requests 1h.
	run(t, ctx, "request form",
		chromedp.SetValue(chromedp.ID("duration"), "1h"),
		chromedp.SetValue(chromedp.ID("justification"), "INC-42: redrive the DLQ"),
		chromedp.SetValue(chromedp.ID("ticket"), "INC-42"))
	screenshot(t, ctx, "request-refused")
	run(t, ctx, "submit", chromedp.Click(chromedp.ID("submit-request")), chromedp.WaitVisible(chromedp.ID("request-status")), into(&loc, chromedp.Location()))
	reqURL := strings.SplitN(loc, "?", 2)[0]
	reqID := reqURL[strings.LastIndex(reqURL, "/")+1:]
	if !strings.HasPrefix(reqID, "req_") {
		t.Fatalf("after submitting: %s", loc)
	}
	waitStatusPage(t, ctx, reqURL, "pending")
	// alice can't approve her own request: no approve button for her.
	var n int
	run(t, ctx, "no self-approval button", into(&n, chromedp.Evaluate[int](`document.querySelectorAll("#approve").length`)))
	if n != 0 {
		t.Fatal("alice is offered to approve her own request")
	}

	// bob signs in and approves from the approvals page.
	signIn(t, ctx, base, "bob", "/approvals")
	run(t, ctx, "approvals page", chromedp.WaitVisible(chromedp.CSS(`li[data-request="`+reqID+`"]`)),
		chromedp.SetValue(chromedp.CSS(`#c-`+reqID), "go ahead"))
	screenshot(t, ctx, "approvals")
	run(t, ctx, "approve", chromedp.Click(chromedp.CSS(`li[data-request="`+reqID+`"] button.approve`)),
		chromedp.WaitVisible(chromedp.CSS(`table.requests tr[data-request="`+reqID+`"]`)))
	var notice string
	run(t, ctx, "the approval is confirmed", into(&notice, chromedp.Text(chromedp.CSS(".notice"))))
	if !strings.Contains(notice, "You approved this request.") {
		t.Fatalf("after approving, the page says %q, want a confirmation", notice)
	}

	// alice sees it active, with a countdown, and ends it early.
	signIn(t, ctx, base, "alice", "/requests")
	waitStatusPage(t, ctx, reqURL, "active")
	if !env.emu.HasAssignment(prod, env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) {
		t.Fatal("the portal shows the request active but AWS has no assignment")
	}
	var countdown string
	run(t, ctx, "countdown", chromedp.Sleep(1100*time.Millisecond), into(&countdown, chromedp.Text(chromedp.CSS("time.countdown"))))
	if !strings.HasPrefix(countdown, "ends in ") {
		t.Fatalf("countdown shows %q", countdown)
	}
	screenshot(t, ctx, "request-detail")
	run(t, ctx, "my requests", chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(`tr[data-request="`+reqID+`"]`)))
	screenshot(t, ctx, "my-requests")
	run(t, ctx, "active page", chromedp.Navigate(base+"/active"), chromedp.WaitVisible(chromedp.CSS(`tr[data-request="`+reqID+`"]`)))
	screenshot(t, ctx, "active")
	run(t, ctx, "end early", chromedp.Navigate(reqURL), chromedp.SetValue(chromedp.ID("end-comment"), "done"), chromedp.Click(chromedp.ID("end")))
	// Wait for the end's own answer (its notice), not for an element the
	// page had before the click: loading the page again too soon would cut
	// the form's post short.
	var ended string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(ended, "Access is being removed."); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ending early was not confirmed; the page says %q", ended)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_ = chromedp.Do(rctx, into(&ended, chromedp.Text(chromedp.CSS("main .notice"))))
		cancel()
	}
	waitStatusPage(t, ctx, reqURL, "revoked")
	if env.emu.HasAssignment(prod, env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) {
		t.Fatal("ended early but the assignment is still in AWS")
	}

	// alice makes a personal access token: shown once.
	run(t, ctx, "create token", chromedp.Navigate(base+"/profile"), chromedp.SetValue(chromedp.ID("tok-name"), "laptop"),
		chromedp.Click(chromedp.ID("create-token")), chromedp.WaitVisible(chromedp.ID("new-token")))
	var secret string
	run(t, ctx, "token value", into(&secret, chromedp.Value(chromedp.ID("new-token"))))
	if !strings.HasPrefix(secret, "elv_") {
		t.Fatalf("new token %q", secret)
	}
	screenshot(t, ctx, "profile")

	// A non-admin (alice, then the auditor dave) is refused the admin page.
	var body string
	run(t, ctx, "alice on /admin", chromedp.Navigate(base+"/admin"), into(&body, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(body, "Only admins may see the admin pages") {
		t.Fatalf("alice on /admin sees %q", body)
	}
	run(t, ctx, "alice on /audit", chromedp.Navigate(base+"/audit"), into(&body, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(body, "Only auditors and admins") {
		t.Fatalf("alice on /audit sees %q", body)
	}

	// The auditor dave sees the request and exports CSV.
	signIn(t, ctx, base, "dave", "/audit")
	run(t, ctx, "audit page", chromedp.WaitVisible(chromedp.CSS(`tr[data-request="`+reqID+`"]`)), chromedp.WaitVisible(chromedp.ID("export-csv")))
	screenshot(t, ctx, "audit")
	var csvText string
	run(t, ctx, "export CSV", into(&csvText, chromedp.Evaluate[string](`(async () => { const r = await fetch(document.getElementById("export-csv").href); return r.status === 200 ? await r.text() : "HTTP " + r.status })()`, chromedp.EvalAwaitPromise)))
	recs, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "id" || recs[1][0] != reqID || recs[1][1] != "revoked" || recs[1][2] != "alice" {
		t.Fatalf("CSV export: %v\n%s", err, csvText)
	}
	run(t, ctx, "dave on /admin", chromedp.Navigate(base+"/admin"), into(&body, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(body, "Only admins may see the admin pages") {
		t.Fatalf("the auditor on /admin sees %q", body)
	}
	var adminLinks int
	run(t, ctx, "no admin link", into(&adminLinks, chromedp.Evaluate[int](`document.querySelectorAll('nav a[href="/admin"]').length`)))
	if adminLinks != 0 {
		t.Fatal("a non-admin is shown the Admin link")
	}

	// The admin erin sees the admin page.
	signIn(t, ctx, base, "erin", "/admin")
	run(t, ctx, "admin page", chromedp.WaitVisible(chromedp.CSS("pre.code")), into(&body, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(body, "alice-admin-prod") || !strings.Contains(body, "Directory sync") {
		t.Fatalf("admin page lacks the rules or the sync status: %q", body)
	}
	screenshot(t, ctx, "admin")

	// Sign-out ends the session: the old page now asks to sign in.
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`.who button`)), chromedp.WaitVisible(chromedp.ID("demo-alice")),
		chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("demo-alice")), into(&loc, chromedp.Location()))
	if !strings.Contains(loc, "/signin") {
		t.Fatalf("after sign-out /admin led to %s", loc)
	}
}

// TestPortalBrowserAccountSearch: with 5,000 eligible accounts, typing in
// the search box narrows the list live, and choosing a result shows its
// permission sets.
func TestPortalBrowserAccountSearch(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, manyAccountsSeed(5000), everyAccountReadOnly)
	base := env.app.URL()
	signIn(t, ctx, base, "alice", "/request")
	var count string
	run(t, ctx, "all accounts", into(&count, chromedp.Text(chromedp.ID("match-count"))))
	if !strings.Contains(count, "of 5008 matches") {
		t.Fatalf("before searching: %q, want 50 of the 5,008 eligible accounts", count)
	}
	run(t, ctx, "type a name", chromedp.SendKeys(chromedp.ID("account-q"), "acct-04321"),
		chromedp.WaitVisible(chromedp.CSS(`#account-results a[data-account="100000004321"]`)),
		into(&count, chromedp.Text(chromedp.ID("match-count"))))
	if count != "1 match." {
		t.Fatalf("after typing acct-04321: %q", count)
	}
	screenshot(t, ctx, "account-search")
	var chosen string
	run(t, ctx, "choose it", chromedp.Click(chromedp.CSS(`#account-results a[data-account="100000004321"]`)),
		chromedp.WaitVisible(chromedp.ID("request-form")), into(&chosen, chromedp.Text(chromedp.ID("chosen-account"))))
	if chosen != "acct-04321" {
		t.Fatalf("chosen account %q", chosen)
	}
	// Search by OU path and by id, without JavaScript (the Search button).
	run(t, ctx, "search by OU", chromedp.Navigate(base+"/request?q=Team-07"), into(&count, chromedp.Text(chromedp.ID("match-count"))))
	if !strings.Contains(count, "of 100 matches") {
		t.Fatalf("OU search: %q, want 100 accounts in Team-07", count)
	}
	run(t, ctx, "search by id", chromedp.Navigate(base+"/request?q=100000000042"), into(&count, chromedp.Text(chromedp.ID("match-count"))))
	if count != "1 match." {
		t.Fatalf("id search: %q", count)
	}
}
