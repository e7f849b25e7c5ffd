package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
)

// awayService is the absence use cases; *workflow.Service satisfies it.
// A Service without them shows no absence section.
type awayService interface {
	GetAway(ctx context.Context, actor access.Actor) (access.Away, bool, error)
	SetAway(ctx context.Context, actor access.Actor, until time.Time, delegate string) (access.Away, error)
	ClearAway(ctx context.Context, actor access.Actor) error
}

// awayData is the profile's absence section.
type awayData struct {
	On       bool // the server serves absences
	Away     bool
	Until    time.Time
	Delegate string
	// Min is the earliest end the form offers (datetime-local, UTC).
	Min string
}

// askedBecause is why the actor, an approver of q, was asked: the
// submission or escalation that routed an away approver's part to them.
func askedBecause(evs []access.Event, actor access.Actor, q *access.Request) string {
	if !q.IsApprover(actor.UserID) {
		return ""
	}
	for _, ev := range evs {
		if why := notify.AskedBecause(ev, actor.UserID); why != "" {
			return why
		}
	}
	return ""
}

// awayLayout is the datetime-local input's form, read as UTC.
const awayLayout = "2006-01-02T15:04"

func (p *Portal) awayOf(ctx context.Context, actor access.Actor) (awayData, error) {
	s, ok := p.o.Service.(awayService)
	if !ok {
		return awayData{}, nil
	}
	a, active, err := s.GetAway(ctx, actor)
	if err != nil {
		return awayData{}, err
	}
	d := awayData{On: true, Min: time.Now().UTC().Format(awayLayout)}
	if active {
		d.Away, d.Until, d.Delegate = true, a.Until, a.DelegateName
	}
	return d, nil
}

// setAway serves POST /profile/away: away until a time (UTC), with a
// delegate who approves in the user's place.
func (p *Portal) setAway(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, ok := p.o.Service.(awayService)
	if !ok {
		return access.Errorf(access.CodeNotFound, "this server does not serve absences")
	}
	until, err := time.ParseInLocation(awayLayout, strings.TrimSpace(r.PostFormValue("until")), time.UTC)
	if err != nil {
		return p.renderProfile(w, r, actor, http.StatusBadRequest, profileData{}, "", "Away until must be a date and time (UTC).")
	}
	if _, err := s.SetAway(r.Context(), actor, until, r.PostFormValue("delegate")); err != nil {
		var ae *access.Error
		if errors.As(err, &ae) && (ae.Code == access.CodeInvalid || ae.Code == access.CodeNotFound || ae.Code == access.CodeUserDisabled) {
			return p.renderProfile(w, r, actor, http.StatusBadRequest, profileData{}, "", ae.Message)
		}
		return err
	}
	http.Redirect(w, r, "/profile?msg=away", http.StatusSeeOther)
	return nil
}

// clearAway serves POST /profile/away/clear.
func (p *Portal) clearAway(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, ok := p.o.Service.(awayService)
	if !ok {
		return access.Errorf(access.CodeNotFound, "this server does not serve absences")
	}
	if err := s.ClearAway(r.Context(), actor); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?msg=back", http.StatusSeeOther)
	return nil
}
