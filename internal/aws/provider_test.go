package aws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

// testEnv is a provider talking to an emulator over HTTP through the real SDK.
type testEnv struct {
	emu *awsemu.Emulator
	url string
	p   *Provider
}

// testLogger writes the provider's logs to the test log until the test
// ends: a poller may still be polling an abandoned operation then.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t      *testing.T
	mu     sync.Mutex
	closed bool
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// startEmulator serves a DemoSeed emulator on a local HTTP server.
func startEmulator(t *testing.T, opts awsemu.Options) (*awsemu.Emulator, string) {
	t.Helper()
	emu, err := awsemu.New(awsemu.DemoSeed(), opts)
	if err != nil {
		t.Fatalf("awsemu.New: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// staticConfig is an aws.Config with fixed credentials and the emulator as
// endpoint, independent of the environment.
func staticConfig(url string) awssdk.Config {
	return awssdk.Config{
		Region:       "us-east-1",
		BaseEndpoint: awssdk.String(url),
		Credentials: awssdk.CredentialsProviderFunc(func(context.Context) (awssdk.Credentials, error) {
			return awssdk.Credentials{AccessKeyID: "AKIDTESTTESTTEST", SecretAccessKey: "test-secret", Source: "test"}, nil
		}),
	}
}

// testConfig polls and retries fast.
func testConfig(t *testing.T) Config {
	return Config{
		PollInterval:     2 * time.Millisecond,
		MaxPollInterval:  20 * time.Millisecond,
		ProvisioningTime: 20 * time.Millisecond,
		Logger:           testLogger(t),
		retryBaseDelay:   5 * time.Millisecond,
		// Functional tests do not test the limiters (limit_test.go does).
		CallsPerSecond:              1000,
		IdentityStoreCallsPerSecond: 1000,
		OrganizationsCallsPerSecond: 1000,
	}
}

func newEnv(t *testing.T, opts awsemu.Options, mod ...func(*Config)) testEnv {
	t.Helper()
	emu, url := startEmulator(t, opts)
	cfg := testConfig(t)
	for _, m := range mod {
		m(&cfg)
	}
	p, err := NewFromConfig(t.Context(), staticConfig(url), cfg)
	if err != nil {
		t.Fatalf("NewFromConfig: %v", err)
	}
	return testEnv{emu: emu, url: url, p: p}
}

// assignment returns the assignment of a permission set to a user on an
// account, all by name.
func (e testEnv) assignment(account, ps, user string) access.Assignment {
	return access.Assignment{AccountID: e.emu.AccountID(account), PermissionSetARN: e.emu.PermissionSetARN(ps), UserID: e.emu.UserID(user)}
}

func (e testEnv) has(a access.Assignment) bool {
	return e.emu.HasAssignment(a.AccountID, a.PermissionSetARN, a.UserID)
}

func TestCreateAndDeleteAssignment(t *testing.T) {
	t.Parallel()
	for _, delay := range []time.Duration{0, 30 * time.Millisecond} {
		t.Run("delay="+delay.String(), func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, awsemu.Options{ProvisioningDelay: delay})
			ctx := t.Context()
			a := env.assignment("prod", "AdministratorAccess", "alice")
			if a.AccountID == "" || a.PermissionSetARN == "" || a.UserID == "" {
				t.Fatalf("emulator lookup failed: %+v", a)
			}

			id, err := env.p.CreateAssignment(ctx, a)
			if err != nil {
				t.Fatalf("CreateAssignment: %v", err)
			}
			if id == "" {
				t.Error("CreateAssignment returned no request id")
			}
			if !env.has(a) {
				t.Fatal("assignment missing in the emulator after CreateAssignment")
			}
			if ok, err := env.p.AssignmentExists(ctx, a); err != nil || !ok {
				t.Fatalf("AssignmentExists after create = %v, %v; want true", ok, err)
			}
			if delay > 0 && env.emu.Calls("DescribeAccountAssignmentCreationStatus") == 0 {
				t.Error("CreateAssignment did not poll the creation status")
			}

			// Creating it again is idempotent.
			if _, err := env.p.CreateAssignment(ctx, a); err != nil {
				t.Fatalf("second CreateAssignment: %v", err)
			}

			did, err := env.p.DeleteAssignment(ctx, a, time.Time{})
			if err != nil {
				t.Fatalf("DeleteAssignment: %v", err)
			}
			if did == "" || did == id {
				t.Errorf("DeleteAssignment request id = %q (create was %q); want a new non-empty id", did, id)
			}
			if env.has(a) {
				t.Fatal("assignment still present after DeleteAssignment")
			}
			if ok, err := env.p.AssignmentExists(ctx, a); err != nil || ok {
				t.Fatalf("AssignmentExists after delete = %v, %v; want false", ok, err)
			}
		})
	}
}

func TestDeleteMissingAssignmentSucceeds(t *testing.T) {
	t.Parallel()
	for _, sync := range []bool{true, false} {
		name := map[bool]string{true: "sync", false: "async"}[sync]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, awsemu.Options{DeleteMissingSync: sync, ProvisioningDelay: 5 * time.Millisecond})
			a := env.assignment("staging", "PowerUserAccess", "bob")
			id, err := env.p.DeleteAssignment(t.Context(), a, time.Time{})
			if err != nil {
				t.Fatalf("DeleteAssignment of a missing assignment: %v", err)
			}
			if sync && id != "" {
				t.Errorf("sync mode: request id = %q, want none", id)
			}
			if !sync && id == "" {
				t.Error("async mode: no request id")
			}
		})
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op, errName string
		times       int
	}{
		{"CreateAccountAssignment", "ConflictException", 2},
		{"CreateAccountAssignment", "ThrottlingException", 2},
		{"CreateAccountAssignment", "InternalServerException", 1},
		{"CreateAccountAssignment", "InternalServerException", 3},
		{"DescribeAccountAssignmentCreationStatus", "ThrottlingException", 2},
		// Right after a create, the status may not be visible yet.
		{"DescribeAccountAssignmentCreationStatus", "ResourceNotFoundException", 3},
	}
	for _, tt := range tests {
		t.Run(tt.op+"/"+tt.errName, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, awsemu.Options{ProvisioningDelay: 5 * time.Millisecond})
			a := env.assignment("dev", "PowerUserAccess", "carol")
			env.emu.InjectError(tt.op, tt.errName, tt.times)
			if _, err := env.p.CreateAssignment(t.Context(), a); err != nil {
				t.Fatalf("CreateAssignment with %d injected %s: %v", tt.times, tt.errName, err)
			}
			if !env.has(a) {
				t.Fatal("assignment missing after CreateAssignment")
			}
			if got := env.emu.Calls(tt.op); got < tt.times+1 {
				t.Errorf("%s calls = %d, want at least %d", tt.op, got, tt.times+1)
			}
		})
	}
}

func TestDeleteConflictIsRetried(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	a := env.assignment("dev", "PowerUserAccess", "carol")
	if _, err := env.p.CreateAssignment(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	env.emu.InjectError("DeleteAccountAssignment", "ConflictException", 2)
	env.emu.InjectError("DescribeAccountAssignmentDeletionStatus", "InternalServerException", 1)
	if _, err := env.p.DeleteAssignment(t.Context(), a, time.Time{}); err != nil {
		t.Fatalf("DeleteAssignment: %v", err)
	}
	if env.has(a) {
		t.Fatal("assignment still present")
	}
	if got := env.emu.Calls("DeleteAccountAssignment"); got != 3 {
		t.Errorf("DeleteAccountAssignment calls = %d, want 3", got)
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{}, func(c *Config) { c.MaxRetries = 3 })
	a := env.assignment("dev", "PowerUserAccess", "carol")
	env.emu.InjectError("CreateAccountAssignment", "ConflictException", 5)
	_, err := env.p.CreateAssignment(t.Context(), a)
	if err == nil {
		t.Fatal("CreateAssignment succeeded despite 5 conflicts and 3 attempts")
	}
	var perr *access.ProvisioningError
	if errors.As(err, &perr) {
		t.Fatalf("exhausted retries gave a ProvisioningError (permanent); want a transient error: %v", err)
	}
	if errorCode(err) != "ConflictException" {
		t.Errorf("error code = %q, want ConflictException (err: %v)", errorCode(err), err)
	}
	if got := env.emu.Calls("CreateAccountAssignment"); got != 3 {
		t.Errorf("CreateAccountAssignment calls = %d, want 3", got)
	}
	// The job retries later; by then the conflict has cleared.
	env.emu.InjectError("CreateAccountAssignment", "", 0)
	if _, err := env.p.CreateAssignment(t.Context(), a); err != nil {
		t.Fatalf("later CreateAssignment: %v", err)
	}
}

func TestFailedProvisioning(t *testing.T) {
	t.Parallel()
	const reason = "Received a 409 status error: the IAM roles quota of the account is exceeded"
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t, awsemu.Options{ProvisioningDelay: 5 * time.Millisecond})
		a := env.assignment("prod", "ReadOnlyAccess", "dave")
		env.emu.FailNext("create", reason)
		id, err := env.p.CreateAssignment(t.Context(), a)
		var perr *access.ProvisioningError
		if !errors.As(err, &perr) {
			t.Fatalf("CreateAssignment err = %v; want *access.ProvisioningError", err)
		}
		if perr.Op != "create" || perr.Reason != reason || perr.RequestID == "" || perr.RequestID != id {
			t.Errorf("ProvisioningError = %+v (returned id %q); want op create, reason %q, the request id", perr, id, reason)
		}
		if env.has(a) {
			t.Error("failed create left an assignment behind")
		}
	})
	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t, awsemu.Options{ProvisioningDelay: 5 * time.Millisecond})
		a := env.assignment("prod", "ReadOnlyAccess", "dave")
		if _, err := env.p.CreateAssignment(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		const delReason = "Received a 403 status error: Access denied by IAM"
		env.emu.FailNext("delete", delReason)
		_, err := env.p.DeleteAssignment(t.Context(), a, time.Time{})
		var perr *access.ProvisioningError
		if !errors.As(err, &perr) || perr.Op != "delete" || perr.Reason != delReason {
			t.Fatalf("DeleteAssignment err = %v; want ProvisioningError{Op: delete, Reason: %q}", err, delReason)
		}
		if !env.has(a) {
			t.Error("failed delete removed the assignment")
		}
	})
}

func TestPermanentRefusal(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	ps := env.emu.PermissionSetARN("ReadOnlyAccess")
	unknownPS := ps[:len(ps)-16] + "0000000000000000"
	tests := []struct {
		name string
		a    access.Assignment
	}{
		{"malformed account", access.Assignment{AccountID: "12345", PermissionSetARN: env.emu.PermissionSetARN("ReadOnlyAccess"), UserID: env.emu.UserID("alice")}},
		{"unknown permission set", access.Assignment{AccountID: env.emu.AccountID("dev"), PermissionSetARN: unknownPS, UserID: env.emu.UserID("alice")}},
		{"empty user", access.Assignment{AccountID: env.emu.AccountID("dev"), PermissionSetARN: env.emu.PermissionSetARN("ReadOnlyAccess")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.p.CreateAssignment(t.Context(), tt.a)
			var perr *access.ProvisioningError
			if !errors.As(err, &perr) || perr.Op != "create" || perr.Reason == "" {
				t.Fatalf("CreateAssignment(%+v) err = %v; want a ProvisioningError with a reason", tt.a, err)
			}
			t.Logf("reason: %s", perr.Reason)
		})
	}
}

func TestPollingStopsOnCancel(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{ProvisioningDelay: time.Hour})
	a := env.assignment("sandbox-1", "AdministratorAccess", "erin")

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := env.p.CreateAssignment(ctx, a)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAssignment err = %v; want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("CreateAssignment returned %s after cancellation", d)
	}
	if env.emu.Calls("DescribeAccountAssignmentCreationStatus") == 0 {
		t.Error("no status poll before cancellation")
	}
}

func TestOperationTimeout(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{ProvisioningDelay: time.Hour}, func(c *Config) { c.OperationTimeout = 100 * time.Millisecond })
	a := env.assignment("sandbox-2", "AdministratorAccess", "erin")
	id, err := env.p.CreateAssignment(t.Context(), a)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CreateAssignment err = %v; want context.DeadlineExceeded", err)
	}
	var perr *access.ProvisioningError
	if errors.As(err, &perr) {
		t.Fatalf("a timeout is transient, got ProvisioningError %v", perr)
	}
	if id == "" || !strings.Contains(err.Error(), id) {
		t.Errorf("timeout should return and mention the request id; id=%q err=%v", id, err)
	}
}

func TestAssignmentExists(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{PageSize: 1})
	ctx := t.Context()
	users := []string{"alice", "bob", "carol", "dave"}
	for _, u := range users[:3] {
		if _, err := env.p.CreateAssignment(ctx, env.assignment("dev", "AdministratorAccess", u)); err != nil {
			t.Fatal(err)
		}
	}
	for i, u := range users {
		ok, err := env.p.AssignmentExists(ctx, env.assignment("dev", "AdministratorAccess", u))
		if err != nil {
			t.Fatalf("AssignmentExists(%s): %v", u, err)
		}
		if want := i < 3; ok != want {
			t.Errorf("AssignmentExists(%s) = %v, want %v", u, ok, want)
		}
	}
	if n := env.emu.Calls("ListAccountAssignments"); n < 4 {
		t.Errorf("ListAccountAssignments calls = %d; with page size 1 the provider should have paged", n)
	}
	// alice gets dev/ReadOnlyAccess through the engineers group only: that
	// is not a user assignment.
	if ok, err := env.p.AssignmentExists(ctx, env.assignment("dev", "ReadOnlyAccess", "alice")); err != nil || ok {
		t.Errorf("AssignmentExists for a group-only assignment = %v, %v; want false", ok, err)
	}
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t, awsemu.Options{})
	ctx := t.Context()

	p, err := NewFromConfig(ctx, staticConfig(url), testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if p.InstanceARN() != emu.InstanceARN() || p.IdentityStoreID() != emu.IdentityStoreID() {
		t.Errorf("discovered %q, %q; want %q, %q", p.InstanceARN(), p.IdentityStoreID(), emu.InstanceARN(), emu.IdentityStoreID())
	}

	cfg := testConfig(t)
	cfg.InstanceARN = emu.InstanceARN()
	p, err = NewFromConfig(ctx, staticConfig(url), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p.IdentityStoreID() != emu.IdentityStoreID() {
		t.Errorf("identity store of the given instance = %q, want %q", p.IdentityStoreID(), emu.IdentityStoreID())
	}

	cfg.InstanceARN = "arn:aws:sso:::instance/ssoins-0000000000000000"
	if _, err := NewFromConfig(ctx, staticConfig(url), cfg); err == nil || !strings.Contains(err.Error(), cfg.InstanceARN) {
		t.Errorf("unknown instance: err = %v; want an error naming it", err)
	}

	before := emu.Calls("ListInstances")
	cfg.InstanceARN, cfg.IdentityStoreID = emu.InstanceARN(), emu.IdentityStoreID()
	if _, err := NewFromConfig(ctx, staticConfig(url), cfg); err != nil {
		t.Fatal(err)
	}
	if emu.Calls("ListInstances") != before {
		t.Error("ListInstances called although the instance and identity store were given")
	}
}

// recordingClient records the Authorization headers of the requests it sends.
type recordingClient struct {
	mu    sync.Mutex
	auths []string
}

// take returns the headers recorded so far and forgets them.
func (c *recordingClient) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.auths
	c.auths = nil
	return a
}

func (c *recordingClient) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.auths = append(c.auths, r.Header.Get("Authorization"))
	c.mu.Unlock()
	return http.DefaultClient.Do(r)
}

func TestNewUsesStandardChain(t *testing.T) {
	// Not parallel: it sets the environment.
	emu, url := startEmulator(t, awsemu.Options{})
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            url,
		"AWS_ACCESS_KEY_ID":           "AKIDFROMENVIRONMENT",
		"AWS_SECRET_ACCESS_KEY":       "secret-from-environment",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             dir + "/config",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "1",
	} {
		t.Setenv(k, v)
	}
	rec := &recordingClient{}
	cfg := testConfig(t)
	cfg.HTTPClient = rec
	p, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p.InstanceARN() != emu.InstanceARN() {
		t.Fatalf("instance = %q, want %q", p.InstanceARN(), emu.InstanceARN())
	}
	a := access.Assignment{AccountID: emu.AccountID("prod"), PermissionSetARN: emu.PermissionSetARN("ReadOnlyAccess"), UserID: emu.UserID("bob")}
	// AWS_MAX_ATTEMPTS must not override the provider's own retry policy.
	emu.InjectError("CreateAccountAssignment", "ThrottlingException", 1)
	if _, err := p.CreateAssignment(t.Context(), a); err != nil {
		t.Fatalf("CreateAssignment: %v", err)
	}
	if !emu.HasAssignment(a.AccountID, a.PermissionSetARN, a.UserID) {
		t.Fatal("assignment missing")
	}
	auths := rec.take()
	if len(auths) == 0 {
		t.Fatal("the configured HTTP client was not used")
	}
	for _, h := range auths {
		// No region anywhere: the provider falls back to us-east-1.
		if !strings.Contains(h, "Credential=AKIDFROMENVIRONMENT/") || !strings.Contains(h, "/us-east-1/") {
			t.Fatalf("Authorization = %q; want the environment's key and region us-east-1", h)
		}
	}

	t.Setenv("AWS_REGION", "eu-west-1")
	if _, err := New(t.Context(), cfg); err != nil {
		t.Fatalf("New with AWS_REGION: %v", err)
	}
	if auths := rec.take(); len(auths) == 0 || !strings.Contains(auths[0], "/eu-west-1/sso/") {
		t.Errorf("with AWS_REGION=eu-west-1: Authorization = %q", auths)
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.PollInterval != time.Second || c.MaxPollInterval != 5*time.Second || c.OperationTimeout != 5*time.Minute ||
		c.MaxRetries != 8 || c.retryBaseDelay != 200*time.Millisecond || c.Logger == nil ||
		c.CallsPerSecond != 18 || c.MaxInFlight != 10 || c.IdentityStoreCallsPerSecond != 10 || c.OrganizationsCallsPerSecond != 10 || c.listPollMin != 3 {
		t.Errorf("defaults = %+v", c)
	}
	if _, err := (Config{MaxRetries: -1}).withDefaults(); err == nil {
		t.Error("negative MaxRetries accepted")
	}
	if _, err := (Config{MaxInFlight: -1}).withDefaults(); err == nil {
		t.Error("negative MaxInFlight accepted")
	}
}

func TestJitterBackoff(t *testing.T) {
	b := jitterBackoff{base: 200 * time.Millisecond, max: 10 * time.Second}
	for attempt, want := range map[int]time.Duration{1: 200 * time.Millisecond, 2: 400 * time.Millisecond, 3: 800 * time.Millisecond, 7: 10 * time.Second, 60: 10 * time.Second} {
		for range 50 {
			d, _ := b.BackoffDelay(attempt, nil)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", attempt, d, want/2, want)
			}
		}
	}
}

// TestCreateAssignmentAcceptedReportsAcceptance: the callback runs once
// AWS has accepted the create, before the provisioning finishes; a caller
// that joins the create under way is not told.
func TestCreateAssignmentAcceptedReportsAcceptance(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{ProvisioningDelay: 200 * time.Millisecond})
	ctx := t.Context()
	a := env.assignment("prod", "AdministratorAccess", "alice")
	var accepted, joinerTold atomic.Int32
	var provisionedAtAcceptance atomic.Bool
	joined := make(chan error, 1)
	id, err := env.p.CreateAssignmentAccepted(ctx, a, func() {
		accepted.Add(1)
		provisionedAtAcceptance.Store(env.emu.Calls("DescribeAccountAssignmentCreationStatus") > 0)
		go func() {
			_, err := env.p.CreateAssignmentAccepted(ctx, a, func() { joinerTold.Add(1) })
			joined <- err
		}()
	})
	if err != nil || id == "" {
		t.Fatalf("CreateAssignmentAccepted = %q, %v", id, err)
	}
	if err := <-joined; err != nil {
		t.Fatalf("joining CreateAssignmentAccepted = %v", err)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("accepted called %d times, want 1", n)
	}
	if provisionedAtAcceptance.Load() {
		t.Error("accepted called after the first status poll; want it as soon as the create is accepted")
	}
	if n := joinerTold.Load(); n != 0 {
		t.Errorf("a caller that joined the create was told %d times, want 0", n)
	}
	if !env.has(a) {
		t.Error("assignment missing after the create")
	}
}
