// Package api serves elevate's REST API under /api/v1: JSON in and out,
// bearer-token authentication, one mapping from access error codes to HTTP
// statuses, and the OpenAPI 3.1 document that describes it all at
// /api/v1/openapi.json.
//
// The handlers call the use cases of package workflow through the small
// interfaces declared here, which *workflow.Service satisfies; they never
// touch the store or AWS.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// Authenticator resolves a bearer token to an actor.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string, via access.Via) (access.Actor, error)
	// RevokeTokenSecret revokes the token the actor authenticated with.
	RevokeTokenSecret(ctx context.Context, actor access.Actor, secret string) error
}

// Requests are the request use cases the API exposes.
type Requests interface {
	PageEligibility(ctx context.Context, actor access.Actor, in workflow.EligibilityPageInput) (workflow.EligibilityPage, error)
	Submit(ctx context.Context, actor access.Actor, in workflow.SubmitInput) (*access.Request, error)
	GetRequest(ctx context.Context, actor access.Actor, id string) (*access.Request, error)
	PageRequests(ctx context.Context, actor access.Actor, in workflow.ListInput) (workflow.RequestPage, error)
	// ExportRequests calls fn with every matching request, a page at a time.
	ExportRequests(ctx context.Context, actor access.Actor, in workflow.ListInput, fn func([]*access.Request) error) error
	RequestEvents(ctx context.Context, actor access.Actor, id string) ([]access.Event, error)
	Approve(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Reject(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Cancel(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	End(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error)
}

// Directory looks up display names.
type Directory interface {
	UserNames(ctx context.Context, ids []string) (map[string]string, error)
	// GroupNamesOfUser names the actor's groups (GET /me's group_names).
	GroupNamesOfUser(ctx context.Context, actor access.Actor) ([]string, error)
}

// Service is everything the API needs; *workflow.Service satisfies it.
type Service interface {
	Authenticator
	Requests
	Directory
}

var _ Service = (*workflow.Service)(nil)

// API is the /api/v1 handler.
type API struct {
	svc Service
	log *slog.Logger
	mux *http.ServeMux
	// audit serves /audit (WithAudit); nil answers not_found.
	audit Audit
	// notif serves /notifications (WithNotifications).
	notif notificationsRef
	// sync serves /admin/sync (WithSync, sync.go); nil answers not_found.
	sync Sync
	// portalURL and ssoRegion turn on the "now use it" step of active
	// requests (WithAccessPortal, use.go).
	portalURL, ssoRegion string
	away                 Away
}

// New returns the API handler. It serves full paths under /api/v1/ (not
// stripped), so mount it at "/api/v1/". A nil svc is a programming error and
// panics; a nil logger means slog.Default().
func New(svc Service, logger *slog.Logger) *API {
	if svc == nil {
		panic("api.New: a Service is required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	a := &API{svc: svc, log: logger, mux: http.NewServeMux()}
	a.routes()
	return a
}

// ServeHTTP implements http.Handler. A path or query parameter holding a
// NUL or invalid UTF-8 is refused here, before any route: no engine should
// be handed one (PostgreSQL refuses them with an error that would be a 500).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := checkURL(r); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// checkURL refuses a request whose path or query holds a NUL or a control
// character, or is not valid UTF-8, naming the part.
func checkURL(r *http.Request) error {
	bad := func(s string) bool {
		return !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl)
	}
	if bad(r.URL.Path) {
		return access.Errorf(access.CodeInvalid, "the URL path holds a control character or invalid UTF-8: check the request id")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return access.Errorf(access.CodeInvalid, "the query string is malformed: %v", err)
	}
	for k, vs := range q {
		if bad(k) {
			return access.Errorf(access.CodeInvalid, "a query parameter name holds a control character or invalid UTF-8")
		}
		for _, v := range vs {
			if bad(v) {
				return access.Errorf(access.CodeInvalid, "query parameter %q holds a control character or invalid UTF-8", k)
			}
		}
	}
	return nil
}

// optional is the API's service as T, a use case not every Service offers;
// a Service without it answers not_found naming what is not served.
func optional[T any](a *API, what string) (T, error) {
	s, ok := a.svc.(T)
	if !ok {
		return s, access.Errorf(access.CodeNotFound, "this server does not serve %s", what)
	}
	return s, nil
}
