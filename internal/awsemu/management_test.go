package awsemu

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

func TestDelegatedAdminRestrictions(t *testing.T) {
	seed := DemoSeed()
	// AdministratorAccess is provisioned to the management account.
	seed.Assignments = append(seed.Assignments, SeedAssignment{Account: "management", PermissionSet: "AdministratorAccess", Group: "admins"})
	f := newFixture(t, &seed, Options{CallerAccountID: "222233334444"})
	ctx := context.Background()
	if f.emu.CallerAccountID() != "222233334444" || f.emu.ManagementAccountID() != "111122223333" {
		t.Fatal("caller/management ids")
	}

	// Assignments in the management account: create and delete.
	_, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("management", "ReadOnlyAccess", "alice"))
	requireErrorAs[*types.AccessDeniedException](t, err)
	_, err = f.sso.DeleteAccountAssignment(ctx, deleteInput(f.assignmentInput("management", "AdministratorAccess", "erin")))
	requireErrorAs[*types.AccessDeniedException](t, err)

	// A management-provisioned permission set, in any account.
	_, err = f.sso.CreateAccountAssignment(ctx, f.assignmentInput("prod", "AdministratorAccess", "alice"))
	requireErrorAs[*types.AccessDeniedException](t, err)
	_, err = f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("AdministratorAccess")),
	})
	requireErrorAs[*types.AccessDeniedException](t, err)

	// Everything else works.
	st := f.create(t, f.assignmentInput("prod", "PowerUserAccess", "alice"))
	if got := f.creationStatus(t, st.RequestId); got.Status != types.StatusValuesSucceeded {
		t.Errorf("status = %+v", got)
	}
	if _, err := f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("PowerUserAccess")),
	}); err != nil {
		t.Error(err)
	}

	// The management account itself has none of these restrictions.
	m := newFixture(t, &seed, Options{})
	st = m.create(t, m.assignmentInput("prod", "AdministratorAccess", "alice"))
	if got := m.creationStatus(t, st.RequestId); got.Status != types.StatusValuesSucceeded {
		t.Errorf("management caller: %+v", got)
	}
	m.create(t, m.assignmentInput("management", "ReadOnlyAccess", "alice"))
}

func TestDelegatedAdminProvisioningTracked(t *testing.T) {
	f := newFixture(t, nil, Options{CallerAccountID: "222233334444"})
	ctx := context.Background()
	// Not yet provisioned to the management account: allowed.
	f.create(t, f.assignmentInput("prod", "PowerUserAccess", "alice"))
	if err := f.emu.SetProvisioned(f.emu.ManagementAccountID(), "PowerUserAccess", true); err != nil {
		t.Fatal(err)
	}
	_, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("dev", "PowerUserAccess", "bob"))
	requireErrorAs[*types.AccessDeniedException](t, err)

	if _, err := New(DemoSeed(), Options{CallerAccountID: "999999999999"}); err == nil {
		t.Error("a caller outside the organization was accepted")
	}
}
