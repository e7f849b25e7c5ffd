package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/elevate/elevate/internal/access"
)

// Statuses of a Check.
const (
	CheckOK   = "ok"
	CheckWarn = "warn"
	CheckFail = "fail"
)

// Check is the outcome of one Doctor check.
type Check struct {
	// Name says what was checked, usually the IAM action called.
	Name string
	// Status is CheckOK, CheckWarn or CheckFail.
	Status string
	// Detail explains the status; a failure names the IAM action refused.
	Detail string
}

// Doctor checks that elevate can do its job with the credentials and
// configuration in use: it calls, once each and through the provider's
// limiters, every kind of AWS operation elevate needs, and reports the
// caller's identity, the Identity Center instance, whether it runs in the
// management account or as a delegated administrator (and what that rules
// out), and each refused permission by its IAM action. It changes nothing.
func (p *Provider) Doctor(ctx context.Context) []Check {
	var checks []Check
	add := func(c Check) { checks = append(checks, c) }

	// Who am I?
	var callerAccount string
	if p.sts == nil {
		add(Check{Name: "sts:GetCallerIdentity", Status: CheckWarn, Detail: "could not call sts:GetCallerIdentity: no STS client"})
	} else if out, err := p.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		add(Check{Name: "sts:GetCallerIdentity", Status: CheckWarn, Detail: "could not call sts:GetCallerIdentity: " + errorMessage(err)})
	} else {
		callerAccount = awssdk.ToString(out.Account)
		add(Check{Name: "sts:GetCallerIdentity", Status: CheckOK, Detail: fmt.Sprintf("account %s, %s", callerAccount, awssdk.ToString(out.Arn))})
	}

	// The instance.
	if out, err := p.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{MaxResults: awssdk.Int32(maxResultsSSO)}); err != nil {
		add(failed("sso:ListInstances", err))
	} else {
		found := false
		for _, in := range out.Instances {
			if awssdk.ToString(in.InstanceArn) == p.instanceARN {
				found = true
				if id := awssdk.ToString(in.IdentityStoreId); id != p.identityStoreID {
					add(Check{Name: "sso:ListInstances", Status: CheckFail, Detail: fmt.Sprintf("instance %s has identity store %s, but elevate is configured with %s", p.instanceARN, id, p.identityStoreID)})
				} else {
					add(Check{Name: "sso:ListInstances", Status: CheckOK, Detail: fmt.Sprintf("instance %s (%s), identity store %s", p.instanceARN, in.Status, id)})
				}
			}
		}
		if !found {
			add(Check{Name: "sso:ListInstances", Status: CheckFail, Detail: fmt.Sprintf("instance %s is not on the first page of ListInstances (%d instances): check the region and the instance ARN", p.instanceARN, len(out.Instances))})
		}
	}

	// Management account or delegated administrator?
	if out, err := p.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		add(failed("organizations:DescribeOrganization", err))
	} else if out.Organization == nil {
		add(Check{Name: "organizations:DescribeOrganization", Status: CheckFail, Detail: "AWS returned no organization"})
	} else {
		mgmt := awssdk.ToString(out.Organization.MasterAccountId)
		add(Check{Name: "organizations:DescribeOrganization", Status: CheckOK, Detail: fmt.Sprintf("organization %s, management account %s", awssdk.ToString(out.Organization.Id), mgmt)})
		add(p.managementCheck(ctx, callerAccount, mgmt))
	}

	// The directory, first pages only.
	var firstAccount string
	if out, err := p.org.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: awssdk.Int32(maxResultsOrg)}); err != nil {
		add(failed("organizations:ListAccounts", err))
	} else {
		more := ""
		if awssdk.ToString(out.NextToken) != "" {
			more = " (more pages)"
		}
		add(Check{Name: "organizations:ListAccounts", Status: CheckOK, Detail: fmt.Sprintf("%s on the first page%s", access.Plural(len(out.Accounts), "account", ""), more)})
		if len(out.Accounts) > 0 {
			firstAccount = awssdk.ToString(out.Accounts[0].Id)
		}
	}

	var firstPS string
	if out, err := p.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: awssdk.String(p.instanceARN), MaxResults: awssdk.Int32(maxResultsSSO)}); err != nil {
		add(failed("sso:ListPermissionSets", err))
	} else if len(out.PermissionSets) == 0 {
		add(Check{Name: "sso:ListPermissionSets", Status: CheckWarn, Detail: "the instance has no permission sets: there is nothing to grant"})
	} else {
		add(Check{Name: "sso:ListPermissionSets", Status: CheckOK, Detail: access.Plural(len(out.PermissionSets), "permission set", "") + " on the first page"})
		firstPS = out.PermissionSets[0]
		if d, err := p.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: awssdk.String(p.instanceARN), PermissionSetArn: awssdk.String(firstPS)}); err != nil {
			c := failed("sso:DescribePermissionSet", err)
			if errorCode(err) == codeAccessDenied {
				c.Detail += " (a delegated administrator is refused permission sets provisioned to the management account)"
			}
			add(c)
		} else {
			name, dur := "", ""
			if d.PermissionSet != nil {
				name, dur = awssdk.ToString(d.PermissionSet.Name), awssdk.ToString(d.PermissionSet.SessionDuration)
			}
			add(Check{Name: "sso:DescribePermissionSet", Status: CheckOK, Detail: fmt.Sprintf("%s: session duration %s", name, dur)})
		}
	}

	if out, err := p.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: awssdk.String(p.identityStoreID), MaxResults: awssdk.Int32(maxResultsIDs)}); err != nil {
		add(failed("identitystore:ListUsers", err))
	} else {
		add(Check{Name: "identitystore:ListUsers", Status: CheckOK, Detail: access.Plural(len(out.Users), "user", "") + " on the first page"})
	}
	if out, err := p.ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: awssdk.String(p.identityStoreID), MaxResults: awssdk.Int32(maxResultsIDs)}); err != nil {
		add(failed("identitystore:ListGroups", err))
	} else {
		add(Check{Name: "identitystore:ListGroups", Status: CheckOK, Detail: access.Plural(len(out.Groups), "group", "") + " on the first page"})
	}

	switch {
	case firstAccount == "" || firstPS == "":
		add(Check{Name: "sso:ListAccountAssignments", Status: CheckWarn, Detail: "not checked: no account or permission set to check it on"})
	default:
		out, err := p.sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
			InstanceArn: awssdk.String(p.instanceARN), AccountId: awssdk.String(firstAccount), PermissionSetArn: awssdk.String(firstPS), MaxResults: awssdk.Int32(maxResultsSSO),
		})
		if err != nil {
			add(failed("sso:ListAccountAssignments", err))
		} else {
			add(Check{Name: "sso:ListAccountAssignments", Status: CheckOK, Detail: fmt.Sprintf("%d assignments of %s on account %s", len(out.AccountAssignments), firstPS, firstAccount)})
		}
	}
	return checks
}

// managementCheck compares the caller's account with the management
// account.
func (p *Provider) managementCheck(ctx context.Context, caller, mgmt string) Check {
	const name = "management-account"
	switch {
	case caller == "":
		return Check{Name: name, Status: CheckWarn, Detail: fmt.Sprintf("the management account is %s; the caller's account is unknown (sts:GetCallerIdentity failed), so elevate cannot tell whether it runs there or as a delegated administrator", mgmt)}
	case caller == mgmt:
		return Check{Name: name, Status: CheckOK, Detail: "running in the management account " + mgmt}
	}
	detail := fmt.Sprintf("delegated administrator (account %s): assignments in the management account %s and permission sets provisioned to it cannot be managed", caller, mgmt)
	provisioned, err := p.provisionedTo(ctx, mgmt)
	if err != nil {
		return Check{Name: name, Status: CheckWarn, Detail: detail + "; could not list them: " + failed("sso:ListPermissionSetsProvisionedToAccount", err).Detail}
	}
	arns := make([]string, 0, len(provisioned))
	for arn := range provisioned {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	if len(arns) == 0 {
		return Check{Name: name, Status: CheckWarn, Detail: detail + "; no permission set is provisioned to it"}
	}
	return Check{Name: name, Status: CheckWarn, Detail: fmt.Sprintf("%s; %s provisioned to it: %s (the policy limits check names the rules that cover them, by name)",
		detail, access.Plural(len(arns), "permission set", ""), strings.Join(arns, ", "))}
}

// failed turns a refused call into a failed Check naming the IAM action.
func failed(action string, err error) Check {
	msg := errorMessage(err)
	switch errorCode(err) {
	case codeAccessDenied, "AccessDenied", "AccessDeniedForDependencyException", "UnauthorizedException":
		return Check{Name: action, Status: CheckFail, Detail: fmt.Sprintf("permission %s denied: %s", action, msg)}
	case "AWSOrganizationsNotInUseException":
		return Check{Name: action, Status: CheckFail, Detail: fmt.Sprintf("%s: the account is not in an organization: %s", action, msg)}
	}
	return Check{Name: action, Status: CheckFail, Detail: fmt.Sprintf("%s failed: %s", action, msg)}
}
