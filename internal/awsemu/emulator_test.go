package awsemu

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// fakeClock is a manually advanced clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is an emulator behind an httptest server with real SDK clients.
type fixture struct {
	emu   *Emulator
	url   string
	clock *fakeClock
	sso   *ssoadmin.Client
	ids   *identitystore.Client
	org   *organizations.Client
}

// newFixture starts the demo seed (unless seed is non-nil). Retries are off,
// so injected errors surface at once.
func newFixture(t *testing.T, seed *Seed, opts Options) *fixture {
	t.Helper()
	s := DemoSeed()
	if seed != nil {
		s = *seed
	}
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	emu, err := New(s, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
	)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	return &fixture{
		emu:   emu,
		url:   srv.URL,
		clock: clock,
		sso: ssoadmin.NewFromConfig(cfg, func(o *ssoadmin.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.Retryer = aws.NopRetryer{}
		}),
		ids: identitystore.NewFromConfig(cfg, func(o *identitystore.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.Retryer = aws.NopRetryer{}
		}),
		org: organizations.NewFromConfig(cfg, func(o *organizations.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.Retryer = aws.NopRetryer{}
		}),
	}
}

// rawCall posts a body to the emulator and returns status, headers and the
// decoded JSON body.
func (f *fixture) rawCall(t *testing.T, target, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: body %q is not JSON: %v", target, raw, err)
	}
	return resp.StatusCode, resp.Header, out
}

func TestProtocolSuccessResponse(t *testing.T) {
	f := newFixture(t, nil, Options{PageSize: 2})
	status, hdr, body := f.rawCall(t, "AWSOrganizationsV20161128.DescribeOrganization", "")
	if status != 200 {
		t.Fatalf("status = %d, body %v", status, body)
	}
	if hdr.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId header")
	}
	if ct := hdr.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}

	// Timestamps are JSON numbers; NextToken is present on a middle page
	// and absent on the last one.
	_, _, page1 := f.rawCall(t, "SWBExternalService.ListPermissionSets", `{"InstanceArn":"`+f.emu.InstanceARN()+`"}`)
	tok, ok := page1["NextToken"].(string)
	if !ok || tok == "" {
		t.Fatalf("first page has no NextToken: %v", page1)
	}
	_, _, page2 := f.rawCall(t, "SWBExternalService.ListPermissionSets", `{"InstanceArn":"`+f.emu.InstanceARN()+`","NextToken":"`+tok+`"}`)
	if _, ok := page2["NextToken"]; ok {
		t.Errorf("last page carries NextToken: %v", page2)
	}
	_, _, ps := f.rawCall(t, "SWBExternalService.DescribePermissionSet",
		`{"InstanceArn":"`+f.emu.InstanceARN()+`","PermissionSetArn":"`+f.emu.PermissionSetARN("ReadOnlyAccess")+`"}`)
	created := ps["PermissionSet"].(map[string]any)["CreatedDate"]
	if _, ok := created.(json.Number); !ok {
		t.Errorf("CreatedDate = %#v, want a JSON number", created)
	}
}

func TestProtocolErrorResponse(t *testing.T) {
	f := newFixture(t, nil, Options{})
	tests := []struct {
		name, target, body string
		status             int
		code               string
	}{
		{"unknown operation", "SWBExternalService.NoSuchThing", "{}", 400, "UnknownOperationException"},
		{"missing target", "", "{}", 400, "UnknownOperationException"},
		{"not JSON", "SWBExternalService.ListInstances", "[1,2", 400, "SerializationException"},
		{"validation", "SWBExternalService.ListInstances", `{"MaxResults":0}`, 400, "ValidationException"},
		{"not found", "AWSIdentityStore.DescribeUser", `{"IdentityStoreId":"` + f.emu.IdentityStoreID() + `","UserId":"00000000-0000-0000-0000-000000000000"}`, 404, "ResourceNotFoundException"},
		{"org invalid", "AWSOrganizationsV20161128.DescribeAccount", `{"AccountId":"12"}`, 400, "InvalidInputException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := f.rawCall(t, tt.target, tt.body)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			if got := hdr.Get("X-Amzn-ErrorType"); got != tt.code {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, tt.code)
			}
			if body["__type"] != tt.code {
				t.Errorf("__type = %v, want %s", body["__type"], tt.code)
			}
			if msg, _ := body["Message"].(string); msg == "" {
				t.Errorf("no Message in %v", body)
			}
			if hdr.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
		})
	}
	// identitystore errors carry the request id and resource details.
	_, hdr, body := f.rawCall(t, "AWSIdentityStore.DescribeGroup", `{"IdentityStoreId":"`+f.emu.IdentityStoreID()+`","GroupId":"00000000-0000-0000-0000-000000000000"}`)
	if body["RequestId"] != hdr.Get("x-amzn-RequestId") || body["ResourceType"] != "GROUP" {
		t.Errorf("identitystore error body = %v", body)
	}
	// A validation message names the member the AWS way.
	_, _, body = f.rawCall(t, "SWBExternalService.ListAccountAssignments",
		`{"InstanceArn":"`+f.emu.InstanceARN()+`","AccountId":"abc","PermissionSetArn":"`+f.emu.PermissionSetARN("ReadOnlyAccess")+`"}`)
	if msg := body["Message"].(string); !strings.Contains(msg, "Value 'abc' at 'accountId' failed to satisfy constraint") {
		t.Errorf("validation message = %q", msg)
	}
}

func TestDeterministicIDs(t *testing.T) {
	a, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][2]string{
		{a.InstanceARN(), b.InstanceARN()},
		{a.IdentityStoreID(), b.IdentityStoreID()},
		{a.UserID("alice"), b.UserID("alice")},
		{a.GroupID("approvers"), b.GroupID("approvers")},
		{a.PermissionSetARN("AdministratorAccess"), b.PermissionSetARN("AdministratorAccess")},
		{a.org.id, b.org.id},
		{a.org.ouByName["Prod"].id, b.org.ouByName["Prod"].id},
	}
	for _, p := range pairs {
		if p[0] == "" || p[0] != p[1] {
			t.Errorf("ids differ or are empty: %q vs %q", p[0], p[1])
		}
	}
	m := newModelShapes()
	checks := []struct {
		s     *shape
		value string
	}{
		{m.InstanceArn, a.InstanceARN()},
		{m.IdentityStoreID, a.IdentityStoreID()},
		{m.PrincipalID, a.UserID("alice")},
		{m.PrincipalID, a.GroupID("admins")},
		{m.PrincipalID, a.ids.memberships[0].id},
		{m.PermissionSetArn, a.PermissionSetARN("PowerUserAccess")},
		{m.ParentID, a.org.rootID},
		{m.ParentID, a.org.ouByName["NonProd"].id},
		{m.ChildID, a.org.ouByName["NonProd"].id},
		{strShape(`^o-[a-z0-9]{10,32}$`, -1, -1), a.org.id},
		{strShape(`^arn:aws:organizations::\d{12}:account\/o-[a-z0-9]{10,32}\/\d{12}`, -1, -1), a.org.accountByName["dev"].arn},
		{strShape(`^arn:aws:organizations::\d{12}:root\/o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}`, -1, -1), a.org.rootARN},
		{strShape(`^arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}`, -1, -1), a.org.ouByName["Prod"].arn},
		{strShape(`^(o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}(\/ou\-[0-9a-z]{4,32}-[a-z0-9]{8,32})*(\/\d{12})*)\/`, -1, -1), a.org.accountByName["prod"].path},
		{m.OrgAccountID, derivedAccountID("anything")},
	}
	for _, c := range checks {
		var vs []violation
		c.s.validate(c.value, "id", &vs)
		if len(vs) > 0 {
			t.Errorf("%q: %s", c.value, vs[0].constraint)
		}
	}
	if a.UserID("nobody") != "" || a.GroupID("nobody") != "" || a.PermissionSetARN("nobody") != "" || a.AccountID("nobody") != "" {
		t.Error("lookups of unknown names should return \"\"")
	}
	if got := a.AccountID("prod"); got != "444455556666" {
		t.Errorf("AccountID(prod) = %q", got)
	}
}

func TestNewRejectsBadSeeds(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Seed)
		want   string
	}{
		{"bad account id", func(s *Seed) { s.Accounts[1].ID = "12345" }, "account id"},
		{"duplicate account", func(s *Seed) { s.Accounts[2].ID = s.Accounts[1].ID }, "duplicate account id"},
		{"unknown OU", func(s *Seed) { s.Accounts[1].OU = "Nope" }, "unknown OU"},
		{"OU cycle", func(s *Seed) { s.OUs[1].Parent = "Prod" }, "cycle"},
		{"unknown management", func(s *Seed) { s.ManagementAccountID = "999999999999" }, "management account"},
		{"bad state", func(s *Seed) { s.Accounts[1].State = "GONE" }, "account state"},
		{"bad duration", func(s *Seed) { s.PermissionSets[0].SessionDuration = "1h" }, "ISO-8601"},
		{"too long duration", func(s *Seed) { s.PermissionSets[0].SessionDuration = "PT13H" }, "1 to 12 hours"},
		{"bad permission set name", func(s *Seed) { s.PermissionSets[0].Name = "has space" }, "permission set name"},
		{"duplicate user", func(s *Seed) { s.Users[1].UserName = "ALICE" }, "duplicate user"},
		{"unknown member", func(s *Seed) { s.Groups[0].Members = []string{"zed"} }, "unknown member"},
		{"assignment without principal", func(s *Seed) { s.Assignments = []SeedAssignment{{Account: "dev", PermissionSet: "ReadOnlyAccess"}} }, "neither"},
		{"assignment unknown account", func(s *Seed) { s.Assignments[0].Account = "nowhere" }, "unknown account"},
		{"bad region", func(s *Seed) { s.Region = "mars" }, "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DemoSeed()
			tt.mutate(&s)
			_, err := New(s, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := New(DemoSeed(), Options{PageSize: -1}); err == nil {
		t.Error("negative PageSize accepted")
	}
}

func TestEmptySeed(t *testing.T) {
	e, err := New(Seed{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.org.mgmt == nil || len(e.org.accounts) != 1 || !regexp.MustCompile(`^\d{12}$`).MatchString(e.org.mgmt.id) {
		t.Errorf("empty seed should yield one management account, got %+v", e.org.accounts)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	var wg sync.WaitGroup
	errs := make(chan error, len(users)*2)
	for _, name := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := &ssoadmin.CreateAccountAssignmentInput{
				InstanceArn:      aws.String(f.emu.InstanceARN()),
				TargetId:         aws.String(f.emu.AccountID("prod")),
				TargetType:       ssotypes.TargetTypeAwsAccount,
				PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
				PrincipalType:    ssotypes.PrincipalTypeUser,
				PrincipalId:      aws.String(f.emu.UserID(name)),
			}
			out, err := f.sso.CreateAccountAssignment(ctx, in)
			if err != nil {
				errs <- err
				return
			}
			if _, err := f.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
				InstanceArn:                        aws.String(f.emu.InstanceARN()),
				AccountAssignmentCreationRequestId: out.AccountAssignmentCreationStatus.RequestId,
			}); err != nil {
				errs <- err
			}
			_ = f.emu.Assignments()
			_ = f.emu.Calls("CreateAccountAssignment")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	for _, a := range f.emu.Assignments() {
		if a.AccountID == f.emu.AccountID("prod") {
			n++
		}
	}
	if n != len(users) {
		t.Errorf("%d assignments on prod, want %d", n, len(users))
	}
	if got := f.emu.Calls("CreateAccountAssignment"); got != len(users) {
		t.Errorf("Calls = %d, want %d", got, len(users))
	}
}

func TestListen(t *testing.T) {
	e, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, stop, err := Listen(ctx, "127.0.0.1:0", e)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")))
	if err != nil {
		t.Fatal(err)
	}
	org := organizations.NewFromConfig(cfg, func(o *organizations.Options) { o.BaseEndpoint = aws.String(url) })
	out, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatalf("DescribeOrganization via Listen: %v", err)
	}
	if aws.ToString(out.Organization.MasterAccountId) != "111122223333" {
		t.Errorf("MasterAccountId = %q", aws.ToString(out.Organization.MasterAccountId))
	}
	if err := stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Post(url, "application/json", nil); err == nil {
		t.Error("server still answers after stop")
	}
}

// requireErrorAs fails unless err is of the target type.
func requireErrorAs[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	return target
}
