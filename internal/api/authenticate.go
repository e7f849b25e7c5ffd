package api

import (
	"net/http"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// ClientHeader names the header with which a client says what it is. It is
// informational only: the decision log's via is what the server verified
// (a bearer token is "api"), never what the client claims, since any
// client can send any header.
const ClientHeader = "X-Elevate-Client"

// authenticated resolves the bearer token to an actor, puts the actor in the
// request context and runs h. The token itself is never logged.
func (a *API) authenticated(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := bearerToken(r.Header.Get("Authorization"))
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		// via follows the authentication method: every bearer token is
		// the API, whatever client (the CLI included) holds it.
		actor, err := a.svc.Authenticate(r.Context(), token, access.ViaAPI)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		r = r.WithContext(access.WithActor(r.Context(), actor))
		if err := h(w, r, actor); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// anonymous runs h without authentication, with the zero actor.
func (a *API) anonymous(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, access.Actor{}); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// bearerToken extracts the token of an "Authorization: Bearer TOKEN" header.
func bearerToken(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", access.Errorf(access.CodeUnauthenticated,
			"missing bearer token: send the header Authorization: Bearer TOKEN (make a token with `elevate token create` or in the portal)")
	}
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", access.Errorf(access.CodeUnauthenticated, "the Authorization header must have the form Bearer TOKEN")
	}
	return token, nil
}
