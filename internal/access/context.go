package access

import (
	"context"
	"time"
)

// The request context carries two values across the edges: the
// authenticated actor and the id of the request being served. Nothing else
// travels in a context.

type actorKey struct{}

// WithActor returns a copy of ctx that carries the authenticated actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor that WithActor put in ctx, and whether there
// was one. Handlers behind the authentication middleware can rely on it.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the id of the request being served, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// SessionTimeouts bound a portal session.
type SessionTimeouts struct {
	Idle     time.Duration // no activity for this long ends it; default 1h
	Absolute time.Duration // it ends this long after sign-in whatever happens; default 12h
}

// WithDefaults fills zero fields with their defaults.
func (t SessionTimeouts) WithDefaults() SessionTimeouts {
	if t.Idle <= 0 {
		t.Idle = time.Hour
	}
	if t.Absolute <= 0 {
		t.Absolute = 12 * time.Hour
	}
	return t
}
