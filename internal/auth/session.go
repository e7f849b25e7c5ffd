package auth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/ratelimit"
)

// Session cookie names. The __Host- prefix makes the browser refuse the
// cookie unless it is Secure, host-only and for path /; plain HTTP is only
// allowed on loopback (the demo), where the prefix can't be used.
const (
	SecureCookieName   = "__Host-elevate_session"
	LoopbackCookieName = "elevate_session"
)

// SessionBackend stores sessions and maps identities to directory users;
// *workflow.Service satisfies it.
type SessionBackend interface {
	ActorByLogin(ctx context.Context, login string, via access.Via) (access.Actor, error)
	StartSession(ctx context.Context, actor access.Actor, method, identity string, t access.SessionTimeouts) (string, error)
	SessionActor(ctx context.Context, secret string, t access.SessionTimeouts) (access.Actor, error)
	EndSession(ctx context.Context, secret string) error
}

// Sessions keeps portal sessions in HttpOnly, SameSite=Lax cookies that are
// Secure except on loopback, backed by the database (so any replica can
// serve any request, and sign-out really ends the session).
type Sessions struct {
	backend  SessionBackend
	timeouts access.SessionTimeouts
	log      *slog.Logger
	perUser  *ratelimit.Limiter // sign-ins per login (limit.go); nil: no limit
}

// NewSessions returns the session manager.
func NewSessions(b SessionBackend, t access.SessionTimeouts, log *slog.Logger) *Sessions {
	if log == nil {
		log = slog.Default()
	}
	return &Sessions{backend: b, timeouts: t.WithDefaults(), log: log}
}

// Timeouts returns the idle and absolute timeouts in force.
func (s *Sessions) Timeouts() access.SessionTimeouts { return s.timeouts }

// IsLoopback reports whether the request came to a loopback host name
// (127.0.0.0/8, ::1, localhost): the only place cookies may go without TLS.
func IsLoopback(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func cookieName(r *http.Request) string {
	if IsLoopback(r) {
		return LoopbackCookieName
	}
	return SecureCookieName
}

// secret returns the session cookie's value, or "".
func secret(r *http.Request) string {
	c, err := r.Cookie(cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// SignIn maps login (an email or user name the IdP asserted) to the
// directory user and starts a new session for it, ending any session the
// browser had (the session id is renewed on every sign-in).
func (s *Sessions) SignIn(w http.ResponseWriter, r *http.Request, login, method string) (access.Actor, error) {
	ctx := r.Context()
	if err := s.allowSignIn(w, login); err != nil {
		return access.Actor{}, err
	}
	actor, err := s.backend.ActorByLogin(ctx, login, access.ViaPortal)
	if err != nil {
		return access.Actor{}, err
	}
	if old := secret(r); old != "" {
		if err := s.backend.EndSession(ctx, old); err != nil {
			s.log.WarnContext(ctx, "end the previous session", "error", err)
		}
	}
	sec, err := s.backend.StartSession(ctx, actor, method, login, s.timeouts)
	if err != nil {
		return access.Actor{}, err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: sec, Path: "/", HttpOnly: true, Secure: !IsLoopback(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.timeouts.Absolute / time.Second)})
	return actor, nil
}

// Actor returns the signed-in actor of the request.
func (s *Sessions) Actor(r *http.Request) (access.Actor, error) {
	sec := secret(r)
	if sec == "" {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "sign in to continue")
	}
	return s.backend.SessionActor(r.Context(), sec, s.timeouts)
}

// SignOut ends the session and clears the cookie.
func (s *Sessions) SignOut(w http.ResponseWriter, r *http.Request) error {
	err := s.backend.EndSession(r.Context(), secret(r))
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: "", Path: "/", HttpOnly: true, Secure: !IsLoopback(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return err
}

// SafeNext returns next when it is a local path (no scheme, no host, no
// "//"), and "/" otherwise, so sign-in can't be used as an open redirect.
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// ErrNotConfigured is returned by sign-in methods that are not configured.
var ErrNotConfigured = errors.New("auth: sign-in method not configured")
