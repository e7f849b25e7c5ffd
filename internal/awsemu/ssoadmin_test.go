package awsemu

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/smithy-go"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (f *fixture) assignmentInput(account, ps, userName string) *ssoadmin.CreateAccountAssignmentInput {
	return &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn:      aws.String(f.emu.InstanceARN()),
		TargetId:         aws.String(f.emu.AccountID(account)),
		TargetType:       types.TargetTypeAwsAccount,
		PermissionSetArn: aws.String(f.emu.PermissionSetARN(ps)),
		PrincipalType:    types.PrincipalTypeUser,
		PrincipalId:      aws.String(f.emu.UserID(userName)),
	}
}

func deleteInput(in *ssoadmin.CreateAccountAssignmentInput) *ssoadmin.DeleteAccountAssignmentInput {
	return &ssoadmin.DeleteAccountAssignmentInput{
		InstanceArn:      in.InstanceArn,
		TargetId:         in.TargetId,
		TargetType:       in.TargetType,
		PermissionSetArn: in.PermissionSetArn,
		PrincipalType:    in.PrincipalType,
		PrincipalId:      in.PrincipalId,
	}
}

func (f *fixture) create(t *testing.T, in *ssoadmin.CreateAccountAssignmentInput) *types.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.sso.CreateAccountAssignment(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateAccountAssignment: %v", err)
	}
	return out.AccountAssignmentCreationStatus
}

func (f *fixture) delete(t *testing.T, in *ssoadmin.CreateAccountAssignmentInput) *types.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.sso.DeleteAccountAssignment(context.Background(), deleteInput(in))
	if err != nil {
		t.Fatalf("DeleteAccountAssignment: %v", err)
	}
	return out.AccountAssignmentDeletionStatus
}

func (f *fixture) creationStatus(t *testing.T, id *string) *types.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.sso.DescribeAccountAssignmentCreationStatus(context.Background(), &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentCreationRequestId: id,
	})
	if err != nil {
		t.Fatalf("DescribeAccountAssignmentCreationStatus: %v", err)
	}
	return out.AccountAssignmentCreationStatus
}

func (f *fixture) deletionStatus(t *testing.T, id *string) *types.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.sso.DescribeAccountAssignmentDeletionStatus(context.Background(), &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentDeletionRequestId: id,
	})
	if err != nil {
		t.Fatalf("DescribeAccountAssignmentDeletionStatus: %v", err)
	}
	return out.AccountAssignmentDeletionStatus
}

// listed returns the principals assigned ps in account, through the paginator.
func (f *fixture) listed(t *testing.T, account, ps string) []types.AccountAssignment {
	t.Helper()
	p := ssoadmin.NewListAccountAssignmentsPaginator(f.sso, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn:      aws.String(f.emu.InstanceARN()),
		AccountId:        aws.String(f.emu.AccountID(account)),
		PermissionSetArn: aws.String(f.emu.PermissionSetARN(ps)),
	})
	var out []types.AccountAssignment
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListAccountAssignments: %v", err)
		}
		out = append(out, page.AccountAssignments...)
	}
	return out
}

func TestSSOAdminReadOperations(t *testing.T) {
	f := newFixture(t, nil, Options{PageSize: 1})
	ctx := context.Background()

	ip := ssoadmin.NewListInstancesPaginator(f.sso, &ssoadmin.ListInstancesInput{})
	var instances []types.InstanceMetadata
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		instances = append(instances, page.Instances...)
	}
	if len(instances) != 1 {
		t.Fatalf("%d instances", len(instances))
	}
	inst := instances[0]
	if aws.ToString(inst.InstanceArn) != f.emu.InstanceARN() || aws.ToString(inst.IdentityStoreId) != f.emu.IdentityStoreID() ||
		aws.ToString(inst.OwnerAccountId) != "111122223333" || inst.Status != types.InstanceStatusActive || inst.CreatedDate == nil {
		t.Errorf("instance = %+v", inst)
	}

	pp := ssoadmin.NewListPermissionSetsPaginator(f.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.emu.InstanceARN())})
	var arns []string
	pages := 0
	for pp.HasMorePages() {
		page, err := pp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		arns = append(arns, page.PermissionSets...)
	}
	if len(arns) != 3 || pages != 3 {
		t.Fatalf("permission sets %v in %d pages, want 3 in 3", arns, pages)
	}

	wantDur := map[string]string{"AdministratorAccess": "PT1H", "ReadOnlyAccess": "PT8H", "PowerUserAccess": "PT4H"}
	for _, arn := range arns {
		out, err := f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(arn),
		})
		if err != nil {
			t.Fatal(err)
		}
		ps := out.PermissionSet
		name := aws.ToString(ps.Name)
		if aws.ToString(ps.SessionDuration) != wantDur[name] || ps.CreatedDate == nil || aws.ToString(ps.Description) == "" ||
			f.emu.PermissionSetARN(name) != arn {
			t.Errorf("permission set %s = %+v", arn, ps)
		}
		if !ps.CreatedDate.Equal(f.clock.Now()) {
			t.Errorf("CreatedDate = %v, want %v", ps.CreatedDate, f.clock.Now())
		}
	}

	// Standing assignments provision ReadOnlyAccess to audit.
	prov := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(f.sso, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountId: aws.String(f.emu.AccountID("audit")),
	})
	var provisioned []string
	for prov.HasMorePages() {
		page, err := prov.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		provisioned = append(provisioned, page.PermissionSets...)
	}
	if len(provisioned) != 1 || provisioned[0] != f.emu.PermissionSetARN("ReadOnlyAccess") {
		t.Errorf("provisioned to audit = %v", provisioned)
	}
	notProv, err := f.sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountId: aws.String(f.emu.AccountID("audit")),
		ProvisioningStatus: types.ProvisioningStatusLatestPermissionSetNotProvisioned,
	})
	if err != nil || len(notProv.PermissionSets) != 0 {
		t.Errorf("NOT_PROVISIONED = %v, %v", notProv, err)
	}

	// Unknown permission set and instance.
	_, err = f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
		InstanceArn:      aws.String(f.emu.InstanceARN()),
		PermissionSetArn: aws.String("arn:aws:sso:::permissionSet/" + f.emu.sso.instanceID + "/ps-0000000000000000"),
	})
	requireErrorAs[*types.ResourceNotFoundException](t, err)
	_, err = f.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String("arn:aws:sso:::instance/ssoins-0000000000000000")})
	requireErrorAs[*types.ResourceNotFoundException](t, err)
}

func TestAssignmentLifecycle(t *testing.T) {
	f := newFixture(t, nil, Options{ProvisioningDelay: time.Minute, PageSize: 1})
	ctx := context.Background()
	in := f.assignmentInput("prod", "AdministratorAccess", "alice")

	st := f.create(t, in)
	if st.Status != types.StatusValuesInProgress || !uuidRE.MatchString(aws.ToString(st.RequestId)) || st.CreatedDate == nil ||
		aws.ToString(st.TargetId) != f.emu.AccountID("prod") || aws.ToString(st.PrincipalId) != f.emu.UserID("alice") ||
		st.PrincipalType != types.PrincipalTypeUser || st.TargetType != types.TargetTypeAwsAccount || st.FailureReason != nil {
		t.Fatalf("create status = %+v", st)
	}
	createID := st.RequestId
	if got := f.creationStatus(t, createID).Status; got != types.StatusValuesInProgress {
		t.Fatalf("status before the delay = %s", got)
	}
	if got := f.listed(t, "prod", "AdministratorAccess"); len(got) != 0 {
		t.Fatalf("listed before SUCCEEDED: %+v", got)
	}
	if f.emu.HasAssignment(f.emu.AccountID("prod"), f.emu.PermissionSetARN("AdministratorAccess"), f.emu.UserID("alice")) {
		t.Fatal("HasAssignment before SUCCEEDED")
	}

	f.clock.Advance(time.Minute)
	if got := f.creationStatus(t, createID); got.Status != types.StatusValuesSucceeded {
		t.Fatalf("status after the delay = %+v", got)
	}
	got := f.listed(t, "prod", "AdministratorAccess")
	if len(got) != 1 || aws.ToString(got[0].PrincipalId) != f.emu.UserID("alice") || got[0].PrincipalType != types.PrincipalTypeUser {
		t.Fatalf("listed = %+v", got)
	}
	if !f.emu.HasAssignment(f.emu.AccountID("prod"), f.emu.PermissionSetARN("AdministratorAccess"), f.emu.UserID("alice")) {
		t.Fatal("HasAssignment after SUCCEEDED is false")
	}

	// For the principal, with and without the account filter.
	fp := ssoadmin.NewListAccountAssignmentsForPrincipalPaginator(f.sso, &ssoadmin.ListAccountAssignmentsForPrincipalInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PrincipalId: aws.String(f.emu.UserID("alice")), PrincipalType: types.PrincipalTypeUser,
	})
	var forPrincipal []types.AccountAssignmentForPrincipal
	for fp.HasMorePages() {
		page, err := fp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		forPrincipal = append(forPrincipal, page.AccountAssignments...)
	}
	if len(forPrincipal) != 1 || aws.ToString(forPrincipal[0].AccountId) != f.emu.AccountID("prod") {
		t.Errorf("for principal = %+v", forPrincipal)
	}
	filtered, err := f.sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PrincipalId: aws.String(f.emu.UserID("alice")), PrincipalType: types.PrincipalTypeUser,
		Filter: &types.ListAccountAssignmentsFilter{AccountId: aws.String(f.emu.AccountID("dev"))},
	})
	if err != nil || len(filtered.AccountAssignments) != 0 {
		t.Errorf("filtered on dev = %+v, %v", filtered, err)
	}
	// A group principal sees the standing group assignments only.
	groupOut, err := f.sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PrincipalId: aws.String(f.emu.GroupID("auditors")), PrincipalType: types.PrincipalTypeGroup,
		MaxResults: aws.Int32(5),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(groupOut.AccountAssignments) != 1 || groupOut.NextToken == nil {
		t.Errorf("auditors page 1 = %+v (PageSize 1 caps MaxResults)", groupOut)
	}
	// Now provisioned to prod.
	prov, err := f.sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountId: aws.String(f.emu.AccountID("prod")),
	})
	if err != nil || len(prov.PermissionSets) != 1 {
		t.Errorf("provisioned to prod = %+v, %v", prov, err)
	}

	// Delete.
	del := f.delete(t, in)
	if del.Status != types.StatusValuesInProgress || !uuidRE.MatchString(aws.ToString(del.RequestId)) {
		t.Fatalf("delete status = %+v", del)
	}
	if aws.ToString(del.RequestId) == aws.ToString(createID) {
		t.Fatal("deletion request id equals the creation request id")
	}
	if got := f.listed(t, "prod", "AdministratorAccess"); len(got) != 1 {
		t.Fatalf("assignment gone before deletion SUCCEEDED: %+v", got)
	}
	f.clock.Advance(time.Minute)
	if got := f.deletionStatus(t, del.RequestId); got.Status != types.StatusValuesSucceeded {
		t.Fatalf("deletion status = %+v", got)
	}
	if got := f.listed(t, "prod", "AdministratorAccess"); len(got) != 0 {
		t.Fatalf("still listed after deletion: %+v", got)
	}

	// A creation id is not a deletion id.
	_, err = f.sso.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentDeletionRequestId: createID,
	})
	requireErrorAs[*types.ResourceNotFoundException](t, err)

	// Status listings, through the paginators and with a filter.
	f.create(t, f.assignmentInput("dev", "PowerUserAccess", "bob")) // stays IN_PROGRESS
	cp := ssoadmin.NewListAccountAssignmentCreationStatusPaginator(f.sso, &ssoadmin.ListAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()),
	})
	var creations []types.AccountAssignmentOperationStatusMetadata
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		creations = append(creations, page.AccountAssignmentsCreationStatus...)
	}
	if len(creations) != 2 || creations[0].Status != types.StatusValuesSucceeded || creations[1].Status != types.StatusValuesInProgress || creations[0].CreatedDate == nil {
		t.Errorf("creation statuses = %+v", creations)
	}
	inProgress, err := f.sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), Filter: &types.OperationStatusFilter{Status: types.StatusValuesInProgress},
	})
	if err != nil || len(inProgress.AccountAssignmentsCreationStatus) != 1 || inProgress.NextToken != nil {
		t.Errorf("IN_PROGRESS creations = %+v, %v", inProgress, err)
	}
	dp := ssoadmin.NewListAccountAssignmentDeletionStatusPaginator(f.sso, &ssoadmin.ListAccountAssignmentDeletionStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), Filter: &types.OperationStatusFilter{Status: types.StatusValuesSucceeded},
	})
	var deletions []types.AccountAssignmentOperationStatusMetadata
	for dp.HasMorePages() {
		page, err := dp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deletions = append(deletions, page.AccountAssignmentsDeletionStatus...)
	}
	if len(deletions) != 1 || aws.ToString(deletions[0].RequestId) != aws.ToString(del.RequestId) {
		t.Errorf("deletion statuses = %+v", deletions)
	}
}

func TestAssignmentZeroDelayCompletesByFirstStatusCall(t *testing.T) {
	f := newFixture(t, nil, Options{})
	in := f.assignmentInput("staging", "ReadOnlyAccess", "carol")
	st := f.create(t, in)
	if st.Status != types.StatusValuesInProgress {
		t.Fatalf("create returned %s, want IN_PROGRESS", st.Status)
	}
	if got := f.creationStatus(t, st.RequestId).Status; got != types.StatusValuesSucceeded {
		t.Fatalf("first status call = %s, want SUCCEEDED", got)
	}
	want := Assignment{AccountID: "555566667777", PermissionSetARN: f.emu.PermissionSetARN("ReadOnlyAccess"), PrincipalType: "USER", PrincipalID: f.emu.UserID("carol")}
	found := false
	for _, a := range f.emu.Assignments() {
		if a == want {
			found = true
		}
	}
	if !found {
		t.Errorf("Assignments() lacks %+v", want)
	}
}

func TestCreateExistingAssignmentIsIdempotent(t *testing.T) {
	f := newFixture(t, nil, Options{})
	in := f.assignmentInput("prod", "ReadOnlyAccess", "dave")
	first := f.create(t, in)
	second := f.create(t, in)
	if aws.ToString(first.RequestId) == aws.ToString(second.RequestId) {
		t.Error("two creations share a request id")
	}
	for _, id := range []*string{first.RequestId, second.RequestId} {
		if got := f.creationStatus(t, id).Status; got != types.StatusValuesSucceeded {
			t.Errorf("status = %s, want SUCCEEDED", got)
		}
	}
	if got := f.listed(t, "prod", "ReadOnlyAccess"); len(got) != 1 {
		t.Fatalf("listed %d assignments, want 1: %+v", len(got), got)
	}
	before := len(f.emu.Assignments())
	f.create(t, in)
	if after := len(f.emu.Assignments()); after != before {
		t.Errorf("assignment count went from %d to %d", before, after)
	}
}

func TestDeleteMissingAssignment(t *testing.T) {
	t.Run("async FAILED by default", func(t *testing.T) {
		f := newFixture(t, nil, Options{})
		del := f.delete(t, f.assignmentInput("prod", "ReadOnlyAccess", "erin"))
		if del.Status != types.StatusValuesInProgress {
			t.Fatalf("delete returned %s", del.Status)
		}
		got := f.deletionStatus(t, del.RequestId)
		if got.Status != types.StatusValuesFailed ||
			!strings.HasPrefix(aws.ToString(got.FailureReason), "Received a 404 status error: EntitlementItem doesn't exist with the given entitlement key") {
			t.Errorf("deletion status = %+v", got)
		}
	})
	t.Run("sync ResourceNotFound", func(t *testing.T) {
		f := newFixture(t, nil, Options{DeleteMissingSync: true})
		_, err := f.sso.DeleteAccountAssignment(context.Background(), deleteInput(f.assignmentInput("prod", "ReadOnlyAccess", "erin")))
		requireErrorAs[*types.ResourceNotFoundException](t, err)
		// An existing assignment is still deleted asynchronously.
		in := f.assignmentInput("prod", "ReadOnlyAccess", "erin")
		f.create(t, in)
		del := f.delete(t, in)
		if got := f.deletionStatus(t, del.RequestId).Status; got != types.StatusValuesSucceeded {
			t.Errorf("deletion status = %s", got)
		}
	})
}

func TestInjectedErrors(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	in := f.assignmentInput("dev", "PowerUserAccess", "alice")

	f.emu.InjectError("CreateAccountAssignment", "ThrottlingException", 1)
	f.emu.InjectError("CreateAccountAssignment", "ConflictException", 1)
	f.emu.InjectError("CreateAccountAssignment", "InternalServerException", 1)

	_, err := f.sso.CreateAccountAssignment(ctx, in)
	requireErrorAs[*types.ThrottlingException](t, err)
	_, err = f.sso.CreateAccountAssignment(ctx, in)
	requireErrorAs[*types.ConflictException](t, err)
	_, err = f.sso.CreateAccountAssignment(ctx, in)
	ise := requireErrorAs[*types.InternalServerException](t, err)
	if ise.ErrorFault() != smithy.FaultServer {
		t.Errorf("fault = %v", ise.ErrorFault())
	}
	f.create(t, in) // injections used up
	if got := f.emu.Calls("CreateAccountAssignment"); got != 4 {
		t.Errorf("Calls = %d, want 4", got)
	}
	if got := f.emu.Calls("SWBExternalService.CreateAccountAssignment"); got != 4 {
		t.Errorf("Calls by target = %d, want 4", got)
	}
	if len(f.emu.Assignments()) != 4 { // 3 standing + 1
		t.Errorf("assignments = %+v", f.emu.Assignments())
	}

	// Transient NotFound on the status call, then the real answer.
	st := f.create(t, f.assignmentInput("dev", "PowerUserAccess", "bob"))
	f.emu.InjectError("DescribeAccountAssignmentCreationStatus", "ResourceNotFoundException", 2)
	for range 2 {
		_, err := f.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentCreationRequestId: st.RequestId,
		})
		requireErrorAs[*types.ResourceNotFoundException](t, err)
	}
	if got := f.creationStatus(t, st.RequestId).Status; got != types.StatusValuesSucceeded {
		t.Errorf("status = %s", got)
	}

	// Cancelling pending injections.
	f.emu.InjectError("ListInstances", "AccessDeniedException", 5)
	f.emu.InjectError("ListInstances", "", 0)
	if _, err := f.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{}); err != nil {
		t.Errorf("ListInstances after clearing injections: %v", err)
	}
}

func TestFailNext(t *testing.T) {
	f := newFixture(t, nil, Options{})
	in := f.assignmentInput("sandbox-1", "AdministratorAccess", "bob")

	f.emu.FailNext("create", "Received a 403 status error: Access denied by IAM")
	st := f.create(t, in)
	got := f.creationStatus(t, st.RequestId)
	if got.Status != types.StatusValuesFailed || aws.ToString(got.FailureReason) != "Received a 403 status error: Access denied by IAM" {
		t.Fatalf("failed creation = %+v", got)
	}
	if f.emu.HasAssignment(f.emu.AccountID("sandbox-1"), f.emu.PermissionSetARN("AdministratorAccess"), f.emu.UserID("bob")) {
		t.Fatal("a FAILED creation left an assignment")
	}

	st = f.create(t, in)
	if got := f.creationStatus(t, st.RequestId).Status; got != types.StatusValuesSucceeded {
		t.Fatalf("second creation = %s", got)
	}
	f.emu.FailNext("delete", "Internal failure while deleting")
	del := f.delete(t, in)
	if got := f.deletionStatus(t, del.RequestId); got.Status != types.StatusValuesFailed || aws.ToString(got.FailureReason) != "Internal failure while deleting" {
		t.Fatalf("failed deletion = %+v", got)
	}
	if !f.emu.HasAssignment(f.emu.AccountID("sandbox-1"), f.emu.PermissionSetARN("AdministratorAccess"), f.emu.UserID("bob")) {
		t.Fatal("a FAILED deletion removed the assignment")
	}
}

func TestConflictOnPending(t *testing.T) {
	f := newFixture(t, nil, Options{ProvisioningDelay: time.Minute, ConflictOnPending: true})
	in := f.assignmentInput("prod", "PowerUserAccess", "carol")
	f.create(t, in)
	_, err := f.sso.DeleteAccountAssignment(context.Background(), deleteInput(in))
	requireErrorAs[*types.ConflictException](t, err)
	f.clock.Advance(time.Minute)
	f.delete(t, in) // the creation has finished, so no conflict
}

func TestSetProvisioningDelay(t *testing.T) {
	f := newFixture(t, nil, Options{})
	f.emu.SetProvisioningDelay(time.Hour)
	st := f.create(t, f.assignmentInput("prod", "PowerUserAccess", "dave"))
	f.clock.Advance(59 * time.Minute)
	if got := f.creationStatus(t, st.RequestId).Status; got != types.StatusValuesInProgress {
		t.Fatalf("status after 59m = %s", got)
	}
	f.emu.SetProvisioningDelay(0) // does not shorten requests already submitted
	if got := f.creationStatus(t, st.RequestId).Status; got != types.StatusValuesInProgress {
		t.Fatalf("status after lowering the delay = %s", got)
	}
	f.clock.Advance(time.Minute)
	if got := f.creationStatus(t, st.RequestId).Status; got != types.StatusValuesSucceeded {
		t.Fatalf("status after 1h = %s", got)
	}
}

func TestSSOAdminValidation(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	valid := func() *ssoadmin.CreateAccountAssignmentInput {
		return f.assignmentInput("prod", "ReadOnlyAccess", "alice")
	}
	tests := []struct {
		name   string
		mutate func(*ssoadmin.CreateAccountAssignmentInput)
		check  func(*testing.T, error)
	}{
		{"short account id", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String("12345") }, func(t *testing.T, err error) {
			ve := requireErrorAs[*types.ValidationException](t, err)
			if !strings.Contains(ve.ErrorMessage(), "targetId") {
				t.Errorf("message = %q", ve.ErrorMessage())
			}
		}},
		{"non-digit account id", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String("12345678901x") }, func(t *testing.T, err error) {
			requireErrorAs[*types.ValidationException](t, err)
		}},
		{"account outside the organization", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String("999999999999") }, func(t *testing.T, err error) {
			requireErrorAs[*types.ValidationException](t, err)
		}},
		{"bad principal type", func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalType = "ROBOT" }, func(t *testing.T, err error) {
			requireErrorAs[*types.ValidationException](t, err)
		}},
		{"bad target type", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetType = "OU" }, func(t *testing.T, err error) {
			requireErrorAs[*types.ValidationException](t, err)
		}},
		{"malformed principal id", func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalId = aws.String("alice") }, func(t *testing.T, err error) {
			requireErrorAs[*types.ValidationException](t, err)
		}},
		{"unknown user", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.PrincipalId = aws.String("0123456789-00000000-0000-0000-0000-000000000000")
		}, func(t *testing.T, err error) {
			requireErrorAs[*types.ResourceNotFoundException](t, err)
		}},
		{"user id given as group", func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalType = types.PrincipalTypeGroup }, func(t *testing.T, err error) {
			requireErrorAs[*types.ResourceNotFoundException](t, err)
		}},
		{"unknown permission set", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.PermissionSetArn = aws.String("arn:aws:sso:::permissionSet/" + f.emu.sso.instanceID + "/ps-0000000000000000")
		}, func(t *testing.T, err error) {
			requireErrorAs[*types.ResourceNotFoundException](t, err)
		}},
		{"malformed instance", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.InstanceArn = aws.String("arn:aws:sso:::instance/nope")
		}, func(t *testing.T, err error) {
			requireErrorAs[*types.ValidationException](t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.mutate(in)
			_, err := f.sso.CreateAccountAssignment(ctx, in)
			tt.check(t, err)
		})
	}
	f.emu.mu.Lock()
	n := len(f.emu.pending) + len(f.emu.history[kindCreate])
	f.emu.mu.Unlock()
	if n != 0 {
		t.Errorf("invalid requests created %d provisioning records", n)
	}

	for _, max := range []int32{0, 101} {
		_, err := f.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.emu.InstanceARN()), MaxResults: aws.Int32(max)})
		requireErrorAs[*types.ValidationException](t, err)
	}
	_, err := f.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.emu.InstanceARN()), NextToken: aws.String("bm90LWEtdG9rZW4")})
	requireErrorAs[*types.ValidationException](t, err)
	_, err = f.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentCreationRequestId: aws.String("not-a-uuid"),
	})
	requireErrorAs[*types.ValidationException](t, err)
	_, err = f.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), AccountAssignmentCreationRequestId: aws.String("00000000-0000-0000-0000-000000000000"),
	})
	requireErrorAs[*types.ResourceNotFoundException](t, err)
}
