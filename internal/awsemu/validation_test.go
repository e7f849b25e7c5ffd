package awsemu

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// TestModelValidation sends bad inputs to each service and checks the
// AWS-style error built from the generated model table.
func TestModelValidation(t *testing.T) {
	f := newFixture(t, nil, Options{})
	inst, store := f.emu.InstanceARN(), f.emu.IdentityStoreID()
	tests := []struct {
		name, target, body string
		code               string
		want               []string
	}{
		{"sso missing required", prefixSSOAdmin + ".ListAccountAssignments", `{"InstanceArn":"` + inst + `"}`,
			"ValidationException", []string{"2 validation errors detected", "Value null at 'accountId' failed to satisfy constraint: Member must not be null", "'permissionSetArn'"}},
		{"sso MaxResults range", prefixSSOAdmin + ".ListPermissionSets", `{"InstanceArn":"` + inst + `","MaxResults":101}`,
			"ValidationException", []string{"Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"}},
		{"sso enum", prefixSSOAdmin + ".ListPermissionSetsProvisionedToAccount", `{"InstanceArn":"` + inst + `","AccountId":"111122223333","ProvisioningStatus":"MAYBE"}`,
			"ValidationException", []string{"enum value set: [LATEST_PERMISSION_SET_PROVISIONED, LATEST_PERMISSION_SET_NOT_PROVISIONED]"}},
		{"sso request id pattern", prefixSSOAdmin + ".DescribeAccountAssignmentCreationStatus", `{"InstanceArn":"` + inst + `","AccountAssignmentCreationRequestId":"not-a-uuid"}`,
			"ValidationException", []string{"at 'accountAssignmentCreationRequestId'", "length greater than or equal to 36"}},
		{"sso nested filter", prefixSSOAdmin + ".ListAccountAssignmentCreationStatus", `{"InstanceArn":"` + inst + `","Filter":{"Status":"DONE"}}`,
			"ValidationException", []string{"at 'filter.status'"}},
		{"ids store pattern", prefixIdentityStore + ".ListUsers", `{"IdentityStoreId":"x-123"}`,
			"ValidationException", []string{"at 'identityStoreId' failed to satisfy constraint: Member must satisfy regular expression pattern"}},
		{"ids union empty", prefixIdentityStore + ".ListGroupMembershipsForMember", `{"IdentityStoreId":"` + store + `","MemberId":{}}`,
			"ValidationException", []string{"exactly one member"}},
		{"ids list bounds", prefixIdentityStore + ".IsMemberInGroups", `{"IdentityStoreId":"` + store + `","MemberId":{"UserId":"` + f.emu.UserID("alice") + `"},"GroupIds":[]}`,
			"ValidationException", []string{"at 'groupIds'", "length greater than or equal to 1"}},
		{"ids create membership", prefixIdentityStore + ".CreateGroupMembership", `{"IdentityStoreId":"` + store + `","GroupId":"nope"}`,
			"ValidationException", []string{"'groupId'", "'memberId'"}},
		{"org MaxResults", prefixOrganizations + ".ListAccounts", `{"MaxResults":21}`,
			"InvalidInputException", []string{"less than or equal to 20"}},
		{"org account id", prefixOrganizations + ".DescribeAccount", `{"AccountId":"12345"}`,
			"InvalidInputException", []string{"at 'accountId'", "regular expression pattern: ^\\d{12}$"}},
		{"org parent id", prefixOrganizations + ".ListAccountsForParent", `{"ParentId":"x"}`,
			"InvalidInputException", []string{"at 'parentId'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := f.rawCall(t, tt.target, tt.body)
			if status != 400 || hdr.Get("X-Amzn-ErrorType") != tt.code || body["__type"] != tt.code {
				t.Fatalf("status %d, type %q, body %v", status, hdr.Get("X-Amzn-ErrorType"), body)
			}
			msg := fmt.Sprint(body["Message"])
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if tt.code == "InvalidInputException" && body["Reason"] == nil {
				t.Errorf("no Reason in %v", body)
			}
		})
	}
}

func TestOrganizationsEmptyPages(t *testing.T) {
	f := newFixture(t, nil, Options{EmptyPages: true, PageSize: 5})
	ctx := context.Background()
	first, err := f.org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Accounts) != 0 || aws.ToString(first.NextToken) == "" {
		t.Fatalf("first page = %d accounts, token %v", len(first.Accounts), first.NextToken)
	}
	p := organizations.NewListAccountsPaginator(f.org, &organizations.ListAccountsInput{})
	pages, n := 0, 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(page.Accounts)
	}
	if n != 8 || pages != 3 {
		t.Errorf("%d accounts in %d pages, want 8 in 3 (empty, 5, 3)", n, pages)
	}
	// Other services are unaffected.
	out, err := f.ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID())})
	if err != nil || len(out.Groups) != 4 {
		t.Errorf("groups = %v, %v", out, err)
	}
}

func TestGroupMembershipLifecycle(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	store := aws.String(f.emu.IdentityStoreID())
	grp := aws.String(f.emu.GroupID("admins"))
	_, err := f.ids.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: store, GroupId: grp, MemberId: f.member("bob")})
	rnf := requireErrorAs[*idstypes.ResourceNotFoundException](t, err)
	if rnf.ResourceType != idstypes.ResourceTypeGroupMembership {
		t.Errorf("resource type = %s", rnf.ResourceType)
	}
	c, err := f.ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store, GroupId: grp, MemberId: f.member("bob")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store, GroupId: grp, MemberId: f.member("bob")})
	ce := requireErrorAs[*idstypes.ConflictException](t, err)
	if ce.Reason != idstypes.ConflictExceptionReasonUniquenessConstraintViolation {
		t.Errorf("reason = %s", ce.Reason)
	}
	g, err := f.ids.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: store, GroupId: grp, MemberId: f.member("bob")})
	if err != nil || aws.ToString(g.MembershipId) != aws.ToString(c.MembershipId) {
		t.Fatalf("GetGroupMembershipId = %v, %v", g, err)
	}
	if _, err := f.ids.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: store, MembershipId: c.MembershipId}); err != nil {
		t.Fatal(err)
	}
	_, err = f.ids.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: store, MembershipId: c.MembershipId})
	requireErrorAs[*idstypes.ResourceNotFoundException](t, err)
	_, err = f.ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store, GroupId: grp, MemberId: &idstypes.MemberIdMemberUserId{Value: "0000000000-00000000-0000-0000-0000-000000000000"}})
	requireErrorAs[*idstypes.ResourceNotFoundException](t, err)
}

func TestRuntimeDirectoryChanges(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	e := f.emu

	id, err := e.AddUser(SeedUser{UserName: "zoe", Email: "zoe@example.com"})
	if err != nil || id == "" || e.UserID("zoe") != id {
		t.Fatalf("AddUser = %q, %v", id, err)
	}
	if _, err := e.AddUser(SeedUser{UserName: "ZOE"}); err == nil {
		t.Error("duplicate user accepted")
	}
	gid, err := e.AddGroup(SeedGroup{Name: "oncall", Members: []string{"zoe", "alice"}})
	if err != nil || e.GroupID("oncall") != gid {
		t.Fatalf("AddGroup = %q, %v", gid, err)
	}
	acct, err := e.AddAccount(SeedAccount{Name: "research", OU: "Sandbox"})
	if err != nil || e.AccountID("research") != acct {
		t.Fatalf("AddAccount = %q, %v", acct, err)
	}
	psARN, err := e.AddPermissionSet(SeedPermissionSet{Name: "Billing", SessionDuration: "PT2H"})
	if err != nil || e.PermissionSetARN("Billing") != psARN {
		t.Fatalf("AddPermissionSet = %q, %v", psARN, err)
	}
	st := f.create(t, f.assignmentInput("research", "Billing", "zoe"))
	if got := f.creationStatus(t, st.RequestId); got.Status != "SUCCEEDED" {
		t.Fatalf("status = %+v", got)
	}
	if err := e.SetUserDisabled("zoe", true); err != nil {
		t.Fatal(err)
	}
	u, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(e.IdentityStoreID()), UserId: aws.String(id)})
	if err != nil || u.UserStatus != idstypes.UserStatusDisabled {
		t.Fatalf("DescribeUser = %+v, %v", u, err)
	}
	if err := e.MoveAccount(acct, "Prod"); err != nil {
		t.Fatal(err)
	}
	parents, err := f.org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(acct)})
	if err != nil || aws.ToString(parents.Parents[0].Id) != e.org.ouByName["Prod"].id {
		t.Fatalf("ListParents = %+v, %v", parents, err)
	}
	if err := e.MoveAccount(acct, "Nowhere"); err == nil {
		t.Error("move to an unknown OU accepted")
	}
	if err := e.SetGroupMember("oncall", "alice", false); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveUser("zoe"); err != nil {
		t.Fatal(err)
	}
	if e.HasAssignment(acct, psARN, id) || e.UserID("zoe") != "" {
		t.Error("user removal left state behind")
	}
	if err := e.RemoveGroup("oncall"); err != nil {
		t.Fatal(err)
	}
	if err := e.RemovePermissionSet("Billing"); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveAccount(acct); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveAccount(e.ManagementAccountID()); err == nil {
		t.Error("management account removed")
	}
	if err := e.RemoveUser("zoe"); err == nil {
		t.Error("second removal succeeded")
	}
	_, err = f.org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(acct)})
	if err == nil {
		t.Error("removed account still described")
	}
}
