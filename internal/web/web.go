// Package web serves elevate's portal: server-rendered html/template pages
// (request access, my requests, approvals, active access, audit, admin,
// profile) with embedded CSS and a little JavaScript (countdowns, live
// account search), and the sign-in pages (OIDC, SAML and, in demo mode
// only, pick-a-demo-user).
//
// Every page and action is authorized on the server with the same rules as
// the API, by calling the use cases of package workflow through the
// interfaces declared here; the portal never touches the store or AWS.
// Pages work without JavaScript. Templates render into a buffer before
// anything is written, so a template error never sends half a page.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/httpstatus"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Service is what the portal needs from the workflow; *workflow.Service
// satisfies it.
type Service interface {
	Eligibility(ctx context.Context, actor access.Actor) ([]workflow.Eligible, error)
	Submit(ctx context.Context, actor access.Actor, in workflow.SubmitInput) (*access.Request, error)
	GetRequest(ctx context.Context, actor access.Actor, id string) (*access.Request, error)
	ListRequests(ctx context.Context, actor access.Actor, in workflow.ListInput) ([]*access.Request, error)
	PageRequests(ctx context.Context, actor access.Actor, in workflow.ListInput) (workflow.RequestPage, error)
	ExportRequests(ctx context.Context, actor access.Actor, in workflow.ListInput, fn func([]*access.Request) error) error
	RequestEvents(ctx context.Context, actor access.Actor, id string) ([]access.Event, error)
	Approve(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Reject(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Cancel(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	End(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error)
	UserNames(ctx context.Context, ids []string) (map[string]string, error)
	AccountNames(ctx context.Context, ids []string) (map[string]string, error)
	OUPaths(ctx context.Context, have time.Time) (map[string]string, time.Time, bool, error)
	Explain(ctx context.Context, actor access.Actor, in workflow.ExplainInput) (policy.Explanation, error)
	ExportPolicy(ctx context.Context, actor access.Actor) ([]byte, int, error)
	RunStatus(ctx context.Context, kind string) (access.RunStatus, bool, error)
	PendingSessionDenies(ctx context.Context, actor access.Actor) ([]access.SessionDeny, error)
	CreateToken(ctx context.Context, userName, name string, ttl time.Duration) (string, access.Token, error)
	ListTokens(ctx context.Context, actor access.Actor) ([]access.Token, error)
	RevokeToken(ctx context.Context, actor access.Actor, id string) error
	DirectoryAttributes(ctx context.Context, actor access.Actor) (map[string]string, error)
	GroupNamesOfUser(ctx context.Context, actor access.Actor) ([]string, error)
	CLILogin(ctx context.Context, actor access.Actor, host string) (string, access.Token, error)
	CLILoginDevice(ctx context.Context, actor access.Actor, hashHex, host string) (access.Token, error)
}

var _ Service = (*workflow.Service)(nil)

// AuditLog is the decision log for auditors; *workflow.AuditLog satisfies it.
type AuditLog interface {
	Export(ctx context.Context, w io.Writer, o audit.ExportOptions) (int64, error)
	VerifyAs(ctx context.Context, actor access.Actor) (audit.Report, error)
}

var _ AuditLog = (*workflow.AuditLog)(nil)

// SignInLinks consumes one-time sign-in links; *workflow.Service
// satisfies it.
type SignInLinks interface {
	UseSignInLink(ctx context.Context, secret string) (access.Actor, error)
}

var _ SignInLinks = (*workflow.Service)(nil)

// DemoUser is a user the demo sign-in page offers.
type DemoUser struct {
	Name string // user name in the directory
	Role string // what the demo says they are (requester, approver, ...)
}

// Options configure the portal.
type Options struct {
	Service  Service
	Audit    AuditLog // nil: the audit page has no decision-log export or chain status
	Sessions *auth.Sessions
	// OIDC and SAML enable those sign-in methods (nil: off).
	OIDC *auth.OIDCConfig
	SAML *auth.SAMLConfig
	// SignInLinks consumes the one-time links `elevate signin-link` prints
	// (GET /signin/link); nil: the route is not served.
	SignInLinks SignInLinks
	// DemoUsers, when not empty, enables the pick-a-demo-user sign-in. Only
	// `elevate demo` sets it; no configuration key can.
	DemoUsers []DemoUser
	// PolicyManagedAsCode makes the admin policy page read-only (with a
	// note): changes go through `elevate policy apply` only. Default false.
	PolicyManagedAsCode bool
	// Notifications serves the admin notifications page (nil: no page).
	Notifications Notifications
	// Sync shows the directory sync's status on the admin page and serves
	// its "Sync now" button (admin_sync.go; nil: the stored run status
	// only, no button).
	Sync SyncControl
	// AccessPortalURL is the AWS access portal ("https://d-….awsapps.com/start"):
	// active access shows console links and a CLI profile (use.go). Default
	// none.
	AccessPortalURL string
	// SSORegion is the Identity Center region, for the CLI profile. Default us-east-1.
	SSORegion string
	// Now is the clock for countdowns. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Portal is the portal's http.Handler.
type Portal struct {
	o     Options
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template
	oidc  *auth.OIDC
	saml  *auth.SAML

	patterns []string // every route pattern registered (Routes, routes_list.go)

	zoned sync.Map // zone name -> page templates saying times in it (zone.go)

	ouMu     sync.Mutex
	ouPaths  map[string]string
	ouSynced time.Time
}

// New returns the portal.
func New(o Options) (*Portal, error) {
	if o.Service == nil || o.Sessions == nil {
		return nil, errors.New("web: Service and Sessions are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	p := &Portal{o: o, log: o.Logger, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	if err := p.parseTemplates(); err != nil {
		return nil, err
	}
	if o.OIDC != nil {
		p.oidc = auth.NewOIDC(*o.OIDC, o.Sessions, p.signInFailed)
	}
	if o.SAML != nil {
		s, err := auth.NewSAML(*o.SAML, o.Sessions, p.signInFailed)
		if err != nil {
			return nil, err
		}
		p.saml = s
	}
	p.routes()
	return p, nil
}

func (p *Portal) parseTemplates() error {
	pages, err := parsePages(funcs)
	if err != nil {
		return err
	}
	p.pages = pages
	return nil
}

// ServeHTTP implements http.Handler.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The Content-Security-Policy (no inline script) and the other security
	// headers are set for every response by the server's middleware.
	p.mux.ServeHTTP(w, r)
}

// view is what every page template gets.
type view struct {
	Title      string
	Nav        string
	Actor      access.Actor
	SignedIn   bool
	Error      string
	Notice     string
	Now        time.Time
	LiveEvery  int    // seconds after which the page reloads itself (0: never)
	Zone       string // the zone times are said in (zone.go)
	ZoneChosen bool   // the user chose Zone on the profile page
	D          any
}

// render executes page into a buffer, then writes it with status.
func (p *Portal) render(w http.ResponseWriter, status int, page string, v view) {
	pages, err := p.pagesIn(zoneOf(w))
	if err != nil {
		p.log.Error("web: templates of a zone", "zone", zoneOf(w).String(), "error", err)
		pages = p.pages
	}
	t, ok := pages[page]
	if !ok {
		p.log.Error("web: no such template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if v.Now.IsZero() {
		v.Now = p.o.Now()
	}
	v.Zone, v.ZoneChosen = zoneOf(w).String(), zoneChosen(w)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.Error("web: render", "page", page, "error", err)
		http.Error(w, "internal error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderFragment executes a named template of page (no layout).
func (p *Portal) renderFragment(w http.ResponseWriter, page, name string, data any) {
	var buf bytes.Buffer
	if err := p.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("web: render fragment", "page", page, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// statusOf maps err's code to an HTTP status with the table the API shares
// (httpstatus.Of).
func statusOf(err error) int { return httpstatus.Of(access.ErrorCode(err)) }

// message is what a user may read about err: its own message for user
// errors, a generic one (the real error is logged) for the rest.
func (p *Portal) message(r *http.Request, err error) string {
	var ae *access.Error
	if errors.As(err, &ae) && ae.Code != access.CodeInternal {
		return ae.Message
	}
	p.log.ErrorContext(r.Context(), "web: internal error", "path", r.URL.Path, "error", err)
	return "Something went wrong on the server. Try again; if it persists, tell an admin (the error is in the server log)."
}

// fail renders the error page for err.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, actor access.Actor, err error) {
	st := statusOf(err)
	title := http.StatusText(st)
	p.render(w, st, "error", view{Title: title, Actor: actor, SignedIn: actor.UserID != "", Error: p.message(r, err)})
}

// signInFailed renders a sign-in error on the sign-in page.
func (p *Portal) signInFailed(w http.ResponseWriter, r *http.Request, err error) {
	p.render(w, statusOf(err), "signin", view{Title: "Sign in", Error: p.message(r, err), D: p.signInData("/")})
}

type handler func(w http.ResponseWriter, r *http.Request, actor access.Actor) error

// authed resolves the session to an actor or sends the browser to sign in
// (a POST without a session is refused with 401).
func (p *Portal) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := p.o.Sessions.Actor(r)
		if err != nil {
			if access.ErrorCode(err) != access.CodeUnauthenticated {
				p.fail(w, r, access.Actor{}, err)
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			p.render(w, http.StatusUnauthorized, "signin", view{Title: "Sign in", Error: p.message(r, err), D: p.signInData("/")})
			return
		}
		r = r.WithContext(access.WithActor(r.Context(), actor))
		loc, chosen := readerZone(r)
		w = &zoneWriter{ResponseWriter: w, loc: loc, chosen: chosen}
		if err := h(w, r, actor); err != nil {
			p.fail(w, r, actor, err)
		}
	}
}

func (p *Portal) routes() {
	m := recordingMux{p}
	m.Handle("GET /static/", http.FileServerFS(staticFS))
	m.HandleFunc("GET /{$}", p.authed(p.home))
	m.HandleFunc("GET /approvals/count", p.authed(p.approvalsCount))
	m.HandleFunc("GET /signin", p.signInPage)
	m.HandleFunc("POST /signout", p.signOut)
	m.HandleFunc("POST /auth/demo", p.demoSignIn)
	if p.o.SignInLinks != nil {
		m.HandleFunc("GET /signin/link", p.linkSignIn)
	}
	if p.oidc != nil {
		m.HandleFunc("GET /auth/oidc/login", p.oidc.Login)
		m.HandleFunc("GET /auth/oidc/callback", p.oidc.Callback)
	}
	if p.saml != nil {
		m.HandleFunc("GET /auth/saml/login", p.saml.Login)
		m.HandleFunc("POST /auth/saml/acs", p.saml.ACS)
		m.HandleFunc("GET /auth/saml/metadata", p.saml.Metadata)
	}
	m.HandleFunc("GET /request", p.authed(p.requestPage))
	m.HandleFunc("GET /request/accounts", p.authed(p.accountResults))
	m.HandleFunc("POST /request", p.authed(p.submit))
	m.HandleFunc("GET /requests", p.authed(p.myRequests))
	m.HandleFunc("GET /requests/{id}", p.authed(p.requestDetail))
	m.HandleFunc("POST /requests/{id}/{action}", p.authed(p.requestAction))
	m.HandleFunc("GET /approvals", p.authed(p.approvals))
	m.HandleFunc("GET /active", p.authed(p.active))
	m.HandleFunc("GET /audit", p.authed(p.auditPage))
	m.HandleFunc("GET /audit/requests.csv", p.authed(p.auditRequestsCSV))
	m.HandleFunc("GET /audit/requests.jsonl", p.authed(p.auditRequestsJSONL))
	m.HandleFunc("GET /audit/insights", p.authed(p.insightsPage))
	m.HandleFunc("GET /cli/login", p.authed(p.cliLogin))         // cli_login.go
	m.HandleFunc("POST /cli/login", p.authed(p.cliLoginConfirm)) // cli_login.go
	m.HandleFunc("GET /audit/log.csv", p.authed(p.auditLogCSV))
	m.HandleFunc("GET /admin", p.authed(p.adminPage))
	m.HandleFunc("GET /admin/policy", p.authed(p.policyPage))               // admin_policy.go
	m.HandleFunc("POST /admin/policy/plan", p.authed(p.planPolicy))         // admin_policy.go
	m.HandleFunc("POST /admin/policy/apply", p.authed(p.applyPolicy))       // admin_policy.go
	m.HandleFunc("POST /admin/policy/draft", p.authed(p.policyDraft))       // admin_policy_draft.go
	m.HandleFunc("POST /admin/policy/preview", p.authed(p.policyPreview))   // admin_policy_draft.go
	m.HandleFunc("GET /admin/policy/search", p.authed(p.policySearch))      // admin_policy_draft.go
	m.HandleFunc("GET /admin/notifications", p.authed(p.notificationsPage)) // admin_notifications.go
	m.HandleFunc("POST /admin/sync", p.authed(p.triggerSync))               // admin_sync.go
	m.HandleFunc("GET /profile", p.authed(p.profile))
	m.HandleFunc("POST /profile/tokens", p.authed(p.createToken))
	m.HandleFunc("POST /profile/timezone", p.authed(p.setZone)) // zone.go
	m.HandleFunc("POST /profile/tokens/{id}/revoke", p.authed(p.revokeToken))
	m.HandleFunc("POST /profile/away", p.authed(p.setAway))
	m.HandleFunc("POST /profile/away/clear", p.authed(p.clearAway))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		actor, _ := p.o.Sessions.Actor(r)
		p.fail(w, r, actor, access.Errorf(access.CodeNotFound, "There is no page at %s.", r.URL.Path))
	})
}

// CrossOriginBypass lists the routes that must accept cross-origin POSTs:
// the SAML ACS, which the IdP's page posts to and which authenticates by
// the response's signature.
func CrossOriginBypass() []string { return []string{"POST /auth/saml/acs"} }
