package notify

import (
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// Use is the "now use it" step of a message that tells the requester their
// access is active: a console link per account (the AWS access portal's
// shortcut) and a ready ~/.aws/config snippet in the sso_session form.
type Use struct {
	Consoles []Console
	// Profile is the ~/.aws/config text: the sso-session section and one
	// profile per account.
	Profile string
}

// Console is the console link of one account.
type Console struct {
	Account string // as people read it: "prod (4444 5555 6666)"
	URL     string
}

// UseOf is the "now use it" step for r's active grants (every account of
// r when none is active yet), given the access portal URL, the Identity
// Center region and account names; nil without a portal URL.
func UseOf(portalURL, ssoRegion string, r access.Request, accounts map[string]string) *Use {
	if portalURL == "" {
		return nil
	}
	u := &Use{}
	var profiles []say.Profile
	ids := activeAccounts(r)
	for _, id := range ids {
		u.Consoles = append(u.Consoles, Console{Account: say.Account(accounts[id], id), URL: say.ConsoleURL(portalURL, id, r.PermissionSetName)})
		profiles = append(profiles, say.Profile{AccountID: id, AccountName: accounts[id], RoleName: r.PermissionSetName, Region: ssoRegion})
	}
	u.Profile = say.AWSConfig(portalURL, ssoRegion, profiles...)
	return u
}

// activeAccounts are the accounts of r's active grants, or all of r's
// accounts when none is active.
func activeAccounts(r access.Request) []string {
	var ids []string
	for _, g := range r.Grants {
		if g.Status == access.GrantActive {
			ids = append(ids, g.AccountID)
		}
	}
	if len(ids) == 0 {
		return r.AccountIDs()
	}
	return ids
}

// voiceFor is how a channel says times: Slack's date tokens on Slack (each
// reader sees their own zone), on email the recipient's chosen zone, else
// the email zone; UTC elsewhere.
func (c Config) voiceFor(channel string, accounts map[string]string, zone *time.Location) Voice {
	v := Voice{Accounts: accounts, Loc: time.UTC}
	switch channel {
	case ChannelSlack, ChannelSlackUpdate, ChannelSlackAudit:
		v.Slack = true
	case ChannelEmail:
		switch {
		case zone != nil:
			v.Loc = zone
		case c.EmailZone != nil:
			v.Loc = c.EmailZone
		}
	}
	return v
}
