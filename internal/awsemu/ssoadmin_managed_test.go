package awsemu

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

const testManagedARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

func init() {
	// The managed policy operations' conformance calls (see conformanceCalls).
	for name, fn := range map[string]func(ctx context.Context, f *fixture) error{
		"AttachManagedPolicyToPermissionSet": func(ctx context.Context, f *fixture) error {
			_, err := f.sso.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
				ManagedPolicyArn: aws.String(testManagedARN),
			})
			return err
		},
		"ListManagedPoliciesInPermissionSet": func(ctx context.Context, f *fixture) error {
			if err := f.emu.AttachManagedPolicy("ReadOnlyAccess", testManagedARN); err != nil {
				return err
			}
			out, err := f.sso.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
			})
			if err == nil && (len(out.AttachedManagedPolicies) != 1 || aws.ToString(out.AttachedManagedPolicies[0].Name) != "ReadOnlyAccess" ||
				aws.ToString(out.AttachedManagedPolicies[0].Arn) != testManagedARN) {
				err = fmt.Errorf("managed policies = %+v", out.AttachedManagedPolicies)
			}
			return err
		},
		"AttachCustomerManagedPolicyReferenceToPermissionSet": func(ctx context.Context, f *fixture) error {
			_, err := f.sso.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
				CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("team-s3"), Path: aws.String("/elevate/")},
			})
			return err
		},
		"ListCustomerManagedPolicyReferencesInPermissionSet": func(ctx context.Context, f *fixture) error {
			if err := f.emu.AttachCustomerManagedPolicy("ReadOnlyAccess", "team-s3", ""); err != nil {
				return err
			}
			out, err := f.sso.ListCustomerManagedPolicyReferencesInPermissionSet(ctx, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("ReadOnlyAccess")),
			})
			if err == nil && (len(out.CustomerManagedPolicyReferences) != 1 || aws.ToString(out.CustomerManagedPolicyReferences[0].Name) != "team-s3" ||
				aws.ToString(out.CustomerManagedPolicyReferences[0].Path) != "/") {
				err = fmt.Errorf("customer managed policies = %+v", out.CustomerManagedPolicyReferences)
			}
			return err
		},
	} {
		conformanceCalls[name] = fn
	}
}

// TestManagedPolicyErrors: attaching the same policy twice is a conflict,
// a bad ARN is refused by the model's pattern, and an unknown permission set
// is not found.
func TestManagedPolicyErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	in := func(ps, arn string) *ssoadmin.AttachManagedPolicyToPermissionSetInput {
		return &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: aws.String(f.emu.InstanceARN()),
			PermissionSetArn: aws.String(ps), ManagedPolicyArn: aws.String(arn)}
	}
	ps := f.emu.PermissionSetARN("PowerUserAccess")
	if _, err := f.sso.AttachManagedPolicyToPermissionSet(ctx, in(ps, testManagedARN)); err != nil {
		t.Fatal(err)
	}
	var conflict *ssotypes.ConflictException
	if _, err := f.sso.AttachManagedPolicyToPermissionSet(ctx, in(ps, testManagedARN)); !errors.As(err, &conflict) {
		t.Errorf("second attach: err = %v, want ConflictException", err)
	}
	var invalid *ssotypes.ValidationException
	if _, err := f.sso.AttachManagedPolicyToPermissionSet(ctx, in(ps, "arn:aws:iam::123456789012:policy/mine")); !errors.As(err, &invalid) {
		t.Errorf("customer ARN as AWS managed: err = %v, want ValidationException", err)
	}
	var notFound *ssotypes.ResourceNotFoundException
	missing := ps[:len(ps)-4] + "0000"
	if _, err := f.sso.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(missing)}); !errors.As(err, &notFound) {
		t.Errorf("unknown permission set: err = %v, want ResourceNotFoundException", err)
	}
}
