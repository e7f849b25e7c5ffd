package web

import (
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// useView is the "now use it" step of an active request, for its
// requester: a console link per active account (the AWS access portal's
// shortcut) and a ready ~/.aws/config snippet.
type useView struct {
	Consoles []consoleLink
	Profile  string
	Session  string // the sso-session name, for `aws sso login --sso-session`
	Name     string // the first profile's name, for the example command
}

type consoleLink struct {
	Account string // "prod (4444 5555 6666)"
	URL     string
}

// useOf is the "now use it" step of q for actor, or nil: only the
// requester of active access gets it, and only with an access portal URL.
func (p *Portal) useOf(q *access.Request, actor access.Actor, names map[string]string) *useView {
	if p.o.AccessPortalURL == "" || q.Status != access.StatusActive || q.EndRequested() || q.RequesterID != actor.UserID {
		return nil
	}
	u := &useView{Session: say.SessionName}
	var profiles []say.Profile
	for _, g := range q.Grants {
		if g.Status != access.GrantActive {
			continue
		}
		u.Consoles = append(u.Consoles, consoleLink{Account: say.Account(names[g.AccountID], g.AccountID),
			URL: say.ConsoleURL(p.o.AccessPortalURL, g.AccountID, q.PermissionSetName)})
		profiles = append(profiles, say.Profile{AccountID: g.AccountID, AccountName: names[g.AccountID], RoleName: q.PermissionSetName, Region: p.ssoRegion()})
	}
	if len(profiles) == 0 {
		return nil
	}
	u.Profile = say.AWSConfig(p.o.AccessPortalURL, p.ssoRegion(), profiles...)
	u.Name = profiles[0].Name()
	return u
}

func (p *Portal) ssoRegion() string {
	if p.o.SSORegion == "" {
		return "us-east-1"
	}
	return p.o.SSORegion
}
