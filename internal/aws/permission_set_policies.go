package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/elevate/elevate/internal/access"
)

// PermissionSetPolicies reads what sso-admin says a permission set allows:
// its inline policy (GetInlinePolicyForPermissionSet) and its AWS managed
// and customer managed policy references (ListManagedPoliciesInPermissionSet,
// ListCustomerManagedPolicyReferencesInPermissionSet). Usage insight
// compares the actions used with it.
func (p *Provider) PermissionSetPolicies(ctx context.Context, permissionSetARN string) (access.PermissionSetPolicies, error) {
	out := access.PermissionSetPolicies{PermissionSetARN: permissionSetARN}
	inst, ps := awssdk.String(p.instanceARN), awssdk.String(permissionSetARN)
	in, err := p.sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
	if err != nil {
		return out, fmt.Errorf("read the inline policy of permission set %s: %w", permissionSetARN, err)
	}
	out.Inline = awssdk.ToString(in.InlinePolicy)
	managed := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(p.sso, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
		InstanceArn: inst, PermissionSetArn: ps, MaxResults: awssdk.Int32(maxResultsSSO)})
	for managed.HasMorePages() {
		page, err := managed.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list the managed policies of permission set %s: %w", permissionSetARN, err)
		}
		for _, m := range page.AttachedManagedPolicies {
			out.Managed = append(out.Managed, access.ManagedPolicyRef{Name: awssdk.ToString(m.Name), ARN: awssdk.ToString(m.Arn)})
		}
	}
	customer := ssoadmin.NewListCustomerManagedPolicyReferencesInPermissionSetPaginator(p.sso,
		&ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, MaxResults: awssdk.Int32(maxResultsSSO)})
	for customer.HasMorePages() {
		page, err := customer.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list the customer managed policies of permission set %s: %w", permissionSetARN, err)
		}
		for _, c := range page.CustomerManagedPolicyReferences {
			out.CustomerManaged = append(out.CustomerManaged, access.CustomerPolicyRef{Name: awssdk.ToString(c.Name), Path: awssdk.ToString(c.Path)})
		}
	}
	return out, nil
}
