// Package auth turns credentials into an access.Actor and carries that actor
// in the request context. For now it holds only the context plumbing that
// the API (and later the portal's session middleware) share; OIDC, SAML and
// cookie sessions will live here too.
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
