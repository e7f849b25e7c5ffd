package awsemu

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idsdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// conformanceCalls runs every implemented operation through the real
// aws-sdk-go-v2 client with valid input, so that the SDK's serializers and
// deserializers accept what the emulator sends. Each entry returns an error
// when the call fails or its output misses what a caller relies on.
var conformanceCalls = map[string]func(ctx context.Context, f *fixture) error{
	// sso-admin
	"ListInstances": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{MaxResults: aws.Int32(1)})
		if err == nil && (len(out.Instances) != 1 || aws.ToString(out.Instances[0].InstanceArn) != f.emu.InstanceARN() || out.Instances[0].CreatedDate == nil) {
			err = fmt.Errorf("instances = %+v", out.Instances)
		}
		return err
	},
	"ListPermissionSets": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.emu.InstanceARN())})
		if err == nil && len(out.PermissionSets) != 3 {
			err = fmt.Errorf("permission sets = %v", out.PermissionSets)
		}
		return err
	},
	"DescribePermissionSet": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
		})
		if err == nil && (aws.ToString(out.PermissionSet.Name) != "ReadOnlyAccess" || aws.ToString(out.PermissionSet.SessionDuration) != "PT8H" || out.PermissionSet.CreatedDate == nil) {
			err = fmt.Errorf("permission set = %+v", out.PermissionSet)
		}
		return err
	},
	"CreateAccountAssignment": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("prod", "AdministratorAccess", "alice"))
		if err == nil && (out.AccountAssignmentCreationStatus.Status != ssotypes.StatusValuesInProgress || out.AccountAssignmentCreationStatus.CreatedDate == nil) {
			err = fmt.Errorf("status = %+v", out.AccountAssignmentCreationStatus)
		}
		return err
	},
	"DeleteAccountAssignment": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.DeleteAccountAssignment(ctx, deleteInput(f.assignmentInput("prod", "AdministratorAccess", "alice")))
		if err == nil && out.AccountAssignmentDeletionStatus.Status != ssotypes.StatusValuesInProgress {
			err = fmt.Errorf("status = %+v", out.AccountAssignmentDeletionStatus)
		}
		return err
	},
	"DescribeAccountAssignmentCreationStatus": func(ctx context.Context, f *fixture) error {
		c, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("prod", "AdministratorAccess", "alice"))
		if err != nil {
			return err
		}
		out, err := f.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentCreationRequestId: c.AccountAssignmentCreationStatus.RequestId,
		})
		if err == nil && out.AccountAssignmentCreationStatus.Status != ssotypes.StatusValuesSucceeded {
			err = fmt.Errorf("status = %+v", out.AccountAssignmentCreationStatus)
		}
		return err
	},
	"DescribeAccountAssignmentDeletionStatus": func(ctx context.Context, f *fixture) error {
		d, err := f.sso.DeleteAccountAssignment(ctx, deleteInput(f.assignmentInput("prod", "AdministratorAccess", "alice")))
		if err != nil {
			return err
		}
		out, err := f.sso.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentDeletionRequestId: d.AccountAssignmentDeletionStatus.RequestId,
		})
		// Nothing to delete: AWS's asynchronous 404 mode.
		if err == nil && (out.AccountAssignmentDeletionStatus.Status != ssotypes.StatusValuesFailed || aws.ToString(out.AccountAssignmentDeletionStatus.FailureReason) == "") {
			err = fmt.Errorf("status = %+v", out.AccountAssignmentDeletionStatus)
		}
		return err
	},
	"ListAccountAssignments": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), AccountId: aws.String(f.emu.AccountID("dev")),
			PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
		})
		if err == nil && (len(out.AccountAssignments) != 1 || out.AccountAssignments[0].PrincipalType != ssotypes.PrincipalTypeGroup) {
			err = fmt.Errorf("assignments = %+v", out.AccountAssignments)
		}
		return err
	},
	"ListAccountAssignmentCreationStatus": func(ctx context.Context, f *fixture) error {
		if _, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("prod", "AdministratorAccess", "alice")); err != nil {
			return err
		}
		out, err := f.sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), Filter: &ssotypes.OperationStatusFilter{Status: ssotypes.StatusValuesSucceeded},
		})
		if err == nil && len(out.AccountAssignmentsCreationStatus) != 1 {
			err = fmt.Errorf("statuses = %+v", out.AccountAssignmentsCreationStatus)
		}
		return err
	},
	"ListAccountAssignmentDeletionStatus": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListAccountAssignmentDeletionStatus(ctx, &ssoadmin.ListAccountAssignmentDeletionStatusInput{InstanceArn: aws.String(f.emu.InstanceARN())})
		if err == nil && len(out.AccountAssignmentsDeletionStatus) != 0 {
			err = fmt.Errorf("statuses = %+v", out.AccountAssignmentsDeletionStatus)
		}
		return err
	},
	"ListAccountAssignmentsForPrincipal": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), PrincipalId: aws.String(f.emu.GroupID("auditors")), PrincipalType: ssotypes.PrincipalTypeGroup,
			Filter: &ssotypes.ListAccountAssignmentsFilter{AccountId: aws.String(f.emu.AccountID("audit"))},
		})
		if err == nil && len(out.AccountAssignments) != 1 {
			err = fmt.Errorf("assignments = %+v", out.AccountAssignments)
		}
		return err
	},
	"ListPermissionSetsProvisionedToAccount": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), AccountId: aws.String(f.emu.AccountID("dev")),
			ProvisioningStatus: ssotypes.ProvisioningStatusLatestPermissionSetProvisioned,
		})
		if err == nil && (len(out.PermissionSets) != 1 || out.PermissionSets[0] != f.emu.PermissionSetARN("ReadOnlyAccess")) {
			err = fmt.Errorf("permission sets = %v", out.PermissionSets)
		}
		return err
	},
	"ListAccountsForProvisionedPermissionSet": func(ctx context.Context, f *fixture) error {
		out, err := f.sso.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
		})
		want := []string{f.emu.AccountID("audit"), f.emu.AccountID("log-archive"), f.emu.AccountID("dev")}
		if err == nil && fmt.Sprint(out.AccountIds) != fmt.Sprint(want) {
			err = fmt.Errorf("accounts = %v, want %v", out.AccountIds, want)
		}
		return err
	},

	// identitystore
	"ListUsers": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			Filters: []idstypes.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("bob")}}})
		if err == nil && (len(out.Users) != 1 || aws.ToString(out.Users[0].UserId) != f.emu.UserID("bob")) {
			err = fmt.Errorf("users = %+v", out.Users)
		}
		return err
	},
	"DescribeUser": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()), UserId: aws.String(f.emu.UserID("carol"))})
		if err == nil && (aws.ToString(out.UserName) != "carol" || out.UserStatus != idstypes.UserStatusEnabled) {
			err = fmt.Errorf("user = %+v", out)
		}
		return err
	},
	"ListGroups": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID())})
		if err == nil && len(out.Groups) != 4 {
			err = fmt.Errorf("groups = %+v", out.Groups)
		}
		return err
	},
	"DescribeGroup": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()), GroupId: aws.String(f.emu.GroupID("admins"))})
		if err == nil && aws.ToString(out.DisplayName) != "admins" {
			err = fmt.Errorf("group = %+v", out)
		}
		return err
	},
	"ListGroupMemberships": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()), GroupId: aws.String(f.emu.GroupID("approvers"))})
		if err == nil && len(out.GroupMemberships) != 2 {
			err = fmt.Errorf("memberships = %+v", out.GroupMemberships)
		}
		return err
	},
	"ListGroupMembershipsForMember": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()), MemberId: f.member("bob")})
		if err == nil && (len(out.GroupMemberships) != 1 || aws.ToString(out.GroupMemberships[0].GroupId) != f.emu.GroupID("approvers")) {
			err = fmt.Errorf("memberships = %+v", out.GroupMemberships)
		}
		return err
	},
	"GetUserId": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{Value: idstypes.UniqueAttribute{
				AttributePath: aws.String("emails.value"), AttributeValue: idsdoc.NewLazyDocument("dave@example.com")}}})
		if err == nil && aws.ToString(out.UserId) != f.emu.UserID("dave") {
			err = fmt.Errorf("user id = %s", aws.ToString(out.UserId))
		}
		return err
	},
	"GetGroupId": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{Value: idstypes.UniqueAttribute{
				AttributePath: aws.String("displayName"), AttributeValue: idsdoc.NewLazyDocument("auditors")}}})
		if err == nil && aws.ToString(out.GroupId) != f.emu.GroupID("auditors") {
			err = fmt.Errorf("group id = %s", aws.ToString(out.GroupId))
		}
		return err
	},
	"IsMemberInGroups": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			MemberId: f.member("alice"), GroupIds: []string{f.emu.GroupID("engineers"), f.emu.GroupID("admins")}})
		if err == nil && (len(out.Results) != 2 || !out.Results[0].MembershipExists || out.Results[1].MembershipExists) {
			err = fmt.Errorf("results = %+v", out.Results)
		}
		return err
	},
	"GetGroupMembershipId": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			GroupId: aws.String(f.emu.GroupID("engineers")), MemberId: f.member("alice")})
		if err == nil && aws.ToString(out.MembershipId) == "" {
			err = fmt.Errorf("no membership id")
		}
		return err
	},
	"CreateGroupMembership": func(ctx context.Context, f *fixture) error {
		out, err := f.ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			GroupId: aws.String(f.emu.GroupID("admins")), MemberId: f.member("alice")})
		if err == nil && aws.ToString(out.MembershipId) == "" {
			err = fmt.Errorf("no membership id")
		}
		return err
	},
	"DeleteGroupMembership": func(ctx context.Context, f *fixture) error {
		id, err := f.ids.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
			GroupId: aws.String(f.emu.GroupID("engineers")), MemberId: f.member("alice")})
		if err != nil {
			return err
		}
		_, err = f.ids.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()), MembershipId: id.MembershipId})
		return err
	},

	// organizations
	"DescribeOrganization": func(ctx context.Context, f *fixture) error {
		out, err := f.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		if err == nil && aws.ToString(out.Organization.MasterAccountId) != "111122223333" {
			err = fmt.Errorf("organization = %+v", out.Organization)
		}
		return err
	},
	"ListRoots": func(ctx context.Context, f *fixture) error {
		out, err := f.org.ListRoots(ctx, &organizations.ListRootsInput{})
		if err == nil && len(out.Roots) != 1 {
			err = fmt.Errorf("roots = %+v", out.Roots)
		}
		return err
	},
	"ListOrganizationalUnitsForParent": func(ctx context.Context, f *fixture) error {
		out, err := f.org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(f.emu.org.rootID)})
		if err == nil && len(out.OrganizationalUnits) != 3 {
			err = fmt.Errorf("OUs = %+v", out.OrganizationalUnits)
		}
		return err
	},
	"ListAccounts": func(ctx context.Context, f *fixture) error {
		out, err := f.org.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(20)})
		if err == nil && (len(out.Accounts) != 8 || out.Accounts[0].JoinedTimestamp == nil) {
			err = fmt.Errorf("accounts = %+v", out.Accounts)
		}
		return err
	},
	"ListAccountsForParent": func(ctx context.Context, f *fixture) error {
		out, err := f.org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(f.emu.org.ouByName["Sandbox"].id)})
		if err == nil && len(out.Accounts) != 2 {
			err = fmt.Errorf("accounts = %+v", out.Accounts)
		}
		return err
	},
	"DescribeAccount": func(ctx context.Context, f *fixture) error {
		out, err := f.org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(f.emu.AccountID("prod"))})
		if err == nil && aws.ToString(out.Account.Name) != "prod" {
			err = fmt.Errorf("account = %+v", out.Account)
		}
		return err
	},
	"ListParents": func(ctx context.Context, f *fixture) error {
		out, err := f.org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(f.emu.AccountID("prod"))})
		if err == nil && (len(out.Parents) != 1 || aws.ToString(out.Parents[0].Id) != f.emu.org.ouByName["Prod"].id) {
			err = fmt.Errorf("parents = %+v", out.Parents)
		}
		return err
	},
}

// TestConformanceSDK runs every operation the emulator routes through the
// real SDK client. It fails when an operation has no entry, so adding an
// operation to the generated table requires a conformance call.
func TestConformanceSDK(t *testing.T) {
	probe, err := New(DemoSeed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	routed := map[string]bool{}
	for _, op := range probe.ops {
		if op.svc.prefix == prefixCloudTrail || op.svc.prefix == prefixLogs || op.svc.prefix == prefixSQS {
			continue // the query operations go through the SDK in trail_test.go, SQS's in sqs_test.go
		}
		names = append(names, op.name)
		routed[op.name] = true
	}
	sort.Strings(names)
	for name := range conformanceCalls {
		if !routed[name] {
			t.Errorf("conformance entry %s names no routed operation", name)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			call, ok := conformanceCalls[name]
			if !ok {
				t.Fatalf("operation %s has no conformance entry", name)
			}
			f := newFixture(t, nil, Options{})
			if err := call(context.Background(), f); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		})
	}
}
