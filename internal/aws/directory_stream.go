package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/elevate/elevate/internal/access"
)

// StreamDirectory reads the whole directory and hands it to emit one AWS
// page at a time, so that memory stays bounded by a page whatever the size
// of the organization: the organization's roots, OUs and accounts (walking
// the tree from each root), the instance's permission sets (each
// described), the identity store's users, and its groups, each page of
// groups followed by the memberships of those groups. An error from emit
// stops the walk and is returned as is.
//
// Roots are emitted as OUs without a ParentID. Calls are made one at a
// time through the provider's per-service limiters (sso-admin's shared
// one, identitystore's, organizations').
//
// First it reads which account is the management account and whether
// elevate runs there or as a delegated administrator (readManagementFacts).
// When delegated, the management account and the permission sets
// provisioned to it carry a Limit, the reason AWS will not let elevate
// assign them. A permission set that DescribePermissionSet refuses
// (AccessDenied) is still emitted, by ARN, with a Limit saying so (its
// name is the one a previous sync read, kept by the caller); one it no
// longer finds is left out, with a warning, as are groups deleted while
// their members are read.
func (p *Provider) StreamDirectory(ctx context.Context, emit func(context.Context, access.Directory) error) error {
	start := time.Now()
	facts := p.readManagementFacts(ctx)
	if err := p.streamOrganization(ctx, facts, emit); err != nil {
		return err
	}
	if err := p.streamPermissionSets(ctx, facts, emit); err != nil {
		return err
	}
	if err := p.streamUsers(ctx, emit); err != nil {
		return err
	}
	if err := p.streamGroups(ctx, emit); err != nil {
		return err
	}
	p.log.Info("read directory", "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// streamOrganization walks the organization breadth first from its roots.
// The queue holds OU ids only (thousands at most).
func (p *Provider) streamOrganization(ctx context.Context, facts managementFacts, emit func(context.Context, access.Directory) error) error {
	var queue []string // parents whose children are still to be read
	roots := organizations.NewListRootsPaginator(p.org, &organizations.ListRootsInput{MaxResults: awssdk.Int32(maxResultsOrg)})
	for roots.HasMorePages() {
		page, err := roots.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read directory: list organization roots: %w", err)
		}
		var out access.Directory
		for _, r := range page.Roots {
			id := awssdk.ToString(r.Id)
			out.OUs = append(out.OUs, access.OU{ID: id, Name: awssdk.ToString(r.Name)})
			queue = append(queue, id)
		}
		if err := emit(ctx, out); err != nil {
			return err
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
				return fmt.Errorf("read directory: list OUs of %s: %w", parent, err)
			}
			var out access.Directory
			for _, ou := range page.OrganizationalUnits {
				id := awssdk.ToString(ou.Id)
				out.OUs = append(out.OUs, access.OU{ID: id, Name: awssdk.ToString(ou.Name), ParentID: parent})
				queue = append(queue, id)
			}
			if err := emit(ctx, out); err != nil {
				return err
			}
		}
		accts := organizations.NewListAccountsForParentPaginator(p.org,
			&organizations.ListAccountsForParentInput{ParentId: awssdk.String(parent), MaxResults: awssdk.Int32(maxResultsOrg)})
		for accts.HasMorePages() {
			page, err := accts.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("read directory: list accounts of %s: %w", parent, err)
			}
			var out access.Directory
			for _, a := range page.Accounts {
				out.Accounts = append(out.Accounts, access.Account{
					ID:       awssdk.ToString(a.Id),
					Name:     awssdk.ToString(a.Name),
					Email:    awssdk.ToString(a.Email),
					State:    string(a.State),
					ParentID: parent,
					Limit:    facts.accountLimit(awssdk.ToString(a.Id)),
				})
			}
			if err := emit(ctx, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// streamPermissionSets lists the instance's permission sets a page at a
// time and describes each (for its name and session duration).
func (p *Provider) streamPermissionSets(ctx context.Context, facts managementFacts, emit func(context.Context, access.Directory) error) error {
	pages := ssoadmin.NewListPermissionSetsPaginator(p.sso, &ssoadmin.ListPermissionSetsInput{
		InstanceArn: awssdk.String(p.instanceARN),
		MaxResults:  awssdk.Int32(maxResultsSSO),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read directory: list permission sets: %w", err)
		}
		var out access.Directory
		for _, arn := range page.PermissionSets {
			set, ok, err := p.describePermissionSet(ctx, arn)
			if err != nil {
				return err
			}
			if ok {
				// Provisioned to the management account is the more precise
				// reason when AWS also refused to describe it.
				if l := facts.permissionSetLimit(arn); l != "" {
					set.Limit = l
				}
				out.PermissionSets = append(out.PermissionSets, set)
			}
		}
		if err := emit(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// describePermissionSet reads one permission set; ok is false when AWS no
// longer has it (logged). One AWS refuses to describe is returned by ARN
// with LimitNotDescribable.
func (p *Provider) describePermissionSet(ctx context.Context, arn string) (access.PermissionSet, bool, error) {
	out, err := p.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
		InstanceArn:      awssdk.String(p.instanceARN),
		PermissionSetArn: awssdk.String(arn),
	})
	switch errorCode(err) {
	case codeAccessDenied:
		p.log.Info("permission set cannot be described: kept by ARN, not usable", "permission_set_arn", arn, "reason", errorMessage(err))
		return access.PermissionSet{ARN: arn, Limit: access.LimitNotDescribable}, true, nil
	case codeNotFound:
		p.log.Warn("skipping permission set", "permission_set_arn", arn, "reason", errorMessage(err))
		return access.PermissionSet{}, false, nil
	}
	if err != nil {
		return access.PermissionSet{}, false, fmt.Errorf("read directory: describe permission set %s: %w", arn, err)
	}
	if out.PermissionSet == nil {
		return access.PermissionSet{}, false, fmt.Errorf("read directory: describe permission set %s: AWS returned no permission set", arn)
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
	return set, true, nil
}

// streamUsers lists the identity store's users a page at a time.
func (p *Provider) streamUsers(ctx context.Context, emit func(context.Context, access.Directory) error) error {
	pages := identitystore.NewListUsersPaginator(p.ids, &identitystore.ListUsersInput{
		IdentityStoreId: awssdk.String(p.identityStoreID),
		MaxResults:      awssdk.Int32(maxResultsIDs),
		// The same pages, with the enterprise extension's attributes
		// (department, cost center, ...) that rules' user conditions name.
		Extensions: []string{EnterpriseExtension},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read directory: list users: %w", err)
		}
		var out access.Directory
		for _, u := range page.Users {
			out.Users = append(out.Users, access.User{
				ID:          awssdk.ToString(u.UserId),
				UserName:    awssdk.ToString(u.UserName),
				DisplayName: displayName(u),
				Email:       primaryEmail(u.Emails),
				Active:      u.UserStatus != idtypes.UserStatusDisabled,
				Attributes:  p.userAttributes(u),
			})
		}
		if err := emit(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// streamGroups lists the groups a page at a time; after each page, the
// direct members of its groups, a page of memberships at a time.
func (p *Provider) streamGroups(ctx context.Context, emit func(context.Context, access.Directory) error) error {
	pages := identitystore.NewListGroupsPaginator(p.ids, &identitystore.ListGroupsInput{
		IdentityStoreId: awssdk.String(p.identityStoreID),
		MaxResults:      awssdk.Int32(maxResultsIDs),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read directory: list groups: %w", err)
		}
		var out access.Directory
		for _, g := range page.Groups {
			out.Groups = append(out.Groups, access.Group{ID: awssdk.ToString(g.GroupId), Name: awssdk.ToString(g.DisplayName)})
		}
		if err := emit(ctx, out); err != nil {
			return err
		}
		for _, g := range out.Groups {
			if err := p.streamMembers(ctx, g, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// streamMembers lists one group's direct members.
func (p *Provider) streamMembers(ctx context.Context, g access.Group, emit func(context.Context, access.Directory) error) error {
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
			return nil
		}
		if err != nil {
			return fmt.Errorf("read directory: list members of group %s (%s): %w", g.ID, g.Name, err)
		}
		var out access.Directory
		for _, m := range page.GroupMemberships {
			if u, ok := m.MemberId.(*idtypes.MemberIdMemberUserId); ok && u.Value != "" {
				out.Memberships = append(out.Memberships, access.Membership{GroupID: g.ID, UserID: u.Value})
			}
		}
		if len(out.Memberships) > 0 {
			if err := emit(ctx, out); err != nil {
				return err
			}
		}
	}
	return nil
}
