package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// Away is an approver's "away until, delegate to"; *workflow.Service
// satisfies it.
type Away interface {
	GetAway(ctx context.Context, actor access.Actor) (access.Away, bool, error)
	SetAway(ctx context.Context, actor access.Actor, until time.Time, delegate string) (access.Away, error)
	ClearAway(ctx context.Context, actor access.Actor) error
}

var _ Away = (*workflow.Service)(nil)

// WithAway serves /me/away from s, and returns a.
func (a *API) WithAway(s Away) *API {
	a.away = s
	return a
}

// awayJSON is the caller's absence.
type awayJSON struct {
	Away       bool       `json:"away"`
	Until      *time.Time `json:"until"`
	Delegate   string     `json:"delegate"`
	DelegateID string     `json:"delegate_id"`
}

// awayBody is PUT /me/away's body.
type awayBody struct {
	Until    string `json:"until"`
	Delegate string `json:"delegate"`
}

func (a *API) awayService() (Away, error) {
	if a.away == nil {
		return nil, access.Errorf(access.CodeNotFound, "this server does not serve absences")
	}
	return a.away, nil
}

func toAway(w access.Away, active bool) awayJSON {
	if !active {
		return awayJSON{}
	}
	until := w.Until.UTC()
	return awayJSON{Away: true, Until: &until, Delegate: w.DelegateName, DelegateID: w.DelegateID}
}

// getAway serves GET /api/v1/me/away.
func (a *API) getAway(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.awayService()
	if err != nil {
		return err
	}
	aw, active, err := s.GetAway(r.Context(), actor)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, toAway(aw, active))
	return nil
}

// putAway serves PUT /api/v1/me/away.
func (a *API) putAway(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.awayService()
	if err != nil {
		return err
	}
	var body awayBody
	if err := decodeBody(w, r, &body, false); err != nil {
		return err
	}
	until, err := time.Parse(time.RFC3339, strings.TrimSpace(body.Until))
	if err != nil {
		return access.Errorf(access.CodeInvalid, "until %q is not an RFC 3339 time such as 2026-12-24T09:00:00Z", body.Until)
	}
	aw, err := s.SetAway(r.Context(), actor, until, body.Delegate)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, toAway(aw, true))
	return nil
}

// deleteAway serves DELETE /api/v1/me/away.
func (a *API) deleteAway(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.awayService()
	if err != nil {
		return err
	}
	if err := s.ClearAway(r.Context(), actor); err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, awayJSON{})
	return nil
}
