package auth

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/ratelimit"
)

// Session cookie names. The __Host- prefix makes the browser refuse the
// cookie unless it is Secure, host-only and for path /; it is used when the
// public URL is https. Plain HTTP (the demo on 127.0.0.1) can't use it.
const (
	SecureCookieName   = "__Host-elevate_session"
	LoopbackCookieName = "elevate_session"
)

// SessionBackend stores sessions and maps identities to directory users;
// *workflow.Service satisfies it.
type SessionBackend interface {
	ActorByLogin(ctx context.Context, login string, via access.Via) (access.Actor, error)
	StartSession(ctx context.Context, actor access.Actor, proof access.SignInProof, identity string, t access.SessionTimeouts) (string, error)
	SessionActor(ctx context.Context, secret string, t access.SessionTimeouts) (access.Actor, error)
	EndSession(ctx context.Context, secret string) error
}

// Sessions keeps portal sessions in HttpOnly, SameSite=Lax cookies, backed
// by the database (so any replica can serve any request, and sign-out
// really ends the session). The cookies are Secure and __Host- prefixed
// unless the configured public URL is plain http (WithPublicURL): whether
// a request looks local (its Host header) never decides, since behind a
// proxy on the same host every request does.
type Sessions struct {
	backend  SessionBackend
	timeouts access.SessionTimeouts
	log      *slog.Logger
	perUser  *ratelimit.Limiter // sign-ins per login (limit.go); nil: no limit
	insecure bool               // public URL is http: no Secure, no __Host-
}

// NewSessions returns the session manager, with Secure cookies.
func NewSessions(b SessionBackend, t access.SessionTimeouts, log *slog.Logger) *Sessions {
	if log == nil {
		log = slog.Default()
	}
	return &Sessions{backend: b, timeouts: t.WithDefaults(), log: log}
}

// WithPublicURL sets the cookies' security from the URL users reach elevate
// at: https gives Secure, __Host- prefixed cookies; http (the demo) plain
// ones, which browsers would otherwise drop.
func (s *Sessions) WithPublicURL(u *url.URL) *Sessions {
	s.insecure = u != nil && strings.EqualFold(u.Scheme, "http")
	return s
}

// SecureCookies reports whether the cookies are Secure (an https public URL).
func (s *Sessions) SecureCookies() bool { return !s.insecure }

// Timeouts returns the idle and absolute timeouts in force.
func (s *Sessions) Timeouts() access.SessionTimeouts { return s.timeouts }

// IsLoopbackHost reports whether host (a host name or address, maybe with
// a port) is loopback: 127.0.0.0/8, ::1 or localhost.
func IsLoopbackHost(host string) bool {
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

func (s *Sessions) cookieName() string {
	if s.insecure {
		return LoopbackCookieName
	}
	return SecureCookieName
}

// secret returns the session cookie's value, or "".
func (s *Sessions) secret(r *http.Request) string {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

// SignIn maps login (an email or user name the IdP asserted) to the
// directory user and starts a new session for it, ending any session the
// browser had (the session id is renewed on every sign-in). proof is what
// the sign-in proved (its method, and when and how the IdP authenticated).
func (s *Sessions) SignIn(w http.ResponseWriter, r *http.Request, login string, proof access.SignInProof) (access.Actor, error) {
	ctx := r.Context()
	if err := s.allowSignIn(w, login); err != nil {
		return access.Actor{}, err
	}
	actor, err := s.backend.ActorByLogin(ctx, login, access.ViaPortal)
	if err != nil {
		return access.Actor{}, err
	}
	if err := s.StartFor(w, r, actor, proof, login); err != nil {
		return access.Actor{}, err
	}
	return actor, nil
}

// StartFor starts a new session for an actor the caller already resolved
// (a consumed sign-in link), ending any session the browser had, and sets
// the cookie. identity is what the sign-in asserted, for the decision log.
func (s *Sessions) StartFor(w http.ResponseWriter, r *http.Request, actor access.Actor, proof access.SignInProof, identity string) error {
	ctx := r.Context()
	if old := s.secret(r); old != "" {
		if err := s.backend.EndSession(ctx, old); err != nil {
			s.log.WarnContext(ctx, "end the previous session", "error", err)
		}
	}
	sec, err := s.backend.StartSession(ctx, actor, proof, identity, s.timeouts)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: sec, Path: "/", HttpOnly: true, Secure: !s.insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.timeouts.Absolute / time.Second)})
	return nil
}

// Actor returns the signed-in actor of the request.
func (s *Sessions) Actor(r *http.Request) (access.Actor, error) {
	sec := s.secret(r)
	if sec == "" {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "sign in to continue")
	}
	return s.backend.SessionActor(r.Context(), sec, s.timeouts)
}

// SignOut ends the session and clears the cookie.
func (s *Sessions) SignOut(w http.ResponseWriter, r *http.Request) error {
	err := s.backend.EndSession(r.Context(), s.secret(r))
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: !s.insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return err
}

// SafeNext returns next when it is a path on this site, and "/" otherwise,
// so sign-in can't be used as an open redirect. Accepted: an absolute path
// (with an optional query and fragment) of printable ASCII only, not
// starting with "//" or "/\\", without a backslash anywhere, and the same
// after percent-decoding (up to three rounds, for proxies that decode
// once more; there a control character or backslash is refused, an encoded
// space is fine). Browsers strip tabs and newlines from URLs and treat "\\" as
// "/", so "/<TAB>/evil.example" would otherwise leave the site.
func SafeNext(next string) string {
	if !safePath(next, true) {
		return "/"
	}
	dec := next
	for range 3 {
		d, err := url.PathUnescape(dec)
		if err != nil || !safePath(d, false) {
			return "/"
		}
		if d == dec {
			break
		}
		dec = d
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}

// safePath reports whether p starts with a single "/" and holds no control
// character nor backslash; raw (not yet percent-decoded) paths must also be
// printable ASCII without spaces, while a decoded one may hold an encoded
// space or non-ASCII letter.
func safePath(p string, raw bool) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < ' ' || c == 0x7f || c == '\\' || raw && (c == ' ' || c > 0x7f) {
			return false
		}
	}
	return true
}

// ErrNotConfigured is returned by sign-in methods that are not configured.
var ErrNotConfigured = errors.New("auth: sign-in method not configured")
