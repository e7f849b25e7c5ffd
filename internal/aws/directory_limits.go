package aws

import (
	"context"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/elevate/elevate/internal/access"
)

// managementFacts is what the directory sync and Doctor learn about the
// management account: which it is, which account elevate's credentials
// belong to, and, when those differ (elevate is a delegated
// administrator), the permission sets provisioned to the management
// account, which AWS does not let a delegated administrator assign.
type managementFacts struct {
	Management  string          // the management account's id (DescribeOrganization's MasterAccountId)
	Caller      string          // the caller's account (sts:GetCallerIdentity); "" when unknown
	Provisioned map[string]bool // ARNs provisioned to the management account; read only when delegated
}

// Delegated reports whether elevate runs as a delegated administrator: the
// caller's account is known and is not the management account.
func (f managementFacts) Delegated() bool {
	return f.Caller != "" && f.Management != "" && f.Caller != f.Management
}

// callerAccount returns the account of elevate's credentials, "" when
// there is no STS client.
func (p *Provider) callerAccount(ctx context.Context) (string, error) {
	if p.sts == nil {
		return "", nil
	}
	out, err := p.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return awssdk.ToString(out.Account), nil
}

// readManagementFacts reads the management account, the caller's account
// and, when delegated, the permission sets provisioned to the management
// account. What cannot be read is logged and left out, so that the sync
// goes on: an unknown caller or management account is read as "not
// delegated" (no limit recorded, as before); when the provisioned list
// cannot be read, only the management account itself is limited.
func (p *Provider) readManagementFacts(ctx context.Context) managementFacts {
	var f managementFacts
	org, err := p.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		p.log.Warn("cannot tell which account is the management account: organizations:DescribeOrganization failed", "reason", errorMessage(err))
		return f
	}
	if org.Organization != nil {
		f.Management = awssdk.ToString(org.Organization.MasterAccountId)
	}
	f.Caller, err = p.callerAccount(ctx)
	if err != nil {
		p.log.Warn("cannot tell whether elevate runs in the management account: sts:GetCallerIdentity failed", "reason", errorMessage(err))
	}
	if !f.Delegated() {
		return f
	}
	f.Provisioned, err = p.provisionedTo(ctx, f.Management)
	if err != nil {
		p.log.Warn("cannot list the permission sets provisioned to the management account", "account_id", f.Management,
			"reason", errorMessage(err))
	}
	return f
}

// accountLimit is the Limit the sync records for an account.
func (f managementFacts) accountLimit(id string) string {
	if f.Delegated() && id == f.Management {
		return access.LimitManagementAccount
	}
	return ""
}

// permissionSetLimit is the Limit the sync records for a permission set
// that could be described.
func (f managementFacts) permissionSetLimit(arn string) string {
	if f.Delegated() && f.Provisioned[arn] {
		return access.LimitManagementProvisioned
	}
	return ""
}

// provisionedTo lists the permission sets provisioned to an account.
func (p *Provider) provisionedTo(ctx context.Context, account string) (map[string]bool, error) {
	out := map[string]bool{}
	pages := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(p.sso, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
		InstanceArn: awssdk.String(p.instanceARN), AccountId: awssdk.String(account), MaxResults: awssdk.Int32(maxResultsSSO),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, arn := range page.PermissionSets {
			out[arn] = true
		}
	}
	return out, nil
}
