package aws

import (
	"context"
	"errors"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	"github.com/elevate/elevate/internal/access"
)

// ReadUser is the targeted re-read of one user that a directory event
// triggers: DescribeUser for the user's status, and
// ListGroupMembershipsForMember for the groups the user is a direct member
// of, through the identity store's limiter. found is false when the user
// no longer exists (then groupIDs is empty).
func (p *Provider) ReadUser(ctx context.Context, userID string) (u access.User, groupIDs []string, found bool, err error) {
	out, err := p.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{
		IdentityStoreId: awssdk.String(p.identityStoreID),
		UserId:          awssdk.String(userID),
	})
	var nf *idtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return access.User{ID: userID}, nil, false, nil
	}
	if err != nil {
		return access.User{}, nil, false, fmt.Errorf("re-read user %s: describe user: %w", userID, err)
	}
	u = access.User{
		ID:       awssdk.ToString(out.UserId),
		UserName: awssdk.ToString(out.UserName),
		Active:   out.UserStatus != idtypes.UserStatusDisabled,
	}
	pages := identitystore.NewListGroupMembershipsForMemberPaginator(p.ids, &identitystore.ListGroupMembershipsForMemberInput{
		IdentityStoreId: awssdk.String(p.identityStoreID),
		MemberId:        &idtypes.MemberIdMemberUserId{Value: userID},
		MaxResults:      awssdk.Int32(maxResultsIDs),
	})
	groupIDs = []string{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if errors.As(err, &nf) { // deleted between the two calls
			return access.User{ID: userID}, nil, false, nil
		}
		if err != nil {
			return access.User{}, nil, false, fmt.Errorf("re-read user %s: list group memberships: %w", userID, err)
		}
		for _, m := range page.GroupMemberships {
			groupIDs = append(groupIDs, awssdk.ToString(m.GroupId))
		}
	}
	return u, groupIDs, true, nil
}
