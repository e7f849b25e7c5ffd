package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/say"
)

// cmdAWSConfig prints ~/.aws/config profiles (sso_session form) for the
// caller's active access: every active request of theirs, or the one named.
func cmdAWSConfig(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "aws-config")
	cf := addClientFlags(fs, env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr("give at most one request id: elevate aws-config [ID]")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var reqs []client.Request
	if len(pos) == 1 {
		r, err := c.GetRequest(ctx, pos[0])
		if err != nil {
			return cf.explain(err)
		}
		if r.Status != client.StatusActive {
			return fmt.Errorf("request %s is %s, not active: profiles are for active access (see `elevate show %s`)", r.ID, r.Status, r.ID)
		}
		reqs = []client.Request{*r}
	} else {
		if reqs, err = c.ListRequests(ctx, client.ListOptions{Scope: "mine", Statuses: []client.Status{client.StatusActive}}); err != nil {
			return cf.explain(err)
		}
		if len(reqs) == 0 {
			return errors.New("you have no active access: request it with `elevate request`, then run `elevate aws-config` again")
		}
	}
	var (
		profiles []say.Profile
		wire     []client.AWSProfile
		use      *client.Use
	)
	for i := range reqs {
		u := reqs[i].Use
		if u == nil {
			continue
		}
		use = u
		wire = append(wire, u.Profiles...)
		for _, p := range u.Profiles {
			profiles = append(profiles, say.Profile{AccountID: p.AccountID, AccountName: nameOf(&reqs[i], p.AccountID),
				RoleName: p.RoleName, Region: p.Region})
		}
	}
	if use == nil {
		if len(pos) == 1 {
			return fmt.Errorf("no profile for request %s: profiles are for your own active access, and the server needs aws.access_portal_url (ask an admin)", reqs[0].ID)
		}
		return errors.New("no profiles: the server does not know the AWS access portal; an admin sets aws.access_portal_url")
	}
	text := say.AWSConfig(use.StartURL, use.SSORegion, profiles...)
	if cf.json {
		return cf.printJSON(struct {
			Profiles  []client.AWSProfile `json:"profiles"`
			AWSConfig string              `json:"aws_config"`
		}{wire, text})
	}
	fmt.Fprint(env.Stdout, text)
	return nil
}

// nameOf is the account's name in r ("" when unknown).
func nameOf(r *client.Request, id string) string {
	for _, a := range r.Accounts {
		if a.ID == id {
			return a.Name
		}
	}
	return ""
}
