package server

import (
	"context"
	"log/slog"

	"github.com/elevate/elevate/internal/access"
)

// LogHandler wraps h so that every record logged with a request's context
// (logger.InfoContext(ctx, ...)) carries the request's request_id and, once
// authenticated, the acting user, unless the record already has them. The
// composition root wraps the process's handler with it, so that logs of the
// use cases can be tied to the HTTP request that caused them.
func LogHandler(h slog.Handler) slog.Handler { return contextHandler{h} }

type contextHandler struct{ slog.Handler }

func (c contextHandler) Handle(ctx context.Context, r slog.Record) error {
	rid := access.RequestIDFrom(ctx)
	actor, hasActor := access.ActorFrom(ctx)
	if rid != "" || hasActor {
		has := map[string]bool{}
		r.Attrs(func(a slog.Attr) bool {
			has[a.Key] = true
			return true
		})
		if rid != "" && !has["request_id"] {
			r.AddAttrs(slog.String("request_id", rid))
		}
		if hasActor && actor.UserName != "" && !has["user"] {
			r.AddAttrs(slog.String("user", actor.UserName))
		}
	}
	return c.Handler.Handle(ctx, r)
}

func (c contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{c.Handler.WithAttrs(as)}
}

func (c contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{c.Handler.WithGroup(name)}
}
