package api

import (
	"context"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
)

// AccountNamer names accounts by id; *workflow.Service satisfies it. A
// Service without it answers requests with their account ids only.
type AccountNamer interface {
	AccountNames(ctx context.Context, ids []string) (map[string]string, error)
}

// namedAccountJSON is one account of a request, named.
type namedAccountJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"` // "" when the directory does not know it
	Text string `json:"text"` // as people read it: "prod (4444 5555 6666)"
}

// useJSON is the "now use it" step of active access, for its requester:
// the console links (the AWS access portal's shortcut) and the
// ~/.aws/config profiles in the sso_session form.
type useJSON struct {
	StartURL   string        `json:"start_url"`
	SSORegion  string        `json:"sso_region"`
	SSOSession string        `json:"sso_session"`
	Consoles   []consoleJSON `json:"consoles"`
	Profiles   []profileJSON `json:"profiles"`
	// AWSConfig is the ready ~/.aws/config text: the sso-session section
	// and the profiles.
	AWSConfig string `json:"aws_config"`
}

type consoleJSON struct {
	AccountID string `json:"account_id"`
	Account   string `json:"account"` // "prod (4444 5555 6666)"
	URL       string `json:"url"`
}

type profileJSON struct {
	Name      string `json:"name"`
	AccountID string `json:"account_id"`
	RoleName  string `json:"role_name"`
	Region    string `json:"region"`
}

// WithAccessPortal turns on the "now use it" step of active requests:
// portalURL is the AWS access portal ("" leaves it off), ssoRegion the
// Identity Center region (default us-east-1).
func (a *API) WithAccessPortal(portalURL, ssoRegion string) *API {
	a.portalURL = strings.TrimRight(strings.TrimSpace(portalURL), "/")
	a.ssoRegion = ssoRegion
	if a.ssoRegion == "" {
		a.ssoRegion = "us-east-1"
	}
	return a
}

// accountNames names the accounts of reqs (nil when the service cannot, or
// on error: the ids still say which accounts).
func (a *API) accountNames(ctx context.Context, reqs ...*access.Request) map[string]string {
	n, ok := a.svc.(AccountNamer)
	if !ok {
		return nil
	}
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r.AccountIDs()...)
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := n.AccountNames(ctx, ids)
	if err != nil {
		a.log.WarnContext(ctx, "look up account names", "request_id", access.RequestIDFrom(ctx), "err", err.Error())
		return nil
	}
	return names
}

// named adds the accounts' names and, for the requester of active access,
// the "now use it" step to out.
func (a *API) named(ctx context.Context, out *requestJSON, req *access.Request, names map[string]string) {
	out.Accounts = make([]namedAccountJSON, 0, len(req.Grants))
	for _, id := range req.AccountIDs() {
		name := names[id]
		if name == id {
			name = ""
		}
		out.Accounts = append(out.Accounts, namedAccountJSON{ID: id, Name: name, Text: say.Account(name, id)})
	}
	actor, _ := access.ActorFrom(ctx)
	if a.portalURL == "" || req.Status != access.StatusActive || req.EndRequested() || actor.UserID == "" || actor.UserID != req.RequesterID {
		return
	}
	u := &useJSON{StartURL: a.portalURL, SSORegion: a.ssoRegion, SSOSession: say.SessionName, Consoles: []consoleJSON{}, Profiles: []profileJSON{}}
	var profiles []say.Profile
	for _, g := range req.Grants {
		if g.Status != access.GrantActive {
			continue
		}
		name := names[g.AccountID]
		if name == g.AccountID {
			name = ""
		}
		u.Consoles = append(u.Consoles, consoleJSON{AccountID: g.AccountID, Account: say.Account(name, g.AccountID),
			URL: say.ConsoleURL(a.portalURL, g.AccountID, req.PermissionSetName)})
		p := say.Profile{AccountID: g.AccountID, AccountName: name, RoleName: req.PermissionSetName, Region: a.ssoRegion}
		profiles = append(profiles, p)
		u.Profiles = append(u.Profiles, profileJSON{Name: p.Name(), AccountID: p.AccountID, RoleName: p.RoleName, Region: p.Region})
	}
	if len(profiles) == 0 {
		return
	}
	u.AWSConfig = say.AWSConfig(a.portalURL, a.ssoRegion, profiles...)
	out.Use = u
}
