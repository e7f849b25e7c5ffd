package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// ListUserAssignments reads one page of ListAccountAssignments for
// (accountID, permissionSetARN) and returns the ids of the users assigned
// directly (group assignments are left out) and the token of the next page
// ("" after the last). Reconciliation calls it page by page so that it can
// pace its reads. A permission set or account that does not exist
// (ResourceNotFoundException) has no assignments.
func (p *Provider) ListUserAssignments(ctx context.Context, accountID, permissionSetARN, nextToken string) (userIDs []string, next string, err error) {
	in := &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn:      awssdk.String(p.instanceARN),
		AccountId:        awssdk.String(accountID),
		PermissionSetArn: awssdk.String(permissionSetARN),
		MaxResults:       awssdk.Int32(maxResultsSSO),
	}
	if nextToken != "" {
		in.NextToken = awssdk.String(nextToken)
	}
	out, err := p.sso.ListAccountAssignments(ctx, in)
	if err != nil {
		if errorCode(err) == codeNotFound {
			return nil, "", nil
		}
		return nil, "", fmt.Errorf("list account assignments of account %s, permission set %s: %w", accountID, permissionSetARN, err)
	}
	for _, as := range out.AccountAssignments {
		if as.PrincipalType == ssotypes.PrincipalTypeUser {
			userIDs = append(userIDs, awssdk.ToString(as.PrincipalId))
		}
	}
	return userIDs, awssdk.ToString(out.NextToken), nil
}
