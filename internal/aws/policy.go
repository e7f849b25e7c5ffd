package aws

import (
	"encoding/json"
	"strings"
)

// PolicyDocument is an IAM policy document.
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one statement of a PolicyDocument.
type PolicyStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
	// Comment explains the statement; JSON has no comments, so it is not
	// rendered (`elevate aws iam-policy` may print it alongside).
	Comment string `json:"-"`
	// Optional statements are needed only in some setups (see Comment).
	Optional bool `json:"-"`
}

// IAMPolicy returns, as indented JSON, the least-privilege IAM policy that
// elevate's own role needs (see IAMPolicyDocument).
func IAMPolicy(instanceARN, identityStoreID string) string {
	b, err := json.MarshalIndent(IAMPolicyDocument(instanceARN, identityStoreID), "", "  ")
	if err != nil {
		panic(err) // plain strings: cannot fail
	}
	return string(b)
}

// IAMPolicyDocument returns the least-privilege IAM policy that elevate's
// own role needs for the given instance and identity store (either may be
// empty: "*" is used then). It grants exactly the operations the provider
// calls, scoped to the instance, its permission sets and accounts, and the
// identity store where AWS supports resource-level permissions, plus two
// optional statements (see their Comment).
//
// Resource types follow AWS's Service Authorization Reference ("Actions,
// resources, and condition keys for AWS IAM Identity Center", "... for AWS
// Identity Store", "... for AWS Organizations"). sts:GetCallerIdentity, used
// by Doctor, needs no permission.
func IAMPolicyDocument(instanceARN, identityStoreID string) PolicyDocument {
	partition, instanceID := "aws", "*"
	if parts := strings.SplitN(instanceARN, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		partition = parts[1]
		if id, ok := strings.CutPrefix(parts[5], "instance/"); ok && id != "" {
			instanceID = id
		}
	}
	if identityStoreID == "" {
		identityStoreID = "*"
	}
	arn := func(s string) string { return "arn:" + partition + ":" + s }
	instance := arn("sso:::instance/" + instanceID)
	permissionSets := arn("sso:::permissionSet/" + instanceID + "/*")
	accounts := arn("sso:::account/*")

	return PolicyDocument{
		Version: "2012-10-17",
		Statement: []PolicyStatement{
			{
				Sid:      "IdentityCenterDiscoverInstance",
				Effect:   "Allow",
				Action:   []string{"sso:ListInstances"},
				Resource: []string{"*"},
				Comment:  "ListInstances supports no resource-level permissions.",
			},
			{
				Sid:    "IdentityCenterAccountAssignments",
				Effect: "Allow",
				Action: []string{
					"sso:CreateAccountAssignment",
					"sso:DeleteAccountAssignment",
				},
				Resource: []string{instance, permissionSets, accounts},
				Comment:  "Grant and revoke. Narrow permissionSet/* and account/* to the permission sets and accounts elevate may grant.",
			},
			{
				Sid:    "IdentityCenterRead",
				Effect: "Allow",
				Action: []string{
					"sso:DescribeAccountAssignmentCreationStatus",
					"sso:DescribeAccountAssignmentDeletionStatus",
					"sso:DescribePermissionSet",
					"sso:ListAccountAssignmentCreationStatus",
					"sso:ListAccountAssignmentDeletionStatus",
					"sso:ListAccountAssignments",
					"sso:ListPermissionSets",
					"sso:ListPermissionSetsProvisionedToAccount",
				},
				Resource: []string{instance, permissionSets, accounts},
				Comment:  "Status polls, permission sets, assignment checks, and Doctor's management-account check.",
			},
			{
				Sid:    "IdentityStoreRead",
				Effect: "Allow",
				Action: []string{
					"identitystore:ListGroupMemberships",
					"identitystore:ListGroups",
					"identitystore:ListUsers",
				},
				Resource: []string{
					arn("identitystore::*:identitystore/" + identityStoreID),
					arn("identitystore:::user/*"),
					arn("identitystore:::group/*"),
					arn("identitystore:::membership/*"),
				},
				Comment: "Directory sync: users, groups and memberships of the instance's identity store.",
			},
			{
				Sid:    "OrganizationsRead",
				Effect: "Allow",
				Action: []string{
					"organizations:DescribeOrganization",
					"organizations:ListAccounts",
					"organizations:ListAccountsForParent",
					"organizations:ListOrganizationalUnitsForParent",
					"organizations:ListRoots",
				},
				Resource: []string{"*"},
				Comment:  "Directory sync (OU tree and accounts) and Doctor. DescribeOrganization, ListAccounts and ListRoots support no resource-level permissions.",
			},
			{
				Sid:    "OptionalManagementAccountAssignments",
				Effect: "Allow",
				Action: []string{
					"iam:AttachRolePolicy",
					"iam:CreateRole",
					"iam:DeleteRole",
					"iam:DeleteRolePolicy",
					"iam:DetachRolePolicy",
					"iam:GetRole",
					"iam:ListAttachedRolePolicies",
					"iam:ListRolePolicies",
					"iam:PutRolePolicy",
					"iam:UpdateRole",
					"iam:UpdateRoleDescription",
					"iam:CreateSAMLProvider",
					"iam:GetSAMLProvider",
					"iam:UpdateSAMLProvider",
					"iam:DeleteSAMLProvider",
				},
				Resource: []string{
					arn("iam::*:role/aws-reserved/sso.amazonaws.com/*"),
					arn("iam::*:saml-provider/AWSSSO_*"),
				},
				Optional: true,
				Comment: "Only when elevate runs in the management account and grants access to it. Identity Center creates the " +
					"AWSReservedSSO_* role and the AWSSSO_*_DO_NOT_DELETE SAML provider in member accounts with its service-linked " +
					"role (AWS managed policy AWSSSOServiceRolePolicy, whose IAM statements exclude the management account), but in " +
					"the management account with the caller's own permissions: without them the assignment ends FAILED with " +
					"\"Access denied by IAM ... iam:UpdateSAMLProvider\". The IAM actions and resources are those " +
					"AWS grants for this in the managed policy AWSSSOMasterAccountAdministrator. Not needed from a delegated " +
					"administrator account, which cannot manage the management account at all.",
			},
			{
				Sid:    "OptionalEndSessionsSCP",
				Effect: "Allow",
				Action: []string{
					"organizations:AttachPolicy",
					"organizations:CreatePolicy",
					"organizations:DescribePolicy",
					"organizations:UpdatePolicy",
				},
				Resource: []string{
					arn("organizations::*:policy/o-*/service_control_policy/*"),
					arn("organizations::*:account/o-*/*"),
				},
				Optional: true,
				Comment: "Only with end_sessions.mechanism: scp (from the management account or a delegated administrator for " +
					"Organizations policies): elevate creates one service control policy (end_sessions.scp_name), rewrites it " +
					"and attaches it to the accounts where it ends sessions.",
			},
			{
				Sid:      "OptionalEndSessionsSCPList",
				Effect:   "Allow",
				Action:   []string{"organizations:ListPolicies"},
				Resource: []string{"*"},
				Optional: true,
				Comment:  "Only with end_sessions.mechanism: scp, to find elevate's policy by name. ListPolicies supports no resource-level permissions.",
			},
			{
				Sid:    "OptionalEndSessionsInline",
				Effect: "Allow",
				Action: []string{
					"sso:DeleteInlinePolicyFromPermissionSet",
					"sso:DescribePermissionSetProvisioningStatus",
					"sso:GetInlinePolicyForPermissionSet",
					"sso:ProvisionPermissionSet",
					"sso:PutInlinePolicyToPermissionSet",
				},
				Resource: []string{instance, permissionSets, accounts},
				Optional: true,
				Comment: "Only when rules end open sessions (end_sessions) with the inline mechanism, or as the SCP's fallback: " +
					"elevate adds its statements to the permission set's inline policy, keeping the operator's, and provisions " +
					"the permission set to the account.",
			},
			{
				Sid:    "OptionalUsageInsight",
				Effect: "Allow",
				Action: []string{
					"sso:GetInlinePolicyForPermissionSet",
					"sso:ListCustomerManagedPolicyReferencesInPermissionSet",
					"sso:ListManagedPoliciesInPermissionSet",
				},
				Resource: []string{instance, permissionSets},
				Optional: true,
				Comment: "Only for usage insight's comparison of the actions used with what a permission set allows " +
					"(elevate insights): its inline policy and the names of its managed policies. Without them insight " +
					"still shows used and unused grants and suggests a policy from the actions used.",
			},
			{
				Sid:    "OptionalAuditRead",
				Effect: "Allow",
				Action: []string{
					"cloudtrail:StartQuery",
					"cloudtrail:DescribeQuery",
					"cloudtrail:GetQueryResults",
					"cloudtrail:CancelQuery",
					"logs:StartQuery",
					"logs:GetQueryResults",
					"logs:StopQuery",
					"logs:FilterLogEvents",
				},
				Resource: []string{
					arn("cloudtrail:*:*:eventdatastore/*"),
					arn("logs:*:*:log-group:*"),
				},
				Optional: true,
				Comment: "Only for the audit of what users did during a grant: CloudTrail Lake queries (narrow to the event data " +
					"store) or CloudWatch Logs Insights over a trail's log group (narrow to it). Not used by the Identity Center provider.",
			},
		},
	}
}
