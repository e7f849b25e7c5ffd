// Package server is elevate's HTTP shell: the http.Server lifecycle with
// graceful shutdown, the top-level routes (API, portal, /healthz, /readyz,
// /metrics) and the middleware every request goes through: request id,
// access log, panic recovery, security headers and cross-origin protection.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Options configure a Server. Every handler is optional.
type Options struct {
	// API serves /api/v1/ (full paths, not stripped).
	API http.Handler
	// Portal serves every path no other route claims, from "/".
	Portal http.Handler
	// Metrics serves GET /metrics (Prometheus exposition).
	Metrics http.Handler
	// SlackInteractions serves SlackRoutes (interactions, the slash command,
	// the Events API). They are exempt from cross-origin protection: they
	// authenticate by Slack's request signature.
	SlackInteractions http.Handler
	// CrossOriginBypass are route patterns exempt from cross-origin
	// protection because they authenticate otherwise (the portal's SAML ACS,
	// which the IdP's page posts to, checks the response's signature).
	CrossOriginBypass []string
	// Ready reports whether the server can take traffic; /readyz answers 503
	// with its error while it fails. Nil means always ready.
	Ready func(ctx context.Context) error
	// Logger receives the access log and errors. Default slog.Default().
	Logger *slog.Logger
	// ShutdownTimeout bounds graceful shutdown. Default 10s.
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout bounds reading request headers. Default 10s.
	ReadHeaderTimeout time.Duration
	// TrustedProxies are the networks of the reverse proxies in front: from
	// a peer in them, X-Forwarded-Proto is trusted (for HSTS) and the client
	// IP for rate limits is read from X-Forwarded-For or Forwarded
	// (ClientIP). Default none: the connection's own TLS and address.
	TrustedProxies []netip.Prefix
	// HSTSMaxAge is Strict-Transport-Security's max-age, sent only over
	// TLS. Default DefaultHSTSMaxAge; negative turns HSTS off.
	HSTSMaxAge time.Duration
	// Limits are the rate limits (ratelimit.go). Zero rates are off.
	Limits Limits
	// Now is the clock of the rate limits. Default time.Now.
	Now func() time.Time
}

// SlackRoutes are the routes Slack posts to, all served by
// Options.SlackInteractions.
var SlackRoutes = []string{"POST /slack/interactions", "POST /slack/commands", "POST /slack/events"}

// Server is the HTTP server.
type Server struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler
	limits  limiters
}

// New returns a Server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	s := &Server{opts: opts, log: opts.Logger}
	s.limits = newLimiters(opts.Limits, opts.Now)
	cop := http.NewCrossOriginProtection()
	if opts.SlackInteractions != nil {
		for _, p := range SlackRoutes {
			cop.AddInsecureBypassPattern(p)
		}
	}
	for _, p := range opts.CrossOriginBypass {
		cop.AddInsecureBypassPattern(p)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "forbidden", "cross-origin request refused: state-changing requests must come from the same origin")
	}))
	s.handler = s.middleware(s.routes(), cop)
	return s
}

// Handler returns the server's complete handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish for up to the shutdown timeout,
// and returns nil. Any other failure to serve is returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.InfoContext(ctx, "http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	s.log.InfoContext(sctx, "http server shutting down", "timeout", s.opts.ShutdownTimeout.String())
	shutdownErr := srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server on %s: %w", ln.Addr(), err)
	}
	if shutdownErr != nil {
		_ = srv.Close()
		return fmt.Errorf("http server shutdown: %w", shutdownErr)
	}
	return nil
}
