package say

import (
	"net/url"
	"strings"
)

// ConsoleURL is the AWS access portal's shortcut link that signs the user
// in to the console of accountID with the permission set roleName:
// <portal>/#/console?account_id=…&role_name=…. portal is the access
// portal URL ("https://d-1234567890.awsapps.com/start"); "" gives "".
func ConsoleURL(portal, accountID, roleName string) string {
	portal = strings.TrimRight(strings.TrimSpace(portal), "/")
	if portal == "" {
		return ""
	}
	q := "account_id=" + url.QueryEscape(accountID) + "&role_name=" + url.QueryEscape(roleName)
	return portal + "/#/console?" + q
}

// SessionName is the name of the sso-session section the profiles share.
const SessionName = "elevate"

// Profile is one ~/.aws/config profile for an account and permission set.
type Profile struct {
	AccountID   string
	AccountName string
	RoleName    string // the permission set's name
	Region      string // the profile's default region ("" leaves it out)
}

// Name is the profile's name: the account's name (else its id) and the
// permission set, with anything but letters, digits, '-', '_' and '.'
// replaced by '-': "prod-AdministratorAccess".
func (p Profile) Name() string {
	acct := p.AccountName
	if acct == "" {
		acct = p.AccountID
	}
	return clean(acct) + "-" + clean(p.RoleName)
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}

// Section is p's [profile …] section in the sso_session form.
func (p Profile) Section() string {
	var b strings.Builder
	b.WriteString("[profile " + p.Name() + "]\n")
	b.WriteString("sso_session = " + SessionName + "\n")
	b.WriteString("sso_account_id = " + p.AccountID + "\n")
	b.WriteString("sso_role_name = " + p.RoleName + "\n")
	if p.Region != "" {
		b.WriteString("region = " + p.Region + "\n")
	}
	return b.String()
}

// SessionSection is the [sso-session elevate] section the profiles name:
// the access portal (start URL) and the Identity Center region.
func SessionSection(startURL, ssoRegion string) string {
	return "[sso-session " + SessionName + "]\n" +
		"sso_start_url = " + strings.TrimRight(strings.TrimSpace(startURL), "/") + "\n" +
		"sso_region = " + ssoRegion + "\n" +
		"sso_registration_scopes = sso:account:access\n"
}

// AWSConfig is a ready ~/.aws/config snippet: the sso-session section and
// one profile per entry, blank lines between; after `aws sso login
// --sso-session elevate`, `aws --profile <name>` uses the access.
func AWSConfig(startURL, ssoRegion string, profiles ...Profile) string {
	parts := []string{SessionSection(startURL, ssoRegion)}
	for _, p := range profiles {
		parts = append(parts, p.Section())
	}
	return strings.Join(parts, "\n")
}
