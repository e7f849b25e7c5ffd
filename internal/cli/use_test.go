package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/api/apitest"
	"github.com/elevate/elevate/internal/server"
)

const testPortal = "https://d-1234567890.awsapps.com/start"

// newUseCmdTest is newClientCmdTest against a server that knows the AWS
// access portal.
func newUseCmdTest(t *testing.T) *clientCmdTest {
	t.Helper()
	fake := apitest.NewSeeded()
	log := slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(server.New(server.Options{API: api.New(fake, log).WithAccessPortal(testPortal, "eu-west-1"), Logger: log}).Handler())
	t.Cleanup(ts.Close)
	return &clientCmdTest{t: t, fake: fake, url: ts.URL}
}

// activeRequest makes an active request of alice on prod.
func (ct *clientCmdTest) activeRequest() string {
	ct.t.Helper()
	id := ct.newRequestID()
	if _, err := ct.fake.Approve(context.Background(), apitest.Bob, id, ""); err != nil {
		ct.t.Fatal(err)
	}
	if err := ct.fake.Activate(id); err != nil {
		ct.t.Fatal(err)
	}
	return id
}

const wantConsole = testPortal + "/#/console?account_id=111111111111&role_name=AdministratorAccess"

const wantProfile = `[sso-session elevate]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile prod-AdministratorAccess]
sso_session = elevate
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1
`

// The requester's `show` of active access carries the console link and
// the ready profile; an approver's does not, nor does a pending request.
func TestShowActiveCarriesConsoleLinkAndProfile(t *testing.T) {
	t.Parallel()
	ct := newUseCmdTest(t)
	pending := ct.newRequestID()
	id := ct.activeRequest()
	out := ct.mustRun(apitest.AliceToken, "show", id)
	for _, want := range []string{"Use it now:", "Console for prod (1111 1111 1111): " + wantConsole,
		"aws sso login --sso-session elevate", "aws --profile prod-AdministratorAccess",
		"    [profile prod-AdministratorAccess]", "    sso_account_id = 111111111111", "    sso_start_url = " + testPortal} {
		if !strings.Contains(out, want) {
			t.Errorf("show of active access lacks %q:\n%s", want, out)
		}
	}
	if out := ct.mustRun(apitest.BobToken, "show", id); strings.Contains(out, "Use it now") || strings.Contains(out, "#/console") {
		t.Errorf("an approver's show carries the requester's console link:\n%s", out)
	}
	if out := ct.mustRun(apitest.AliceToken, "show", pending); strings.Contains(out, "Use it now") {
		t.Errorf("show of a pending request carries a console link:\n%s", out)
	}
}

// Without an access portal URL there is no "use it now" step.
func TestShowActiveWithoutPortal(t *testing.T) {
	t.Parallel()
	ct := newClientCmdTest(t)
	id := ct.activeRequest()
	if out := ct.mustRun(apitest.AliceToken, "show", id); strings.Contains(out, "Use it now") {
		t.Errorf("show carries a console link without aws.access_portal_url:\n%s", out)
	}
	code, _, errOut := ct.run(apitest.AliceToken, "aws-config")
	if code != 1 || !strings.Contains(errOut, "aws.access_portal_url") {
		t.Errorf("aws-config without a portal: exit %d, stderr %q", code, errOut)
	}
}

func TestAWSConfig(t *testing.T) {
	t.Parallel()
	ct := newUseCmdTest(t)
	code, _, errOut := ct.run(apitest.AliceToken, "aws-config")
	if code != 1 || !strings.Contains(errOut, "you have no active access") {
		t.Errorf("aws-config with nothing active: exit %d, stderr %q", code, errOut)
	}
	pending := ct.newRequestID()
	id := ct.activeRequest()
	if out := ct.mustRun(apitest.AliceToken, "aws-config"); out != wantProfile {
		t.Errorf("aws-config =\n%s\nwant\n%s", out, wantProfile)
	}
	if out := ct.mustRun(apitest.AliceToken, "aws-config", id); out != wantProfile {
		t.Errorf("aws-config %s =\n%s\nwant\n%s", id, out, wantProfile)
	}
	var j struct {
		Profiles []struct {
			Name      string `json:"name"`
			AccountID string `json:"account_id"`
		} `json:"profiles"`
		AWSConfig string `json:"aws_config"`
	}
	if err := json.Unmarshal([]byte(ct.mustRun(apitest.AliceToken, "aws-config", "--json")), &j); err != nil || j.AWSConfig != wantProfile ||
		len(j.Profiles) != 1 || j.Profiles[0].Name != "prod-AdministratorAccess" || j.Profiles[0].AccountID != apitest.ProdAccount {
		t.Errorf("aws-config --json = %+v, %v", j, err)
	}
	for _, c := range []struct {
		token, id, msg string
	}{
		{apitest.AliceToken, pending, "is pending, not active"},
		{apitest.BobToken, id, "profiles are for your own active access"},
	} {
		code, _, errOut := ct.run(c.token, "aws-config", c.id)
		if code != 1 || !strings.Contains(errOut, c.msg) {
			t.Errorf("aws-config %s: exit %d, stderr %q, want %q", c.id, code, errOut, c.msg)
		}
	}
}

// Durations take days, and start times take the forms people type, in
// the local zone (TZ), or UTC with --utc.
func TestRequestDaysAndStartForms(t *testing.T) {
	t.Parallel()
	ct := newClientCmdTest(t)
	base := []string{"request", "--account", "prod", "--permission-set", "AdministratorAccess", "--reason", "r"}
	// 1d is read (and refused by the rule's 4h ceiling, which proves it arrived as 24h).
	code, _, errOut := ct.run(apitest.AliceToken, append(base, "--duration", "1d")...)
	if code != 1 || !strings.Contains(errOut, "longer than the 4h0m0s") || !strings.Contains(errOut, "24h0m0s") {
		t.Errorf("--duration 1d: exit %d, stderr %q", code, errOut)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	next := time.Now().In(berlin).AddDate(0, 0, 2)
	day := next.Format("2006-01-02")
	for _, c := range []struct {
		args []string
		want time.Time
	}{
		{[]string{"--start", day + " 09:00"}, time.Date(next.Year(), next.Month(), next.Day(), 9, 0, 0, 0, berlin)},
		{[]string{"--start", day + " 09:00", "--utc"}, time.Date(next.Year(), next.Month(), next.Day(), 9, 0, 0, 0, time.UTC)},
		{[]string{"--start", day + "T09:00:00Z"}, time.Date(next.Year(), next.Month(), next.Day(), 9, 0, 0, 0, time.UTC)},
	} {
		args := append(append(append([]string{}, base...), "--duration", "1h 30m", "--quiet"), c.args...)
		code, out, errOut := ct.runTZ("Europe/Berlin", apitest.AliceToken, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
		r, ok := ct.fake.Request(strings.TrimSpace(out))
		if !ok || !r.StartAt.Equal(c.want) || r.Duration != 90*time.Minute {
			t.Errorf("%v: request %q starts %v for %v, want %v for 1h30m", c.args, out, r.StartAt, r.Duration, c.want)
		}
	}
	before := time.Now()
	code, out, errOut := ct.runTZ("Europe/Berlin", apitest.AliceToken, append(base, "--duration", "1h", "--quiet", "--start", "+2h")...)
	if code != 0 {
		t.Fatalf("--start +2h: exit %d, stderr %q", code, errOut)
	}
	if r, _ := ct.fake.Request(strings.TrimSpace(out)); r.StartAt.Before(before.Add(2*time.Hour).Truncate(time.Second)) || r.StartAt.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("--start +2h starts %v, want 2h after %v", r.StartAt, before)
	}
	code, _, errOut = ct.run(apitest.AliceToken, append(base, "--duration", "1h", "--start", "next week")...)
	if code != 2 || !strings.Contains(errOut, `start "next week" is not a time: write it like 2026-12-08 09:00`) {
		t.Errorf("--start next week: exit %d, stderr %q", code, errOut)
	}
}

// runTZ is run with TZ set in the command's environment.
func (ct *clientCmdTest) runTZ(tz, token string, args ...string) (int, string, string) {
	ct.t.Helper()
	var stdout, stderr clientCmdBuffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "ELEVATE_SERVER":
			return ct.url
		case "ELEVATE_TOKEN":
			return token
		case "TZ":
			return tz
		}
		return ""
	}}
	code := RunEnv(ct.t.Context(), env, args)
	return code, stdout.String(), stderr.String()
}
