package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// TestUserTimeZoneInEmail: alice saves Asia/Tokyo on her profile page; the
// email telling her that her access is active says its end in Tokyo's
// zone, as the notifications page shows it; cleared, her email says UTC again. An
// unknown zone is refused and the stored one kept.
func TestUserTimeZoneInEmail(t *testing.T) {
	t.Parallel()
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) { c.Notify.Log = true })
	base := env.app.URL()
	alice := env.signedInClient(t, "alice")
	if h := last(postForm(t, alice, base+"/profile/timezone", url.Values{"tz": {"Asia/Tokyo"}})); h.Resp.StatusCode != http.StatusOK || !strings.Contains(h.Body, "Asia/Tokyo") {
		t.Fatalf("saving the zone: %s\n%s", h.Resp.Status, h.Body)
	}
	if h := last(postForm(t, alice, base+"/profile/timezone", url.Values{"tz": {"Mars/Olympus"}})); h.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(h.Body), `unknown time zone "Mars/Olympus"`) {
		t.Fatalf("an unknown zone: %s", h.Resp.Status)
	}
	bg := context.Background()
	if z, err := env.app.Service().TimeZone(bg, env.actor(t, "alice")); err != nil || z != "Asia/Tokyo" {
		t.Fatalf("alice's zone: %q %v, want Asia/Tokyo kept", z, err)
	}
	svc := env.app.Service()
	r, err := svc.Submit(bg, env.actor(t, "alice"), workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-42"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(bg, env.actor(t, "bob"), r.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	var active *access.Request
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if active, err = svc.GetRequest(bg, env.actor(t, "alice"), r.ID); err == nil && active.Status == access.StatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request never became active: %v", err)
		}
	}
	var activated, submitted string
	for deadline := time.Now().Add(30 * time.Second); activated == "" || submitted == ""; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the notifications never appeared")
		}
		for _, n := range notificationsOf(t, env, r.ID) {
			switch {
			case n["recipient"] == "alice" && n["event"] == "request.activated" && n["channel"] == "log":
				activated, _ = n["id"].(string)
			case n["recipient"] == "bob" && n["event"] == "request.submitted" && n["channel"] == "log":
				submitted, _ = n["id"].(string)
			}
		}
	}
	erin := env.signedInClient(t, "erin")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	wantEnd := active.EndsAt.In(tokyo).Format("15:04")
	h := last(get(t, erin, base+"/admin/notifications/"+activated))
	emailText := between(h.Body, `id="email-text">`, `</pre>`)
	if h.Resp.StatusCode != http.StatusOK || !strings.Contains(emailText, "JST") || !strings.Contains(emailText, wantEnd) {
		t.Errorf("alice's activation email does not say the end in Tokyo's zone (%s JST): %s\n%s", wantEnd, h.Resp.Status, emailText)
	}
	// Without a setting, the same email says UTC (the default email zone).
	if h := last(postForm(t, alice, base+"/profile/timezone", url.Values{"tz": {""}})); h.Resp.StatusCode != http.StatusOK {
		t.Fatalf("clearing the zone: %s", h.Resp.Status)
	}
	h = last(get(t, erin, base+"/admin/notifications/"+activated))
	emailText = between(h.Body, `id="email-text">`, `</pre>`)
	if strings.Contains(emailText, "JST") || !strings.Contains(emailText, active.EndsAt.UTC().Format("15:04")+":") || !strings.Contains(emailText, "UTC") {
		t.Errorf("without a setting alice's email is not in UTC:\n%s", emailText)
	}
	if h := last(get(t, erin, base+"/admin/notifications/"+submitted)); h.Resp.StatusCode != http.StatusOK || !strings.Contains(h.Body, "INC-42") {
		t.Errorf("bob's email about the request: %s", h.Resp.Status)
	}
}

// between is the part of s after start and before the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, end)
	return html.UnescapeString(before)
}
