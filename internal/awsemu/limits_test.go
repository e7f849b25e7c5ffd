package awsemu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

func (f *fixture) listPS(ctx context.Context) error {
	_, err := f.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.emu.InstanceARN())})
	return err
}

func TestRateLimitTokenBucket(t *testing.T) {
	f := newFixture(t, nil, Options{RateLimit: &RateLimit{}})
	ctx := context.Background()
	throttled := 0
	for range 25 { // all at the same instant of the fake clock
		if err := f.listPS(ctx); err != nil {
			te := requireErrorAs[*types.ThrottlingException](t, err)
			if !strings.Contains(aws.ToString(te.Message), "Rate exceeded") {
				t.Errorf("message = %q", aws.ToString(te.Message))
			}
			throttled++
		}
	}
	if throttled != 5 {
		t.Errorf("%d of 25 calls throttled, want 5", throttled)
	}
	// identitystore and organizations do not share the sso-admin bucket.
	if _, err := f.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		t.Errorf("organizations throttled: %v", err)
	}
	// Half a second refills 10 tokens.
	f.clock.Advance(500 * time.Millisecond)
	ok := 0
	for range 12 {
		if f.listPS(ctx) == nil {
			ok++
		}
	}
	if ok != 10 {
		t.Errorf("%d calls passed after 500ms, want 10", ok)
	}
	st := f.emu.Stats()
	if st.Throttled != 7 || st.ThrottledByOp["ListPermissionSets"] != 7 || st.Calls["ListPermissionSets"] != 37 || st.Errors["ThrottlingException"] != 7 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRateLimitTimeScale(t *testing.T) {
	f := newFixture(t, nil, Options{RateLimit: &RateLimit{}, TimeScale: 10})
	ctx := context.Background()
	for range 20 {
		if err := f.listPS(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.listPS(ctx); err == nil {
		t.Fatal("21st call in the same instant passed")
	}
	// At 10x, 200 calls/s: 50ms refills 10 tokens.
	f.clock.Advance(50 * time.Millisecond)
	ok := 0
	for range 12 {
		if f.listPS(ctx) == nil {
			ok++
		}
	}
	if ok != 10 {
		t.Errorf("%d calls passed after 50ms at 10x, want 10", ok)
	}
}

func TestInFlightLimit(t *testing.T) {
	f := newFixture(t, nil, Options{RateLimit: &RateLimit{CallsPerSecond: 1000}, ProvisioningDelay: 2 * time.Second})
	ctx := context.Background()
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	accounts := []string{"prod", "staging"}
	n := 0
	for _, acct := range accounts {
		for _, u := range users {
			f.create(t, f.assignmentInput(acct, "PowerUserAccess", u))
			n++
		}
	}
	if n != 10 {
		t.Fatalf("%d creations", n)
	}
	_, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("dev", "PowerUserAccess", "alice"))
	te := requireErrorAs[*types.ThrottlingException](t, err)
	if !strings.Contains(aws.ToString(te.Message), "at most 10 outstanding") {
		t.Errorf("message = %q", aws.ToString(te.Message))
	}
	// Deletions count against the same cap.
	_, err = f.sso.DeleteAccountAssignment(ctx, deleteInput(f.assignmentInput("dev", "ReadOnlyAccess", "alice")))
	requireErrorAs[*types.ThrottlingException](t, err)
	if st := f.emu.Stats(); st.InFlight != 10 || st.ThrottledByOp["CreateAccountAssignment"] != 1 {
		t.Errorf("stats = %+v", st)
	}
	f.clock.Advance(2 * time.Second)
	f.create(t, f.assignmentInput("dev", "PowerUserAccess", "alice"))
}

func TestProvisioningDelayRangeAndTimeScale(t *testing.T) {
	f := newFixture(t, nil, Options{ProvisioningDelay: 200 * time.Millisecond, ProvisioningDelayMax: 2 * time.Second, TimeScale: 10, Seed: 7})
	st := f.create(t, f.assignmentInput("prod", "PowerUserAccess", "alice"))
	f.emu.mu.Lock()
	p := f.emu.requests[aws.ToString(st.RequestId)]
	d := p.due.Sub(p.created)
	f.emu.mu.Unlock()
	if d < 20*time.Millisecond || d > 200*time.Millisecond {
		t.Errorf("delay %s outside [20ms, 200ms]", d)
	}
	f.clock.Advance(200 * time.Millisecond)
	if got := f.creationStatus(t, st.RequestId); got.Status != types.StatusValuesSucceeded {
		t.Errorf("status after 200ms = %s", got.Status)
	}
}

// outcomes runs n ListPermissionSets calls and returns the error codes ("" for success).
func outcomes(t *testing.T, f *fixture, n int) []string {
	t.Helper()
	var out []string
	for range n {
		err := f.listPS(context.Background())
		code := ""
		var ae interface{ ErrorCode() string }
		if errors.As(err, &ae) {
			code = ae.ErrorCode()
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, code)
	}
	return out
}

func TestFaultRatesReproducible(t *testing.T) {
	fault := Fault{ThrottleRate: 0.2, ServerErrorRate: 0.1, ConflictRate: 0.1}
	run := func(seed int64) []string {
		f := newFixture(t, nil, Options{Seed: seed})
		f.emu.SetFault("ListPermissionSets", fault)
		return outcomes(t, f, 200)
	}
	a, b, c := run(42), run(42), run(43)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("same seed, different faults")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("different seeds, same faults")
	}
	counts := map[string]int{}
	for _, code := range a {
		counts[code]++
	}
	// 200 draws: expect about 40/20/20; allow wide margins.
	if counts["ThrottlingException"] < 20 || counts["InternalServerException"] < 8 || counts["ConflictException"] < 8 || counts[""] < 100 {
		t.Errorf("counts = %v", counts)
	}
}

func TestFaultScopeAndClear(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	f.emu.SetFault("*", Fault{ThrottleRate: 1})
	f.emu.SetFault("SWBExternalService.ListPermissionSets", Fault{ServerErrorRate: 1})
	requireErrorAs[*types.InternalServerException](t, f.listPS(ctx))
	_, err := f.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	requireErrorAs[*orgtypes.TooManyRequestsException](t, err)
	f.emu.InjectError("ListInstances", "AccessDeniedException", 1)
	f.emu.FailNext("create", "boom")
	f.emu.ClearFaults()
	if err := f.listPS(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{}); err != nil {
		t.Fatal(err)
	}
	st := f.create(t, f.assignmentInput("prod", "PowerUserAccess", "alice"))
	if got := f.creationStatus(t, st.RequestId); got.Status != types.StatusValuesSucceeded {
		t.Errorf("FailNext survived ClearFaults: %+v", got)
	}
	if len(f.emu.Faults()) != 0 {
		t.Errorf("faults = %v", f.emu.Faults())
	}
}

func TestFaultFailRateAndStatusNotFound(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	f.emu.SetFault("CreateAccountAssignment", Fault{FailRate: 1, FailReason: "Received a 409 status error: role quota", NotFoundOnStatusCalls: 2})
	st := f.create(t, f.assignmentInput("prod", "PowerUserAccess", "alice"))
	in := &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentCreationRequestId: st.RequestId}
	for range 2 {
		_, err := f.sso.DescribeAccountAssignmentCreationStatus(ctx, in)
		requireErrorAs[*types.ResourceNotFoundException](t, err)
	}
	got := f.creationStatus(t, st.RequestId)
	if got.Status != types.StatusValuesFailed || aws.ToString(got.FailureReason) != "Received a 409 status error: role quota" {
		t.Errorf("status = %+v", got)
	}
	if f.emu.HasAssignment(f.emu.AccountID("prod"), f.emu.PermissionSetARN("PowerUserAccess"), f.emu.UserID("alice")) {
		t.Error("failed creation took effect")
	}

	// The rate variant on the status operation itself, reproducible.
	f.emu.ClearFaults()
	f.emu.SetFault("DescribeAccountAssignmentCreationStatus", Fault{NotFoundOnStatusRate: 1})
	_, err := f.sso.DescribeAccountAssignmentCreationStatus(ctx, in)
	requireErrorAs[*types.ResourceNotFoundException](t, err)
}

func TestFaultLatencyUsesInjectedSleep(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	clock := newFakeClock()
	f := newFixture(t, nil, Options{Now: clock.Now, TimeScale: 10, Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		clock.Advance(d)
		return nil
	}})
	f.emu.SetFault("ListPermissionSets", Fault{Latency: 2 * time.Second})
	before := clock.Now()
	if err := f.listPS(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(slept) != 1 || slept[0] != 200*time.Millisecond || clock.Now().Sub(before) != 200*time.Millisecond {
		t.Errorf("slept %v", slept)
	}
}
