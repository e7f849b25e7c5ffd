// Package auth turns credentials into an access.Actor and carries that actor
// in the request context: the context plumbing the API and the portal share
// (context.go), portal cookie sessions (session.go), OIDC sign-in with the
// authorization code flow and PKCE (oidc.go) and the SAML 2.0 service
// provider (saml.go). Every sign-in maps the asserted identity to a synced
// directory user; groups and roles always come from the directory.
package auth

import (
	"context"

	"github.com/elevate/elevate/internal/access"
)

type actorKey struct{}

// WithActor returns a copy of ctx that carries the authenticated actor.
func WithActor(ctx context.Context, a access.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor that WithActor put in ctx, and whether there
// was one. Handlers behind the authentication middleware can rely on it.
func ActorFrom(ctx context.Context) (access.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(access.Actor)
	return a, ok
}
