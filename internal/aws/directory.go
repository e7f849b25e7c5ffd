package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/elevate/elevate/internal/access"
)

// defaultSessionDuration is AWS's session duration of a permission set that
// does not set one.
const defaultSessionDuration = time.Hour

// Largest page sizes the services accept.
const (
	maxResultsSSO = 100 // sso-admin
	maxResultsIDs = 100 // identitystore
	maxResultsOrg = 20  // organizations
)

// FetchDirectory reads the whole directory: the organization's roots, OUs
// and accounts (walking the tree from each root), the instance's permission
// sets, and the identity store's users, groups and group memberships.
//
// Roots are returned as OUs without a ParentID. Calls are made one at a
// time, to stay well within Identity Center's collective 20 TPS. Permission
// sets that DescribePermissionSet refuses (AccessDenied: provisioned to the
// management account, seen from a delegated administrator) or no longer
// finds are left out, with a warning.
func (p *Provider) FetchDirectory(ctx context.Context) (access.Directory, error) {
	var dir access.Directory
	var err error
	start := time.Now()
	if dir.OUs, dir.Accounts, err = p.fetchOrganization(ctx); err != nil {
		return access.Directory{}, err
	}
	if dir.PermissionSets, err = p.fetchPermissionSets(ctx); err != nil {
		return access.Directory{}, err
	}
	if dir.Users, err = p.fetchUsers(ctx); err != nil {
		return access.Directory{}, err
	}
	if dir.Groups, dir.Memberships, err = p.fetchGroups(ctx); err != nil {
		return access.Directory{}, err
	}
	p.log.Info("fetched directory", "accounts", len(dir.Accounts), "ous", len(dir.OUs),
		"permission_sets", len(dir.PermissionSets), "users", len(dir.Users), "groups", len(dir.Groups),
		"memberships", len(dir.Memberships), "duration", time.Since(start).Round(time.Millisecond))
	return dir, nil
}

// fetchOrganization walks the organization breadth first from its roots.
func (p *Provider) fetchOrganization(ctx context.Context) ([]access.OU, []access.Account, error) {
	var ous []access.OU
	var accounts []access.Account
	var queue []string // parents whose children are still to be read
	roots := organizations.NewListRootsPaginator(p.org, &organizations.ListRootsInput{MaxResults: awssdk.Int32(maxResultsOrg)})
	for roots.HasMorePages() {
		page, err := roots.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("fetch directory: list organization roots: %w", err)
		}
		for _, r := range page.Roots {
			id := awssdk.ToString(r.Id)
			ous = append(ous, access.OU{ID: id, Name: awssdk.ToString(r.Name)})
			queue = append(queue, id)
		}
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		if seen[parent] {
			continue
		}
		seen[parent] = true
		children := organizations.NewListOrganizationalUnitsForParentPaginator(p.org,
			&organizations.ListOrganizationalUnitsForParentInput{ParentId: awssdk.String(parent), MaxResults: awssdk.Int32(maxResultsOrg)})
		for children.HasMorePages() {
			page, err := children.NextPage(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("fetch directory: list OUs of %s: %w", parent, err)
			}
			for _, ou := range page.OrganizationalUnits {
				id := awssdk.ToString(ou.Id)
				ous = append(ous, access.OU{ID: id, Name: awssdk.ToString(ou.Name), ParentID: parent})
				queue = append(queue, id)
			}
		}
		accts := organizations.NewListAccountsForParentPaginator(p.org,
			&organizations.ListAccountsForParentInput{ParentId: awssdk.String(parent), MaxResults: awssdk.Int32(maxResultsOrg)})
		for accts.HasMorePages() {
			page, err := accts.NextPage(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("fetch directory: list accounts of %s: %w", parent, err)
			}
			for _, a := range page.Accounts {
				accounts = append(accounts, access.Account{
					ID:       awssdk.ToString(a.Id),
					Name:     awssdk.ToString(a.Name),
					Email:    awssdk.ToString(a.Email),
					State:    string(a.State),
					ParentID: parent,
				})
			}
		}
	}
	return ous, accounts, nil
}

// fetchPermissionSets lists the instance's permission sets and describes
// each.
func (p *Provider) fetchPermissionSets(ctx context.Context) ([]access.PermissionSet, error) {
	var arns []string
	pages := ssoadmin.NewListPermissionSetsPaginator(p.sso, &ssoadmin.ListPermissionSetsInput{
		InstanceArn: awssdk.String(p.instanceARN),
		MaxResults:  awssdk.Int32(maxResultsSSO),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("fetch directory: list permission sets: %w", err)
		}
		arns = append(arns, page.PermissionSets...)
	}
	sets := make([]access.PermissionSet, 0, len(arns))
	for _, arn := range arns {
		out, err := p.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
			InstanceArn:      awssdk.String(p.instanceARN),
			PermissionSetArn: awssdk.String(arn),
		})
		if code := errorCode(err); code == codeAccessDenied || code == codeNotFound {
			p.log.Warn("skipping permission set", "permission_set_arn", arn, "reason", errorMessage(err))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fetch directory: describe permission set %s: %w", arn, err)
		}
		if out.PermissionSet == nil {
			return nil, fmt.Errorf("fetch directory: describe permission set %s: AWS returned no permission set", arn)
		}
		ps := out.PermissionSet
		set := access.PermissionSet{
			ARN:             arn,
			Name:            awssdk.ToString(ps.Name),
			Description:     awssdk.ToString(ps.Description),
			SessionDuration: defaultSessionDuration,
		}
		if s := awssdk.ToString(ps.SessionDuration); s != "" {
			d, err := parseISODuration(s)
			if err != nil {
				// One odd value should not stop the sync of everything else.
				p.log.Warn("permission set has an unreadable session duration", "permission_set_arn", arn, "error", err)
				d = 0
			}
			set.SessionDuration = d
		}
		sets = append(sets, set)
	}
	return sets, nil
}

// fetchUsers lists the identity store's users.
func (p *Provider) fetchUsers(ctx context.Context) ([]access.User, error) {
	var users []access.User
	pages := identitystore.NewListUsersPaginator(p.ids, &identitystore.ListUsersInput{
		IdentityStoreId: awssdk.String(p.identityStoreID),
		MaxResults:      awssdk.Int32(maxResultsIDs),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("fetch directory: list users: %w", err)
		}
		for _, u := range page.Users {
			users = append(users, access.User{
				ID:          awssdk.ToString(u.UserId),
				UserName:    awssdk.ToString(u.UserName),
				DisplayName: displayName(u),
				Email:       primaryEmail(u.Emails),
				Active:      u.UserStatus != idtypes.UserStatusDisabled,
			})
		}
	}
	return users, nil
}

// fetchGroups lists the identity store's groups and their direct members.
func (p *Provider) fetchGroups(ctx context.Context) ([]access.Group, []access.Membership, error) {
	var groups []access.Group
	pages := identitystore.NewListGroupsPaginator(p.ids, &identitystore.ListGroupsInput{
		IdentityStoreId: awssdk.String(p.identityStoreID),
		MaxResults:      awssdk.Int32(maxResultsIDs),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("fetch directory: list groups: %w", err)
		}
		for _, g := range page.Groups {
			groups = append(groups, access.Group{ID: awssdk.ToString(g.GroupId), Name: awssdk.ToString(g.DisplayName)})
		}
	}
	var members []access.Membership
	for _, g := range groups {
		pages := identitystore.NewListGroupMembershipsPaginator(p.ids, &identitystore.ListGroupMembershipsInput{
			IdentityStoreId: awssdk.String(p.identityStoreID),
			GroupId:         awssdk.String(g.ID),
			MaxResults:      awssdk.Int32(maxResultsIDs),
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if errorCode(err) == codeNotFound {
				// Deleted since it was listed: its memberships went with it.
				p.log.Warn("group vanished while reading its members", "group_id", g.ID, "reason", errorMessage(err))
				break
			}
			if err != nil {
				return nil, nil, fmt.Errorf("fetch directory: list members of group %s (%s): %w", g.ID, g.Name, err)
			}
			for _, m := range page.GroupMemberships {
				if u, ok := m.MemberId.(*idtypes.MemberIdMemberUserId); ok && u.Value != "" {
					members = append(members, access.Membership{GroupID: g.ID, UserID: u.Value})
				}
			}
		}
	}
	return groups, members, nil
}

// primaryEmail returns the primary email address, else the first one.
func primaryEmail(emails []idtypes.Email) string {
	for _, e := range emails {
		if e.Primary && awssdk.ToString(e.Value) != "" {
			return awssdk.ToString(e.Value)
		}
	}
	for _, e := range emails {
		if v := awssdk.ToString(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// displayName returns the user's display name, else their formatted or
// given and family names, else their user name.
func displayName(u idtypes.User) string {
	if s := strings.TrimSpace(awssdk.ToString(u.DisplayName)); s != "" {
		return s
	}
	if u.Name != nil {
		if s := strings.TrimSpace(awssdk.ToString(u.Name.Formatted)); s != "" {
			return s
		}
		if s := strings.TrimSpace(awssdk.ToString(u.Name.GivenName) + " " + awssdk.ToString(u.Name.FamilyName)); s != "" {
			return s
		}
	}
	return awssdk.ToString(u.UserName)
}
