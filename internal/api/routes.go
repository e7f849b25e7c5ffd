package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// route is one operation of the API. TestRoutesMatchOpenAPI checks that this
// table and openapi.json list the same operations.
type route struct {
	method string
	path   string
	public bool // served without authentication
	handle handlerFunc
}

// handlerFunc serves an authenticated request; a returned error is written
// by writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request, actor access.Actor) error

// Prefix is where the API lives.
const Prefix = "/api/v1"

// routeTable lists every operation of the API.
func (a *API) routeTable() []route {
	return []route{
		{method: http.MethodGet, path: Prefix + "/openapi.json", public: true, handle: a.openAPI},
		{method: http.MethodGet, path: Prefix + "/me", handle: a.me},
		{method: http.MethodGet, path: Prefix + "/me/away", handle: a.getAway},       // away.go
		{method: http.MethodPut, path: Prefix + "/me/away", handle: a.putAway},       // away.go
		{method: http.MethodDelete, path: Prefix + "/me/away", handle: a.deleteAway}, // away.go
		{method: http.MethodGet, path: Prefix + "/eligibility", handle: a.eligibility},
		{method: http.MethodPost, path: Prefix + "/logout", handle: a.logout}, // logout.go
		{method: http.MethodGet, path: Prefix + "/requests", handle: a.listRequests},
		{method: http.MethodPost, path: Prefix + "/requests", handle: a.createRequest},
		{method: http.MethodGet, path: Prefix + "/requests/{id}", handle: a.getRequest},
		{method: http.MethodGet, path: Prefix + "/requests/{id}/events", handle: a.requestEvents},
		{method: http.MethodGet, path: Prefix + "/requests/{id}/activity", handle: a.requestActivity},          // activity.go
		{method: http.MethodPost, path: Prefix + "/requests/{id}/activity/refresh", handle: a.refreshActivity}, // activity.go
		{method: http.MethodGet, path: Prefix + "/insights", handle: a.insights},                               // insights.go
		{method: http.MethodPost, path: Prefix + "/requests/{id}/approve", handle: a.decide(Requests.Approve)},
		{method: http.MethodPost, path: Prefix + "/requests/{id}/reject", handle: a.decide(Requests.Reject)},
		{method: http.MethodPost, path: Prefix + "/requests/{id}/cancel", handle: a.decide(Requests.Cancel)},
		{method: http.MethodPost, path: Prefix + "/requests/{id}/end", handle: a.decide(Requests.End)},
		{method: http.MethodPost, path: Prefix + "/requests/{id}/extend", handle: a.extend},
		{method: http.MethodPost, path: Prefix + "/requests/{id}/review", handle: a.reviewBreakGlass},
		{method: http.MethodGet, path: Prefix + "/admin/breakglass", handle: a.listBreakGlass},
		{method: http.MethodGet, path: Prefix + "/admin/settings", handle: a.getSettings},
		{method: http.MethodPut, path: Prefix + "/admin/settings", handle: a.putSettings},
		{method: http.MethodGet, path: Prefix + "/policy/explain", handle: a.policyExplain},
		{method: http.MethodGet, path: Prefix + "/admin/policy", handle: a.getPolicy},
		{method: http.MethodPut, path: Prefix + "/admin/policy", handle: a.putPolicy},
		{method: http.MethodPost, path: Prefix + "/admin/policy/plan", handle: a.planPolicy},
		{method: http.MethodPost, path: Prefix + "/admin/policy/preview", handle: a.previewPolicy},    // policy_preview.go
		{method: http.MethodGet, path: Prefix + "/admin/directory/search", handle: a.searchDirectory}, // policy_preview.go
		{method: http.MethodGet, path: Prefix + "/audit/events", handle: a.auditEvents},
		{method: http.MethodGet, path: Prefix + "/audit/requests", handle: a.auditRequests}, // lists.go
		{method: http.MethodGet, path: Prefix + "/audit/verify", handle: a.auditVerify},
		{method: http.MethodGet, path: Prefix + "/audit/checkpoints", handle: a.auditCheckpoints},
		{method: http.MethodGet, path: Prefix + "/notifications", handle: a.listNotifications},
		{method: http.MethodGet, path: Prefix + "/admin/notifications", handle: a.adminNotifications},
		{method: http.MethodGet, path: Prefix + "/admin/sync", handle: a.syncStatus},   // sync.go
		{method: http.MethodPost, path: Prefix + "/admin/sync", handle: a.triggerSync}, // sync.go
	}
}

// routes registers the route table on the mux, plus JSON answers for a
// known path with the wrong method (405) and for unknown paths (404).
func (a *API) routes() {
	methods := map[string][]string{}
	for _, rt := range a.routeTable() {
		h := a.authenticated(rt.handle)
		if rt.public {
			h = a.anonymous(rt.handle)
		}
		a.mux.Handle(rt.method+" "+rt.path, h)
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	for path, ms := range methods {
		a.mux.Handle(path, a.methodNotAllowed(ms))
	}
	a.mux.Handle(Prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, access.Errorf(access.CodeNotFound, "no API endpoint %s %s: see %s/openapi.json", r.Method, r.URL.Path, Prefix))
	}))
}

func (a *API) methodNotAllowed(methods []string) http.Handler {
	allowed := slices.Clone(methods)
	if slices.Contains(allowed, http.MethodGet) {
		allowed = append(allowed, http.MethodHead)
	}
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		a.writeError(w, r, access.Errorf(codeMethodNotAllowed, "%s %s is not allowed: use %s", r.Method, r.URL.Path, allow))
	})
}
