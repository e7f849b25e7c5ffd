package app_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack/slacklocal"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/web"
)

// demoUsers are the portal's demo sign-in choices in the portal tests.
var demoUsers = []web.DemoUser{{Name: "alice", Role: "requester"}, {Name: "bob", Role: "approver"}, {Name: "carol", Role: "approver"},
	{Name: "dave", Role: "auditor"}, {Name: "erin", Role: "admin"}}

// portalEnv is a running app with the portal's demo sign-in on.
type portalEnv struct {
	emu *awsemu.Emulator
	app *app.App
}

// startPortal runs the real app (app.RunThen) against the emulator, like
// startSeeded, with the pick-a-demo-user sign-in that only `elevate demo`
// enables.
func startPortal(tb testing.TB, seed awsemu.Seed, mutate func(*config.Config)) *portalEnv {
	tb.Helper()
	return startPortalOn(tb, seed, mutate, nil)
}

// startPortalOn is startPortal serving on ln (nil: a new port), for tests
// that must know the app's URL before it starts (an IdP's redirect URIs).
func startPortalOn(tb testing.TB, seed awsemu.Seed, mutate func(*config.Config), ln net.Listener, opts ...func(*app.Options)) *portalEnv {
	tb.Helper()
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: 100 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	tb.Cleanup(srv.Close)
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = tb.TempDir()
	cfg.AWS.PollInterval = 20 * time.Millisecond
	cfg.AWS.OrganizationsCallsPerSecond = 10000
	cfg.AWS.IdentityStoreCallsPerSecond = 10000
	cfg.AWS.CallsPerSecond = 10000
	cfg.Jobs.FetchPollInterval = 50 * time.Millisecond
	cfg.Jobs.SweepInterval = time.Second
	cfg.Jobs.ClientID = "test"
	cfg.Policy = config.Policy{MinDuration: time.Second, Rules: []policy.Rule{{
		Name: "alice-admin-prod", Users: []string{"alice"}, Accounts: []string{"prod"},
		PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 4 * time.Hour,
		Approvals: 1, ApproverGroups: []string{"approvers"},
	}}}
	if mutate != nil {
		mutate(&cfg)
	}
	awsCfg := awssdk.Config{Region: "us-east-1", BaseEndpoint: awssdk.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	ctx, cancel := context.WithCancel(context.Background())
	o := app.Options{Logger: testLogger(nil), AWSConfig: &awsCfg, AutoMigrate: true, DemoUsers: demoUsers, Listener: ln}
	for _, f := range opts {
		f(&o)
	}
	a, err := app.New(ctx, cfg, o)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	started, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- a.RunThen(ctx, func(context.Context) error { close(started); return nil })
	}()
	select {
	case <-started:
	case err := <-done:
		cancel()
		tb.Fatalf("app stopped before starting: %v", err)
	}
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			tb.Errorf("app.Run: %v", err)
		}
	})
	return &portalEnv{emu: emu, app: a}
}

// browserless returns an HTTP client with a cookie jar that does not follow
// redirects, signed in as user through the demo sign-in.
func (e *portalEnv) signedInClient(tb testing.TB, user string) *http.Client {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(e.app.URL()+"/auth/demo", url.Values{"user": {user}, "next": {"/request"}})
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("demo sign-in as %s: %s", user, resp.Status)
	}
	return c
}

// manyAccountsSeed is the demo organization plus n accounts spread over
// 50 OUs, named acct-00000... with ids 100000000000+i.
func manyAccountsSeed(n int) awsemu.Seed {
	s := awsemu.DemoSeed()
	for i := 0; i < 50; i++ {
		s.OUs = append(s.OUs, awsemu.SeedOU{Name: fmt.Sprintf("Team-%02d", i), Parent: "Workloads"})
	}
	for i := 0; i < n; i++ {
		s.Accounts = append(s.Accounts, awsemu.SeedAccount{ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("acct-%05d", i),
			OU: fmt.Sprintf("Team-%02d", i%50)})
	}
	return s
}

// everyAccountReadOnly lets alice request ReadOnlyAccess on every account
// without approval, so that she is eligible for all of them.
func everyAccountReadOnly(c *config.Config) {
	c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "alice-readonly-all", Users: []string{"alice"}, Accounts: []string{"*"},
		PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: 8 * time.Hour})
}

// withDemoSlack is the demo's local Slack for a portal test: the
// configuration that points Slack at a stand-in workspace of seed's users,
// and the option that shows its views and simulates its clicks.
func withDemoSlack(tb testing.TB, seed awsemu.Seed) (func(*config.Config), func(*app.Options)) {
	tb.Helper()
	var users []slacklocal.User
	for _, u := range seed.Users {
		users = append(users, slacklocal.User{Name: u.UserName, Email: u.Email})
	}
	ws := slacklocal.New("demo-test-signing-secret", users...)
	srv := httptest.NewServer(ws)
	tb.Cleanup(srv.Close)
	return func(c *config.Config) {
			c.Notify.Slack.BotToken, c.Notify.Slack.SigningSecret, c.Notify.Slack.APIURL = "demo-local-slack", "demo-test-signing-secret", srv.URL+"/api/"
		}, func(o *app.Options) {
			o.DemoSlack = &app.DemoSlack{Workspace: ws, URL: srv.URL}
		}
}
