package web

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// approverMFA says whether approving request id needs a recent
// multi-factor sign-in (its rule's approver_mfa.max_age) and whether the
// actor's sign-in falls short of it, so that the page can say that Approve
// sends them through a fresh sign-in first. The workflow decides again
// when they approve.
func (p *Portal) approverMFA(ctx context.Context, actor access.Actor, id string) (time.Duration, bool, error) {
	maxAge, err := p.o.Service.ApproverMFA(ctx, actor, id)
	if err != nil || maxAge <= 0 {
		return 0, false, err
	}
	return maxAge, access.CheckApproverMFA(actor, id, maxAge, p.o.Now()) != nil, nil
}

// stepUpURL is where an approver whose sign-in is not fresh enough for
// request id goes: the sign-in they used (OIDC when it was not SAML) with
// max_age set to the rule's approver_mfa.max_age, coming back to the
// request. "" when no identity provider is configured (the demo).
func (p *Portal) stepUpURL(maxAge time.Duration, actor access.Actor, id string) string {
	path := ""
	switch {
	case p.saml != nil && (actor.SignIn.Method == "saml" || p.oidc == nil):
		path = "/auth/saml/login"
	case p.oidc != nil:
		path = "/auth/oidc/login"
	default:
		return ""
	}
	q := url.Values{"next": {"/requests/" + url.PathEscape(id) + "?msg=mfa"}, "max_age": {strconv.Itoa(int(maxAge / time.Second))}}
	return path + "?" + q.Encode()
}
