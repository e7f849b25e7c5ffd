package awsemu

// Input shapes of the implemented operations, transcribed from the botocore
// models in /work/shared/aws-models/*/service-2.json. Shape and member names
// follow the model so that this file can later be generated from it.
//
// Patterns are the model's, in RE2 syntax; the validator anchors them. The
// sso-admin Duration pattern uses a look-ahead that RE2 lacks and is not
// needed by any request member implemented here.

const (
	prefixSSOAdmin      = "SWBExternalService"
	prefixIdentityStore = "AWSIdentityStore"
	prefixOrganizations = "AWSOrganizationsV20161128"
)

// Model patterns shared by several shapes.
const (
	patInstanceArn      = `arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}`
	patPermissionSetArn = `arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}`
	patPrincipalID      = `([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`
	patUUID             = `\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b`
	patIdentityStoreID  = `d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	patSensitiveString  = `[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \x{00A0}\x{3000}]+`
	patAttributePath    = `(?:\p{L}+:\p{L}+:\p{L}+(?:\.\p{L}+){0,3}|\p{L}+(?:\.\p{L}+){0,2})`
	patExternalID       = `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`
	patOrgAccountID     = `^\d{12}$`
	patParentID         = `^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`
	patChildID          = `^(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`
	patPermissionSetNm  = `[\w+=,.@-]+`
	patPSDescription    = `[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*`
	patRegionName       = `([a-z]+-){2,3}\d`
	patOrgEmail         = `[^\s@]+@[^\s@]+\.[^\s@]+`
)

// modelShapes holds the named shapes that requests and the seed are checked
// against. It is built once per Emulator and never modified afterwards.
type modelShapes struct {
	// sso-admin
	InstanceArn      *shape
	PermissionSetArn *shape
	TargetID         *shape
	TargetType       *shape
	PrincipalType    *shape
	PrincipalID      *shape
	UUID             *shape
	SSOToken         *shape
	SSOMaxResults    *shape
	SSOAccountID     *shape
	StatusValues     *shape
	ProvisioningStat *shape
	PermissionSetNm  *shape
	PSDescription    *shape
	RegionName       *shape

	// identitystore
	IdentityStoreID *shape
	ResourceID      *shape
	IDSMaxResults   *shape
	IDSNextToken    *shape
	AttributePath   *shape
	SensitiveString *shape
	UserName        *shape
	MemberID        *shape

	// organizations
	OrgAccountID  *shape
	OrgNextToken  *shape
	OrgMaxResults *shape
	ParentID      *shape
	ChildID       *shape
	OrgEmail      *shape
	AccountName   *shape
	OUName        *shape
}

func newModelShapes() *modelShapes {
	m := &modelShapes{
		InstanceArn:      strShape(patInstanceArn, 10, 1224),
		PermissionSetArn: strShape(patPermissionSetArn, 10, 1224),
		TargetID:         strShape(`\d{12}`, 12, 12),
		TargetType:       enumShape("AWS_ACCOUNT"),
		PrincipalType:    enumShape("USER", "GROUP"),
		PrincipalID:      strShape(patPrincipalID, 1, 47),
		UUID:             strShape(patUUID, 36, 36),
		SSOToken:         strShape(`[-a-zA-Z0-9+=/_]*`, 0, 2048),
		SSOMaxResults:    intShape(1, 100),
		SSOAccountID:     strShape(`\d{12}`, 12, 12),
		StatusValues:     enumShape("IN_PROGRESS", "FAILED", "SUCCEEDED"),
		ProvisioningStat: enumShape("LATEST_PERMISSION_SET_PROVISIONED", "LATEST_PERMISSION_SET_NOT_PROVISIONED"),
		PermissionSetNm:  strShape(patPermissionSetNm, 1, 32),
		PSDescription:    strShape(patPSDescription, 1, 700),
		RegionName:       strShape(patRegionName, 1, 32),

		IdentityStoreID: strShape(patIdentityStoreID, 1, 36),
		ResourceID:      strShape(patPrincipalID, 1, 47),
		IDSMaxResults:   intShape(1, 100),
		IDSNextToken:    strShape(`[-a-zA-Z0-9+=/:_]*`, 1, 65535),
		AttributePath:   strShape(patAttributePath, 1, 255),
		SensitiveString: strShape(patSensitiveString, 1, 1024),
		UserName:        strShape(`[\p{L}\p{M}\p{S}\p{N}\p{P}]+`, 1, 128),

		OrgAccountID:  strShape(patOrgAccountID, -1, 12),
		OrgNextToken:  strShape(`[\s\S]*`, -1, 100000),
		OrgMaxResults: intShape(1, 20),
		ParentID:      strShape(patParentID, -1, 100),
		ChildID:       strShape(patChildID, -1, 100),
		OrgEmail:      strShape(patOrgEmail, 6, 64),
		AccountName:   strShape(`[\s\S]*`, 1, 128),
		OUName:        strShape(`[\s\S]*`, 1, 128),
	}
	m.MemberID = unionShape(map[string]*shape{"UserId": m.ResourceID})
	return m
}

// inputShapes returns, per X-Amz-Target, the input shape of every
// implemented operation.
func (m *modelShapes) inputShapes() map[string]*shape {
	sso := func(required []string, members map[string]*shape) *shape { return structShape(required, members) }
	assignment := sso(
		[]string{"InstanceArn", "TargetId", "TargetType", "PermissionSetArn", "PrincipalType", "PrincipalId"},
		map[string]*shape{
			"InstanceArn":      m.InstanceArn,
			"TargetId":         m.TargetID,
			"TargetType":       m.TargetType,
			"PermissionSetArn": m.PermissionSetArn,
			"PrincipalType":    m.PrincipalType,
			"PrincipalId":      m.PrincipalID,
		})
	statusList := sso([]string{"InstanceArn"}, map[string]*shape{
		"InstanceArn": m.InstanceArn,
		"MaxResults":  m.SSOMaxResults,
		"NextToken":   m.SSOToken,
		"Filter":      structShape(nil, map[string]*shape{"Status": m.StatusValues}),
	})
	filters := listShape(structShape([]string{"AttributePath", "AttributeValue"}, map[string]*shape{
		"AttributePath":  m.AttributePath,
		"AttributeValue": m.SensitiveString,
	}), 0, 1)
	extensions := listShape(strShape(`aws:identitystore:[a-z]{1,20}`, 1, 50), 1, 10)
	orgPage := map[string]*shape{"NextToken": m.OrgNextToken, "MaxResults": m.OrgMaxResults}
	withPage := func(extra map[string]*shape) map[string]*shape {
		out := map[string]*shape{"NextToken": m.OrgNextToken, "MaxResults": m.OrgMaxResults}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	return map[string]*shape{
		// sso-admin
		prefixSSOAdmin + ".ListInstances": sso(nil, map[string]*shape{
			"MaxResults": m.SSOMaxResults, "NextToken": m.SSOToken,
		}),
		prefixSSOAdmin + ".ListPermissionSets": sso([]string{"InstanceArn"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "MaxResults": m.SSOMaxResults, "NextToken": m.SSOToken,
		}),
		prefixSSOAdmin + ".DescribePermissionSet": sso([]string{"InstanceArn", "PermissionSetArn"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "PermissionSetArn": m.PermissionSetArn,
		}),
		prefixSSOAdmin + ".CreateAccountAssignment": assignment,
		prefixSSOAdmin + ".DeleteAccountAssignment": assignment,
		prefixSSOAdmin + ".DescribeAccountAssignmentCreationStatus": sso([]string{"InstanceArn", "AccountAssignmentCreationRequestId"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "AccountAssignmentCreationRequestId": m.UUID,
		}),
		prefixSSOAdmin + ".DescribeAccountAssignmentDeletionStatus": sso([]string{"InstanceArn", "AccountAssignmentDeletionRequestId"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "AccountAssignmentDeletionRequestId": m.UUID,
		}),
		prefixSSOAdmin + ".ListAccountAssignments": sso([]string{"InstanceArn", "AccountId", "PermissionSetArn"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "AccountId": m.TargetID, "PermissionSetArn": m.PermissionSetArn,
			"MaxResults": m.SSOMaxResults, "NextToken": m.SSOToken,
		}),
		prefixSSOAdmin + ".ListAccountAssignmentCreationStatus": statusList,
		prefixSSOAdmin + ".ListAccountAssignmentDeletionStatus": statusList,
		prefixSSOAdmin + ".ListAccountAssignmentsForPrincipal": sso([]string{"InstanceArn", "PrincipalId", "PrincipalType"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "PrincipalId": m.PrincipalID, "PrincipalType": m.PrincipalType,
			"Filter":     structShape(nil, map[string]*shape{"AccountId": m.SSOAccountID}),
			"MaxResults": m.SSOMaxResults, "NextToken": m.SSOToken,
		}),
		prefixSSOAdmin + ".ListPermissionSetsProvisionedToAccount": sso([]string{"InstanceArn", "AccountId"}, map[string]*shape{
			"InstanceArn": m.InstanceArn, "AccountId": m.SSOAccountID, "ProvisioningStatus": m.ProvisioningStat,
			"MaxResults": m.SSOMaxResults, "NextToken": m.SSOToken,
		}),

		// identitystore
		prefixIdentityStore + ".ListUsers": structShape([]string{"IdentityStoreId"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "Extensions": extensions,
			"MaxResults": m.IDSMaxResults, "NextToken": m.IDSNextToken, "Filters": filters,
		}),
		prefixIdentityStore + ".DescribeUser": structShape([]string{"IdentityStoreId", "UserId"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "UserId": m.ResourceID, "Extensions": extensions,
		}),
		prefixIdentityStore + ".ListGroups": structShape([]string{"IdentityStoreId"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "MaxResults": m.IDSMaxResults, "NextToken": m.IDSNextToken, "Filters": filters,
		}),
		prefixIdentityStore + ".DescribeGroup": structShape([]string{"IdentityStoreId", "GroupId"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "GroupId": m.ResourceID,
		}),
		prefixIdentityStore + ".ListGroupMemberships": structShape([]string{"IdentityStoreId", "GroupId"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "GroupId": m.ResourceID,
			"MaxResults": m.IDSMaxResults, "NextToken": m.IDSNextToken,
		}),
		prefixIdentityStore + ".ListGroupMembershipsForMember": structShape([]string{"IdentityStoreId", "MemberId"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "MemberId": m.MemberID,
			"MaxResults": m.IDSMaxResults, "NextToken": m.IDSNextToken,
		}),
		prefixIdentityStore + ".GetUserId": structShape([]string{"IdentityStoreId", "AlternateIdentifier"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID,
			"AlternateIdentifier": unionShape(map[string]*shape{
				"ExternalId": structShape([]string{"Issuer", "Id"}, map[string]*shape{
					"Issuer": strShape(patExternalID, 1, 256), "Id": strShape(patExternalID, 1, 256),
				}),
				"UniqueAttribute": structShape([]string{"AttributePath", "AttributeValue"}, map[string]*shape{
					"AttributePath": m.AttributePath, "AttributeValue": docShape(),
				}),
			}),
		}),
		prefixIdentityStore + ".IsMemberInGroups": structShape([]string{"IdentityStoreId", "MemberId", "GroupIds"}, map[string]*shape{
			"IdentityStoreId": m.IdentityStoreID, "MemberId": m.MemberID, "GroupIds": listShape(m.ResourceID, 1, 100),
		}),

		// organizations
		prefixOrganizations + ".DescribeOrganization":             structShape(nil, nil),
		prefixOrganizations + ".ListRoots":                        structShape(nil, orgPage),
		prefixOrganizations + ".ListAccounts":                     structShape(nil, orgPage),
		prefixOrganizations + ".ListOrganizationalUnitsForParent": structShape([]string{"ParentId"}, withPage(map[string]*shape{"ParentId": m.ParentID})),
		prefixOrganizations + ".ListAccountsForParent":            structShape([]string{"ParentId"}, withPage(map[string]*shape{"ParentId": m.ParentID})),
		prefixOrganizations + ".ListParents":                      structShape([]string{"ChildId"}, withPage(map[string]*shape{"ChildId": m.ChildID})),
		prefixOrganizations + ".DescribeAccount":                  structShape([]string{"AccountId"}, map[string]*shape{"AccountId": m.OrgAccountID}),
	}
}
