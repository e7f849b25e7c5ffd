package web

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

type profileData struct {
	Tokens    []access.Token
	NewSecret string
	NewName   string
	// ZoneChosen: the user chose the zone times show in (not the browser's).
	ZoneChosen bool
	// Attributes are the directory attributes rules' user conditions
	// compare, by name.
	Attributes []attribute
	// GroupNames are the user's groups in the directory, by name.
	GroupNames []string
	Away       awayData
}

type attribute struct{ Name, Value string }

func (p *Portal) renderProfile(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, d profileData, notice, errMsg string) error {
	toks, err := p.o.Service.ListTokens(r.Context(), actor)
	if err != nil {
		return err
	}
	d.Tokens = toks
	d.ZoneChosen = zoneChosen(w)
	if d.GroupNames, err = p.o.Service.GroupNamesOfUser(r.Context(), actor); err != nil {
		return err
	}
	attrs, err := p.o.Service.DirectoryAttributes(r.Context(), actor)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		d.Attributes = append(d.Attributes, attribute{Name: k, Value: attrs[k]})
	}
	if d.Away, err = p.awayOf(r.Context(), actor); err != nil {
		return err
	}
	p.render(w, status, "profile", view{Title: "Profile", Nav: "profile", Actor: actor, SignedIn: true, Notice: notice, Error: errMsg, D: d})
	return nil
}

// profile serves GET /profile.
func (p *Portal) profile(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	notice := ""
	switch r.URL.Query().Get("msg") {
	case "revoked":
		notice = "The token was revoked."
	case "tz":
		notice = "Your time zone is saved."
	case "away":
		notice = "You are away: your delegate approves in your place until then."
	case "back":
		notice = "You are back: requests ask you to approve again."
	}
	return p.renderProfile(w, r, actor, http.StatusOK, profileData{}, notice, "")
}

// createToken serves POST /profile/tokens. The secret is shown once, in
// this response (never stored, never in a URL).
func (p *Portal) createToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("expires_days")))
	if err != nil || days < 0 || days > 366 {
		return p.renderProfile(w, r, actor, http.StatusBadRequest, profileData{}, "", "Expiry must be a number of days from 0 (never) to 366.")
	}
	secret, tok, err := p.o.Service.CreateToken(r.Context(), actor.UserName, name, time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	return p.renderProfile(w, r, actor, http.StatusOK, profileData{NewSecret: secret, NewName: tok.Name}, "", "")
}

// revokeToken serves POST /profile/tokens/{id}/revoke.
func (p *Portal) revokeToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := p.o.Service.RevokeToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?msg=revoked", http.StatusSeeOther)
	return nil
}
