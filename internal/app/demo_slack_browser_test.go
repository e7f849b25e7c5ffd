package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/cli"
)

// startDemoCommand runs `elevate demo` on free ports and returns what it
// wrote to demo.json; the demo stops when the test ends.
func startDemoCommand(t *testing.T) cli.DemoInfo {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "demo-data")
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.RunEnv(ctx, &cli.Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }},
			[]string{"demo", "--addr", "127.0.0.1:0", "--aws-addr", "127.0.0.1:0", "--data-dir", dataDir, "--provisioning-delay", "10ms"})
	}()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var info cli.DemoInfo
		if b, err := os.ReadFile(filepath.Join(dataDir, "demo.json")); err == nil && json.Unmarshal(b, &info) == nil {
			return info
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("the demo exited %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo never wrote demo.json:\n%s", out.String())
		}
	}
}

// TestDemoSlackBrowser runs `elevate demo` and, in Chromium as erin the
// admin: the notifications page shows the Slack modal and App Home as
// Slack draws them, with Block Kit Builder links; bob's Slack message
// about alice's request is drawn from its blocks with a Block Kit Builder
// link that carries those blocks, the log channel's message shows the
// email's text and HTML too; and pressing Approve on bob's drawn message
// (a simulated Slack click, signed and posted to elevate's own Slack
// endpoint) approves the request as bob.
func TestDemoSlackBrowser(t *testing.T) {
	ctx := browser(t)
	info := startDemoCommand(t)
	base := info.URL
	alice, err := client.New(base, info.Users["alice"].Token)
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	req, err := alice.CreateRequest(bg, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-42: redrive the DLQ"})
	if err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, base, "erin", "/admin/notifications")
	// Bob's Slack DM is delivered by a job: wait until the list shows it.
	slackRow := `tr[data-channel="slack"][data-recipient="bob"][data-event="request.submitted"] a[data-message]`
	logRow := `tr[data-channel="log"][data-recipient="bob"][data-event="request.submitted"] a[data-message]`
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var n int
		run(t, ctx, "list", chromedp.Navigate(base+"/admin/notifications?request_id="+req.ID),
			chromedp.WaitVisible(chromedp.CSS("h1")),
			into(&n, chromedp.Evaluate[int](`document.querySelectorAll('`+slackRow+`, `+logRow+`').length`)))
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's Slack and log notifications of %s never appeared (%d found)", req.ID, n)
		}
	}

	// The modal and the App Home, as Slack shows them.
	var views map[string]string
	run(t, ctx, "views", into(&views, chromedp.Evaluate[map[string]string](`({
		modal: (document.querySelector('[data-view="modal"]') || {}).innerText || "",
		home: (document.querySelector('[data-view="home"]') || {}).innerText || "",
		modalLink: (document.querySelector('a[data-builder="modal"]') || {}).href || "",
		homeLink: (document.querySelector('a[data-builder="home"]') || {}).href || ""})`)))
	if !strings.Contains(views["modal"], "Account") || !strings.Contains(views["home"], "Request access") {
		t.Errorf("the Slack views are not drawn: modal %q, home %q", views["modal"], views["home"])
	}
	for _, k := range []string{"modalLink", "homeLink"} {
		payload := builderPayload(t, views[k])
		if _, ok := payload["blocks"]; !ok {
			t.Errorf("%s %s carries no blocks", k, views[k])
		}
	}
	if p := builderPayload(t, views["modalLink"]); p["type"] != "modal" {
		t.Errorf("the modal's Block Kit Builder payload is of type %v, want modal", p["type"])
	}
	screenshot(t, ctx, "demo-notifications")

	// The log channel's message: as Slack and as email would show it.
	var emailHTML, emailText string
	run(t, ctx, "log message", chromedp.Click(chromedp.CSS(logRow)), chromedp.WaitVisible(chromedp.ID("email-html")),
		into(&emailHTML, chromedp.Text(chromedp.ID("email-html"))), into(&emailText, chromedp.Text(chromedp.ID("email-text"))))
	if !strings.Contains(emailHTML, "AdministratorAccess") || !strings.Contains(emailHTML, "prod (4444 5555 6666)") || !strings.Contains(emailText, "INC-42: redrive the DLQ") {
		t.Errorf("the email body is not shown:\nHTML part: %s\ntext part: %s", emailHTML, emailText)
	}

	// Bob's Slack DM: drawn from its blocks, with the Block Kit Builder link.
	run(t, ctx, "list again", chromedp.Navigate(base+"/admin/notifications?request_id="+req.ID), chromedp.Click(chromedp.CSS(slackRow)),
		chromedp.WaitVisible(chromedp.ID("slack-click")))
	var drawn, builder string
	var buttons []string
	run(t, ctx, "read the message",
		into(&drawn, chromedp.Text(chromedp.ID("slack-click"))),
		into(&builder, chromedp.Evaluate[string](`document.getElementById("block-kit-builder").href`)),
		into(&buttons, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#slack-click button[data-action]')].map(b => b.dataset.action)`)))
	if !strings.Contains(drawn, "AdministratorAccess") || !strings.Contains(drawn, "INC-42: redrive the DLQ") || strings.Contains(drawn, "*") {
		t.Errorf("the Slack message is not drawn as Slack shows it (bold as bold, no mrkdwn marks):\n%s", drawn)
	}
	if strings.Join(buttons, ",") != "approve,reject" {
		t.Errorf("the drawn message's buttons: %v, want approve and reject", buttons)
	}
	blocks, _ := json.Marshal(builderPayload(t, builder)["blocks"])
	if !strings.Contains(string(blocks), `"action_id":"approve"`) || !strings.Contains(string(blocks), req.ID) {
		t.Errorf("the Block Kit Builder link does not carry the message's blocks: %s", blocks)
	}
	screenshot(t, ctx, "demo-slack-message")

	// Press Approve as bob would in Slack.
	var notice string
	run(t, ctx, "press Approve", chromedp.SetValue(chromedp.CSS(`#slack-click input[name="comment"]`), "go ahead"),
		chromedp.Click(chromedp.CSS(`#slack-click button[data-action="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)), into(&notice, chromedp.Text(chromedp.CSS(`.notice`))))
	if !strings.Contains(notice, "You approved request "+req.ID) {
		t.Errorf("the click's answer: %q, want elevate's answer to bob", notice)
	}
	got, err := alice.GetRequest(bg, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Approvals) != 1 || got.Approvals[0].UserName != "bob" || got.Approvals[0].Comment != "go ahead" || got.Status == "pending" {
		t.Fatalf("after the simulated click: status %s, approvals %+v; want bob's approval with his comment", got.Status, got.Approvals)
	}
	// The message now shows the decision, with no buttons left to press.
	var left int
	run(t, ctx, "buttons after", into(&left, chromedp.Evaluate[int](`document.querySelectorAll('button[data-action]').length`)))
	if left != 0 {
		t.Errorf("bob's message still offers %d buttons after he approved", left)
	}
	screenshot(t, ctx, "demo-slack-approved")
}

// builderPayload decodes the JSON a Block Kit Builder link carries in its
// fragment.
func builderPayload(t *testing.T, link string) map[string]any {
	t.Helper()
	const prefix = "https://app.slack.com/block-kit-builder/#"
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("%q is not a Block Kit Builder link", link)
	}
	raw, err := url.PathUnescape(strings.TrimPrefix(link, prefix))
	if err != nil {
		t.Fatalf("the Block Kit Builder fragment is not percent-encoded: %v", err)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("the Block Kit Builder fragment is not JSON: %v\n%s", err, raw)
	}
	return p
}
