package aws

import (
	"context"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"

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

// FetchDirectory reads the whole directory into memory (StreamDirectory,
// collected). Fine for small organizations and tests; the directory sync
// streams instead.
func (p *Provider) FetchDirectory(ctx context.Context) (access.Directory, error) {
	var dir access.Directory
	err := p.StreamDirectory(ctx, func(_ context.Context, page access.Directory) error {
		dir.Accounts = append(dir.Accounts, page.Accounts...)
		dir.OUs = append(dir.OUs, page.OUs...)
		dir.PermissionSets = append(dir.PermissionSets, page.PermissionSets...)
		dir.Users = append(dir.Users, page.Users...)
		dir.Groups = append(dir.Groups, page.Groups...)
		dir.Memberships = append(dir.Memberships, page.Memberships...)
		return nil
	})
	if err != nil {
		return access.Directory{}, err
	}
	return dir, nil
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
