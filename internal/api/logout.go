package api

import (
	"net/http"

	"github.com/elevate/elevate/internal/access"
)

// logout serves POST /api/v1/logout: the bearer token of the call is
// revoked (`elevate logout`).
func (a *API) logout(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	secret, err := bearerToken(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if err := a.svc.RevokeTokenSecret(r.Context(), actor, secret); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
