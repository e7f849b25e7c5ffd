package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

// The roles of the authorization matrix. "self" is carol, an approver who
// also requested: she acts on her own request, every other role on alice's.
// "disabled" is the bearer token of frank, disabled in Identity Center (the
// portal ignores bearer tokens, so there it is anonymous).
var matrixRoles = []string{"anonymous", "requester", "approver", "self", "auditor", "admin", "disabled"}

var roleUser = map[string]string{"requester": "alice", "approver": "bob", "self": "carol", "auditor": "dave", "admin": "erin", "disabled": "frank"}

// cell is one matrix row: the concrete request made for the route pattern,
// and the exact status each role gets, in matrixRoles order.
type cell struct {
	path   string // with {id} for a fresh pending request of the role's subject
	form   url.Values
	status [7]int
}

// apiMatrix has one row per API route (api.Routes). 401 for anonymous and
// the disabled token everywhere but the public document; 404 for requests
// the role may not see; 403 where it may see but not act. The policy write
// routes read and check their body before authorizing, so a malformed body
// is 400 for everyone (nothing is changed or disclosed either way).
var apiMatrix = map[string]cell{
	"GET /api/v1/openapi.json": {path: "/api/v1/openapi.json", status: [7]int{200, 200, 200, 200, 200, 200, 200}},
	"GET /api/v1/me":           {path: "/api/v1/me", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	// Absences: one's own; the matrix's body is refused (an end in the past).
	"GET /api/v1/me/away":                {path: "/api/v1/me/away", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"PUT /api/v1/me/away":                {path: "/api/v1/me/away", status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"DELETE /api/v1/me/away":             {path: "/api/v1/me/away", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"GET /api/v1/eligibility":            {path: "/api/v1/eligibility", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"POST /api/v1/logout":                {path: "/api/v1/logout", status: [7]int{401, 204, 204, 204, 204, 204, 401}},
	"GET /api/v1/requests":               {path: "/api/v1/requests", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"POST /api/v1/requests":              {path: "/api/v1/requests", status: [7]int{401, 201, 403, 201, 403, 403, 401}},
	"GET /api/v1/requests/{id}":          {path: "/api/v1/requests/{id}", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"GET /api/v1/requests/{id}/events":   {path: "/api/v1/requests/{id}/events", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"POST /api/v1/requests/{id}/approve": {path: "/api/v1/requests/{id}/approve", status: [7]int{401, 403, 200, 403, 403, 403, 401}},
	"POST /api/v1/requests/{id}/reject":  {path: "/api/v1/requests/{id}/reject", status: [7]int{401, 403, 200, 403, 403, 403, 401}},
	"POST /api/v1/requests/{id}/cancel":  {path: "/api/v1/requests/{id}/cancel", status: [7]int{401, 200, 403, 200, 403, 200, 401}},
	"POST /api/v1/requests/{id}/end":     {path: "/api/v1/requests/{id}/end", status: [7]int{401, 409, 409, 409, 403, 409, 401}},
	"POST /api/v1/requests/{id}/extend":  {path: "/api/v1/requests/{id}/extend", status: [7]int{401, 409, 403, 409, 403, 403, 401}},
	"GET /api/v1/policy/explain":         {path: "/api/v1/policy/explain?user=alice&account=prod&permission_set=AdministratorAccess", status: [7]int{401, 200, 403, 403, 200, 200, 401}},
	"GET /api/v1/admin/policy":           {path: "/api/v1/admin/policy", status: [7]int{401, 403, 403, 403, 403, 200, 401}},
	"PUT /api/v1/admin/policy":           {path: "/api/v1/admin/policy", status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"POST /api/v1/admin/policy/plan":     {path: "/api/v1/admin/policy/plan", status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"POST /api/v1/admin/policy/preview":  {path: "/api/v1/admin/policy/preview", status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"GET /api/v1/admin/directory/search": {path: "/api/v1/admin/directory/search?kind=groups&q=a", status: [7]int{401, 403, 403, 403, 403, 200, 401}},
	"GET /api/v1/audit/events":           {path: "/api/v1/audit/events", status: [7]int{401, 403, 403, 403, 200, 200, 401}},
	"GET /api/v1/audit/verify":           {path: "/api/v1/audit/verify", status: [7]int{401, 403, 403, 403, 200, 200, 401}},
	"GET /api/v1/audit/requests":         {path: "/api/v1/audit/requests?format=csv", status: [7]int{401, 403, 403, 403, 200, 200, 401}},
	"GET /api/v1/audit/checkpoints":      {path: "/api/v1/audit/checkpoints", status: [7]int{401, 403, 403, 403, 200, 200, 401}},
	"GET /api/v1/notifications":          {path: "/api/v1/notifications", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"GET /api/v1/admin/notifications":    {path: "/api/v1/admin/notifications", status: [7]int{401, 403, 403, 403, 403, 200, 401}},
	"POST /api/v1/requests/{id}/review":  {path: "/api/v1/requests/{id}/review", status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"GET /api/v1/admin/breakglass":       {path: "/api/v1/admin/breakglass", status: [7]int{401, 403, 403, 403, 200, 200, 401}},
	"GET /api/v1/admin/settings":         {path: "/api/v1/admin/settings", status: [7]int{401, 403, 403, 403, 403, 200, 401}},
	"PUT /api/v1/admin/settings":         {path: "/api/v1/admin/settings", status: [7]int{401, 403, 403, 403, 403, 400, 401}},
	// Directory sync: status for admins and auditors, trigger for admins (202, the job).
	"GET /api/v1/admin/sync":  {path: "/api/v1/admin/sync", status: [7]int{401, 403, 403, 403, 200, 200, 401}},
	"POST /api/v1/admin/sync": {path: "/api/v1/admin/sync", status: [7]int{401, 403, 403, 403, 403, 202, 401}},

	// Session activity: activity is off in this configuration, so
	// a refresh by anyone who may see the request is 409.
	"GET /api/v1/requests/{id}/activity":          {path: "/api/v1/requests/{id}/activity", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"POST /api/v1/requests/{id}/activity/refresh": {path: "/api/v1/requests/{id}/activity/refresh", status: [7]int{401, 409, 409, 409, 409, 409, 401}},
	// Usage insight: everyone signed in sees it (auditors and admins
	// everyone's, anyone else their own).
	"GET /api/v1/insights": {path: "/api/v1/insights", status: [7]int{401, 200, 200, 200, 200, 200, 401}},
}

// serverMatrix covers the server's own routes and the portal's pages and
// actions (web.Portal.Routes). Portal pages send the anonymous to sign in
// (303); a POST without a session is 401.
var serverMatrix = map[string]cell{
	"GET /healthz": {path: "/healthz", status: [7]int{200, 200, 200, 200, 200, 200, 200}},
	"GET /readyz":  {path: "/readyz", status: [7]int{200, 200, 200, 200, 200, 200, 200}},
	"GET /metrics": {path: "/metrics", status: [7]int{200, 200, 200, 200, 200, 200, 200}},
	"GET /static/": {path: "/static/portal.css", status: [7]int{200, 200, 200, 200, 200, 200, 200}},
	"GET /{$}":     {path: "/", status: [7]int{303, 303, 303, 303, 303, 303, 303}},
	"GET /signin":  {path: "/signin", status: [7]int{200, 200, 200, 200, 200, 200, 200}},
	// A made-up one-time link is refused whoever opens it.
	"GET /signin/link": {path: "/signin/link?t=sil_made-up", status: [7]int{401, 401, 401, 401, 401, 401, 401}},
	"POST /signout":    {path: "/signout", status: [7]int{303, 303, 303, 303, 303, 303, 303}},
	// A demo sign-in as a made-up user is refused whoever asks.
	"POST /auth/demo":                  {path: "/auth/demo", form: url.Values{"user": {"mallory"}}, status: [7]int{400, 400, 400, 400, 400, 400, 400}},
	"GET /request":                     {path: "/request", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"GET /request/accounts":            {path: "/request/accounts?q=prod", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"POST /request":                    {path: "/request", status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"GET /requests":                    {path: "/requests", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"GET /requests/{id}":               {path: "/requests/{id}", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"POST /requests/{id}/{action}":     {path: "/requests/{id}/approve", status: [7]int{401, 403, 303, 403, 403, 403, 401}},
	"GET /approvals":                   {path: "/approvals", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"GET /approvals/count":             {path: "/approvals/count", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"GET /active":                      {path: "/active", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"GET /audit":                       {path: "/audit", status: [7]int{303, 403, 403, 403, 200, 200, 303}},
	"GET /audit/requests.csv":          {path: "/audit/requests.csv", status: [7]int{303, 403, 403, 403, 200, 200, 303}},
	"GET /audit/requests.jsonl":        {path: "/audit/requests.jsonl", status: [7]int{303, 403, 403, 403, 200, 200, 303}},
	"GET /audit/log.csv":               {path: "/audit/log.csv", status: [7]int{303, 403, 403, 403, 200, 200, 303}},
	"GET /audit/insights":              {path: "/audit/insights", status: [7]int{303, 403, 403, 403, 200, 200, 303}},
	"GET /admin":                       {path: "/admin", status: [7]int{303, 403, 403, 403, 403, 200, 303}},
	"GET /cli/login":                   {path: "/cli/login?port=4242&state=abcdefghijklmnopqrstuvwx", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"POST /cli/login":                  {path: "/cli/login", form: url.Values{"port": {"4242"}, "state": {"abcdefghijklmnopqrstuvwx"}}, status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"GET /profile":                     {path: "/profile", status: [7]int{303, 200, 200, 200, 200, 200, 303}},
	"POST /profile/tokens":             {path: "/profile/tokens", form: url.Values{"name": {"matrix"}, "expires_days": {"1"}}, status: [7]int{401, 200, 200, 200, 200, 200, 401}},
	"POST /profile/tokens/{id}/revoke": {path: "/profile/tokens/tok_nope/revoke", status: [7]int{401, 404, 404, 404, 404, 404, 401}},
	"POST /profile/timezone":           {path: "/profile/timezone", form: url.Values{"tz": {"Europe/Berlin"}}, status: [7]int{401, 303, 303, 303, 303, 303, 401}},
	"POST /profile/away":               {path: "/profile/away", form: url.Values{"until": {"2000-01-01T00:00"}, "delegate": {"erin"}}, status: [7]int{401, 400, 400, 400, 400, 400, 401}},
	"POST /profile/away/clear":         {path: "/profile/away/clear", status: [7]int{401, 303, 303, 303, 303, 303, 401}},
	"GET /admin/policy":                {path: "/admin/policy", status: [7]int{303, 403, 403, 403, 403, 200, 303}},
	"POST /admin/policy/plan":          {path: "/admin/policy/plan", status: [7]int{401, 403, 403, 403, 403, 400, 401}},
	"POST /admin/policy/apply":         {path: "/admin/policy/apply", status: [7]int{401, 403, 403, 403, 403, 400, 401}},
	"POST /admin/policy/draft":         {path: "/admin/policy/draft", status: [7]int{401, 403, 403, 403, 403, 400, 401}},
	"POST /admin/policy/preview":       {path: "/admin/policy/preview", status: [7]int{401, 403, 403, 403, 403, 400, 401}},
	"GET /admin/policy/search":         {path: "/admin/policy/search?kind=groups&q=a", status: [7]int{303, 403, 403, 403, 403, 200, 303}},
	"GET /admin/notifications":         {path: "/admin/notifications", status: [7]int{303, 403, 403, 403, 403, 200, 303}},
	"POST /admin/sync":                 {path: "/admin/sync", status: [7]int{401, 403, 403, 403, 403, 303, 401}},
	"/":                                {path: "/no-such-page", status: [7]int{404, 404, 404, 404, 404, 404, 404}},
}

// conditionalRoutes are served only when configured (OIDC, SAML, Slack);
// their authorization is their signature or IdP check, tested with them.
var conditionalRoutes = []string{"GET /auth/oidc/login", "GET /auth/oidc/callback", "GET /auth/saml/login", "POST /auth/saml/acs",
	"GET /auth/saml/metadata", "POST /slack/interactions", "POST /slack/commands", "POST /slack/events"}

// TestAuthorizationMatrix calls every route the running app serves (the
// live route table, app.Routes) as every role and checks the exact status.
// A route without a matrix row fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	seed := awsemu.DemoSeed()
	seed.Users = append(seed.Users, awsemu.SeedUser{UserName: "frank", Email: "frank@example.com", Disabled: true})
	env := startPortal(t, seed, func(c *config.Config) {
		c.Security.RateLimits = config.RateLimits{SignInPerIP: -1, SignInPerUser: -1, FailedTokensPerIP: -1, RequestsPerToken: -1}
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "carol-admin-prod", Users: []string{"carol"}, Accounts: []string{"prod"},
			PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 4 * time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"}})
	})
	ctx := context.Background()
	tokens := map[string]string{}
	for role, u := range roleUser {
		tok, _, err := env.app.Service().CreateToken(ctx, u, "matrix", 0)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
	}
	sessions := map[string]*http.Client{}
	for role, u := range roleUser {
		if role != "disabled" {
			sessions[role] = env.signedInClient(t, u)
		}
	}
	jar, _ := cookiejar.New(nil)
	sessions["anonymous"] = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sessions["disabled"] = sessions["anonymous"]

	// newRequest makes a fresh pending request of the role's subject.
	newRequest := func(role string) string {
		owner := "requester"
		if role == "self" {
			owner = "self"
		}
		c, err := client.New(env.app.URL(), tokens[owner])
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
			Duration: time.Hour, Justification: "matrix"})
		if err != nil {
			t.Fatalf("request for %s: %v", role, err)
		}
		return r.ID
	}
	body := map[string]string{
		"POST /api/v1/requests":             `{"account_ids":["prod"],"permission_set":"AdministratorAccess","duration":"1h","justification":"matrix"}`,
		"POST /api/v1/requests/{id}/extend": `{"duration":"1h","justification":"more"}`,
		"PUT /api/v1/admin/policy":          `not yaml: [`,
		"POST /api/v1/admin/policy/plan":    `not yaml: [`,
		"POST /api/v1/admin/policy/preview": `not yaml: [`,
		"PUT /api/v1/admin/settings":        `not json`,
		"PUT /api/v1/me/away":               `{"until":"2000-01-01T00:00:00Z","delegate":"erin"}`,
	}

	var got []string
	check := func(pattern string, c cell, do func(role, path string) int) {
		for i, role := range matrixRoles {
			path := c.path
			if strings.Contains(path, "{id}") {
				path = strings.ReplaceAll(path, "{id}", newRequest(role))
			}
			st := do(role, path)
			got = append(got, fmt.Sprintf("%s %s %d", pattern, role, st))
			if st != c.status[i] {
				t.Errorf("%s as %s: %d, want %d", pattern, role, st, c.status[i])
			}
		}
	}
	routes := env.app.Routes()
	for _, pattern := range routes {
		if c, ok := apiMatrix[pattern]; ok {
			method, _, _ := strings.Cut(pattern, " ")
			check(pattern, c, func(role, path string) int {
				var rd io.Reader
				if b, ok := body[pattern]; ok {
					rd = strings.NewReader(b)
				} else if method != http.MethodGet {
					rd = strings.NewReader(`{}`)
				}
				req, _ := http.NewRequest(method, env.app.URL()+path, rd)
				if rd != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				if strings.Contains(pattern, "/admin/policy") && method != http.MethodGet {
					req.Header.Set("Content-Type", "application/yaml")
				}
				tok := tokens[role]
				if pattern == "POST /api/v1/logout" && role != "anonymous" && role != "disabled" {
					// Logging out revokes the token: use one made for it.
					fresh, _, err := env.app.Service().CreateToken(ctx, roleUser[role], "matrix logout", 0)
					if err != nil {
						t.Fatal(err)
					}
					tok = fresh
				}
				if role != "anonymous" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				return doStatus(t, http.DefaultClient, req)
			})
			continue
		}
		if c, ok := serverMatrix[pattern]; ok {
			method, _, found := strings.Cut(pattern, " ")
			if !found {
				method = http.MethodGet
			}
			check(pattern, c, func(role, path string) int {
				var req *http.Request
				if method == http.MethodPost {
					req, _ = http.NewRequest(method, env.app.URL()+path, strings.NewReader(c.form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				} else {
					req, _ = http.NewRequest(method, env.app.URL()+path, nil)
				}
				if role == "disabled" {
					req.Header.Set("Authorization", "Bearer "+tokens[role])
				}
				return doStatus(t, sessions[role], req)
			})
			if pattern == "POST /signout" { // signing out ended the sessions: sign in again
				for role, u := range roleUser {
					if role != "disabled" {
						sessions[role] = env.signedInClient(t, u)
					}
				}
			}
			continue
		}
		if slices.Contains(conditionalRoutes, pattern) {
			continue
		}
		t.Errorf("route %q has no entry in the authorization matrix (internal/app/authz_matrix_test.go)", pattern)
	}
	for pattern := range apiMatrix {
		if !slices.Contains(routes, pattern) {
			t.Errorf("matrix row %q names no live route", pattern)
		}
	}
	if os.Getenv("ELEVATE_MATRIX_PRINT") != "" {
		sort.Strings(got)
		t.Log("\n" + strings.Join(got, "\n"))
	}
}

func doStatus(t *testing.T, c *http.Client, req *http.Request) int {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
