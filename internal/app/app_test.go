package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store/pgtest"
)

// testEnv is a running app with its emulator, for end-to-end tests.
type testEnv struct {
	emu    *awsemu.Emulator
	app    *app.App
	tokens map[string]string
}

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("ELEVATE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs the real app (app.Run) on 127.0.0.1:0 against an emulator
// reached over HTTP through the real AWS SDK.
func start(t *testing.T, mutate func(*config.Config)) *testEnv {
	t.Helper()
	return startSeeded(t, awsemu.DemoSeed(), mutate)
}

// startSeeded is start with the emulator seeded from seed.
func startSeeded(t *testing.T, seed awsemu.Seed, mutate func(*config.Config)) *testEnv {
	t.Helper()
	return startWith(t, seed, startOptions{}, mutate)
}

// startOptions varies startWith.
type startOptions struct {
	logger   *slog.Logger // default: the test's log
	listener net.Listener // default: a new one on 127.0.0.1:0
	caller   string       // the emulated caller's account; default: the management account
}

// startWith is startSeeded with a chosen logger and listener.
func startWith(t *testing.T, seed awsemu.Seed, o startOptions, mutate func(*config.Config)) *testEnv {
	t.Helper()
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: 100 * time.Millisecond, CallerAccountID: o.caller})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)

	cfg := config.Default()
	if o.listener == nil {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.DataDir = t.TempDir()
	cfg.AWS.PollInterval = 20 * time.Millisecond
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
	log := o.logger
	if log == nil {
		log = testLogger(t)
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: log, AWSConfig: &awsCfg, AutoMigrate: true, Listener: o.listener})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	env := &testEnv{emu: emu, app: a, tokens: map[string]string{}}
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.RunThen(ctx, func(ctx context.Context) error {
			for _, u := range []string{"alice", "bob", "carol", "dave", "erin"} {
				tok, _, err := a.Service().CreateToken(ctx, u, "test", 0)
				if err != nil {
					started <- err
					return err
				}
				env.tokens[u] = tok
			}
			started <- nil
			return nil
		})
	}()
	select {
	case err := <-started:
		if err != nil {
			cancel()
			t.Fatal(err)
		}
	case err := <-done:
		cancel()
		t.Fatalf("app stopped before starting: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("app.Run: %v", err)
		}
	})
	return env
}

// forEachEngine runs fn on SQLite, and on PostgreSQL when
// ELEVATE_TEST_POSTGRES_URL names a server (CI always sets it).
func forEachEngine(t *testing.T, fn func(t *testing.T, engine func(*config.Config))) {
	t.Run("sqlite", func(t *testing.T) { fn(t, func(*config.Config) {}) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("ELEVATE_TEST_POSTGRES_URL") == "" {
			t.Skip("set ELEVATE_TEST_POSTGRES_URL=postgres://... to run the end-to-end tests against PostgreSQL")
		}
		url := pgtest.NewDatabase(t)
		fn(t, func(c *config.Config) { c.DatabaseURL = url })
	})
}

func (e *testEnv) client(t *testing.T, user string) *client.Client {
	t.Helper()
	c, err := client.New(e.app.URL(), e.tokens[user])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitStatus(t *testing.T, c *client.Client, id string, want ...client.Status) *client.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.WaitFor(ctx, id, func(r *client.Request) bool {
		return slices.Contains(want, r.Status) || r.Status.Terminal()
	}, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("waiting for %s to be %v: %v", id, want, err)
	}
	if !slices.Contains(want, r.Status) {
		t.Fatalf("request %s is %s (%s), want %v", id, r.Status, r.Reason, want)
	}
	return r
}

func apiCode(err error) string {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// TestRequestApproveGrantExpire is the walking skeleton end to end: alice
// requests, bob approves, the assignment appears in AWS, and it is removed
// when the time is up.
func TestRequestApproveGrantExpire(t *testing.T) {
	forEachEngine(t, testRequestApproveGrantExpire)
}

func testRequestApproveGrantExpire(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine)
	ctx := context.Background()
	alice, bob, carol := env.client(t, "alice"), env.client(t, "bob"), env.client(t, "carol")
	prod := env.emu.AccountID("prod")
	psARN := env.emu.PermissionSetARN("AdministratorAccess")
	aliceID := env.emu.UserID("alice")

	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: 3 * time.Second, Justification: "INC-42: redrive the DLQ"})
	if err != nil {
		t.Fatal(err)
	}
	if req.Status != client.StatusPending || !slices.Equal(req.AccountIDs, []string{prod}) || req.ApprovalsRequired != 1 {
		t.Fatalf("new request: %+v", req)
	}
	if len(req.Approvers) != 2 {
		t.Fatalf("approvers %+v, want bob and carol", req.Approvers)
	}
	if _, err := alice.Approve(ctx, req.ID, "me"); apiCode(err) != "self_approval" {
		t.Fatalf("self approval: %v", err)
	}
	if env.emu.HasAssignment(prod, psARN, aliceID) {
		t.Fatal("assignment exists before approval")
	}
	got, err := bob.Approve(ctx, req.ID, "go ahead")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != client.StatusScheduled && got.Status != client.StatusActive {
		t.Fatalf("after approval: %s", got.Status)
	}
	if _, err := carol.Approve(ctx, req.ID, "late"); apiCode(err) != "already_decided" || !strings.Contains(err.Error(), "already approved by bob at ") {
		t.Fatalf("second approval after the request was approved: %v, want already_decided naming bob", err)
	}
	active := waitStatus(t, alice, req.ID, client.StatusActive)
	if !env.emu.HasAssignment(prod, psARN, aliceID) {
		t.Fatal("request active but no assignment in AWS")
	}
	if active.EndsAt == nil || active.ActivatedAt == nil || active.EndsAt.Sub(*active.ActivatedAt) != 3*time.Second {
		t.Fatalf("clock: activated %v ends %v", active.ActivatedAt, active.EndsAt)
	}
	if active.Grants[0].AWSCreateRequestID == "" || active.Grants[0].Status != "active" {
		t.Fatalf("grant %+v", active.Grants[0])
	}
	ended := waitStatus(t, alice, req.ID, client.StatusEnded)
	if env.emu.HasAssignment(prod, psARN, aliceID) {
		t.Fatal("request ended but the assignment is still in AWS")
	}
	if ended.Grants[0].Status != "revoked" || ended.Grants[0].AWSDeleteRequestID == "" {
		t.Fatalf("grant %+v", ended.Grants[0])
	}

	evs, err := alice.RequestEvents(ctx, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type+":"+e.Actor.UserName)
	}
	want := []string{"request.submitted:alice", "request.approved:bob", "grant.activated:elevate", "request.activated:elevate",
		"grant.revoked:elevate", "request.ended:elevate"}
	if !slices.Equal(types, want) {
		t.Fatalf("events\n got %v\nwant %v", types, want)
	}

	resp, err := http.Get(env.app.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{
		`elevate_requests{status="ended"} 1`,
		`elevate_requests{status="pending"} 0`,
		`elevate_revocation_failed_requests{scope="all"} 0`,
		`elevate_aws_calls_total{operation="CreateAccountAssignment",outcome="ok",service="SSO Admin"} 1`,
		`elevate_aws_calls_total{operation="DeleteAccountAssignment",outcome="ok",service="SSO Admin"} 1`,
		`elevate_grant_duration_seconds_count{outcome="ok"} 1`,
		`elevate_revoke_duration_seconds_count{outcome="ok"} 1`,
		`elevate_revocation_lateness_seconds_count 1`,
		`elevate_job_backlog{state="available"}`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestEndEarly: the requester ends active access early; it is revoked.
func TestEndEarly(t *testing.T) {
	env := start(t, nil)
	ctx := context.Background()
	alice, bob := env.client(t, "alice"), env.client(t, "bob")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "deploy fix"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, req.ID, ""); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, alice, req.ID, client.StatusActive)
	if _, err := alice.End(ctx, req.ID, "done"); err != nil {
		t.Fatal(err)
	}
	r := waitStatus(t, alice, req.ID, client.StatusRevoked)
	if r.EndRequestedBy != "alice" || r.EndComment != "done" {
		t.Fatalf("%+v", r)
	}
	if env.emu.HasAssignment(env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) {
		t.Fatal("assignment still present after end")
	}
}

// TestRefusals: requests no rule allows, and actions by the wrong people.
func TestRefusals(t *testing.T) {
	env := start(t, nil)
	ctx := context.Background()
	alice, bob, dave := env.client(t, "alice"), env.client(t, "bob"), env.client(t, "dave")
	_, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"dev"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "x"})
	if apiCode(err) != "not_eligible" {
		t.Fatalf("ineligible account: %v", err)
	}
	_, err = bob.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "x"})
	if apiCode(err) != "not_eligible" {
		t.Fatalf("ineligible user: %v", err)
	}
	_, err = alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: 5 * time.Hour, Justification: "x"})
	if apiCode(err) != "invalid_argument" {
		t.Fatalf("too long: %v", err)
	}
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dave.Approve(ctx, req.ID, ""); apiCode(err) != "forbidden" {
		t.Fatalf("an auditor approving: %v", err)
	}
	if _, err := alice.Cancel(ctx, req.ID, "not needed"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, req.ID, ""); apiCode(err) != "illegal_transition" {
		t.Fatalf("approve cancelled: %v", err)
	}
	if _, err := client.New(env.app.URL(), "elv_nottherealtokenatallxxxxxxxxxxxx"); err != nil {
		t.Fatal(err)
	}
	bad, _ := client.New(env.app.URL(), "elv_nottherealtokenatallxxxxxxxxxxxx")
	if _, err := bad.Me(ctx); apiCode(err) != "unauthenticated" {
		t.Fatalf("bad token: %v", err)
	}
}
