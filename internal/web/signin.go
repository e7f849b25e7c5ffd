package web

import (
	"net/http"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/auth"
)

type signInData struct {
	Next      string
	OIDC      bool
	SAML      bool
	DemoUsers []DemoUser
}

func (p *Portal) signInData(next string) signInData {
	return signInData{Next: auth.SafeNext(next), OIDC: p.oidc != nil, SAML: p.saml != nil, DemoUsers: p.o.DemoUsers}
}

// signInPage offers the configured sign-in methods.
func (p *Portal) signInPage(w http.ResponseWriter, r *http.Request) {
	v := view{Title: "Sign in", D: p.signInData(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("signed_out") == "1" {
		v.Notice = "You are signed out."
	}
	if p.oidc == nil && p.saml == nil && len(p.o.DemoUsers) == 0 {
		v.Error = "No sign-in method is configured: set auth.oidc or auth.saml in the configuration."
		if p.o.SignInLinks != nil {
			v.Error += " Until then, an operator can make a one-time sign-in link on the server's host: elevate signin-link --user NAME."
		}
	}
	p.render(w, http.StatusOK, "signin", v)
}

// demoSignIn signs in as the chosen demo user. It exists only in demo mode.
func (p *Portal) demoSignIn(w http.ResponseWriter, r *http.Request) {
	if len(p.o.DemoUsers) == 0 {
		p.fail(w, r, access.Actor{}, access.Errorf(access.CodeNotFound, "There is no page at %s.", r.URL.Path))
		return
	}
	user := r.PostFormValue("user")
	known := false
	for _, u := range p.o.DemoUsers {
		known = known || u.Name == user
	}
	if !known {
		p.signInFailed(w, r, access.Errorf(access.CodeInvalid, "%q is not a demo user", user))
		return
	}
	// Picking a name proves nothing about who is at the keyboard: a demo
	// session never counts as a multi-factor sign-in.
	if _, err := p.o.Sessions.SignIn(w, r, user, access.SignInProof{Method: "demo"}); err != nil {
		p.signInFailed(w, r, err)
		return
	}
	http.Redirect(w, r, auth.SafeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// linkSignIn consumes the one-time link ?t=SECRET and signs its user in;
// a refused link shows the sign-in page with the reason.
func (p *Portal) linkSignIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	actor, err := p.o.SignInLinks.UseSignInLink(r.Context(), r.URL.Query().Get("t"))
	if err != nil {
		p.signInFailed(w, r, err)
		return
	}
	// A one-time link is a bearer secret an operator handed over: it proves
	// no multi-factor authentication.
	if err := p.o.Sessions.StartFor(w, r, actor, access.SignInProof{Method: "link"}, actor.UserName); err != nil {
		p.signInFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signOut ends the session.
func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	if err := p.o.Sessions.SignOut(w, r); err != nil {
		p.log.WarnContext(r.Context(), "sign out", "error", err)
	}
	http.Redirect(w, r, "/signin?signed_out=1", http.StatusSeeOther)
}
