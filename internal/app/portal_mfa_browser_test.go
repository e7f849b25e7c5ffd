package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// mfaOPStorage is the example OP's storage with the ID token's amr and
// auth_time of an IdP that asks for a second factor: every sign-in says amr
// ["pwd", "mfa"]; an ordinary one (no max_age) reuses the IdP's own
// session, two hours old, as its auth_time, while one asked with max_age
// (a step-up) authenticates again and says the time of the login form.
type mfaOPStorage struct {
	*storage.Storage
	mu      sync.Mutex
	maxAges []time.Duration // the max_age of each token exchanged; -1 when none
}

// oidcStaleSession is how old the OP's own session is for an ordinary sign-in.
const oidcStaleSession = 2 * time.Hour

type mfaAuthRequest struct {
	*storage.AuthRequest
	authTime time.Time
}

func (r mfaAuthRequest) GetAMR() []string {
	if r.Done() {
		return []string{"pwd", "mfa"}
	}
	return nil
}

func (r mfaAuthRequest) GetAuthTime() time.Time { return r.authTime }

func (s *mfaOPStorage) wrap(r op.AuthRequest) op.AuthRequest {
	ar := r.(*storage.AuthRequest)
	at := ar.GetAuthTime()
	if ar.MaxAuthAge == nil && !at.IsZero() {
		at = at.Add(-oidcStaleSession)
	}
	return mfaAuthRequest{AuthRequest: ar, authTime: at}
}

func (s *mfaOPStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.wrap(r), nil
}

func (s *mfaOPStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	maxAge := time.Duration(-1)
	if m := r.(*storage.AuthRequest).MaxAuthAge; m != nil {
		maxAge = *m
	}
	s.mu.Lock()
	s.maxAges = append(s.maxAges, maxAge)
	s.mu.Unlock()
	return s.wrap(r), nil
}

// unwrap gives the example storage its own request type back (it reads
// the client id from it).
func unwrap(r op.TokenRequest) op.TokenRequest {
	if w, ok := r.(mfaAuthRequest); ok {
		return w.AuthRequest
	}
	return r
}

func (s *mfaOPStorage) CreateAccessToken(ctx context.Context, r op.TokenRequest) (string, time.Time, error) {
	return s.Storage.CreateAccessToken(ctx, unwrap(r))
}

func (s *mfaOPStorage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.Storage.CreateAccessAndRefreshTokens(ctx, unwrap(r), current)
}

func (s *mfaOPStorage) exchangedMaxAges() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.maxAges...)
}

// mfaOIDCProvider runs the example OP with mfaOPStorage; its user "carol"
// is the directory's carol (by user name).
func mfaOIDCProvider(t *testing.T, redirectURI string) (string, *mfaOPStorage) {
	t.Helper()
	users := opUsers{"u2": {ID: "u2", Username: "carol", Password: opPassword, Email: "carol@personal.example.net", PreferredLanguage: language.English}}
	clients := map[string]*storage.Client{"elevate": storage.WebClient("elevate", "elevate-secret", redirectURI)}
	st := &mfaOPStorage{Storage: storage.NewStorageWithClients(users, clients)}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	issuer := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // another site than elevate's
	h = exampleop.SetupServer(issuer, st, nil, false)
	return issuer, st
}

// opLogin fills the OP's login form as carol and waits to be back on
// elevate's request page.
func opLogin(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	run(t, ctx, what,
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "carol"),
		chromedp.SendKeys(chromedp.ID("password"), opPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("request-status")))
}

// TestApproverMFABrowser: under a rule with approver_mfa (15m), carol,
// whose OIDC sign-in is two hours old (the IdP reused its session), is told
// on the request's page that Approve sends her through a fresh sign-in; her
// Approve sends her to the OP with max_age=900, the OP returns amr ["mfa"]
// and a fresh auth_time, she is back on the request and approves it; the
// decision log names the sign-in that proved it. An API token's approval
// of such a request is refused with approver_mfa_required (403), naming the
// portal.
func TestApproverMFABrowser(t *testing.T) {
	ctx := browser(t)
	ln, base := listenLoopback(t)
	issuer, opStore := mfaOIDCProvider(t, base+"/auth/oidc/callback")
	env := startPortalOn(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.PublicURL = base
		c.Auth.OIDC = config.OIDC{Issuer: issuer, ClientID: "elevate", ClientSecret: "elevate-secret"}
		c.Policy.Rules[0].ApproverMFA = &policy.ApproverMFA{MaxAge: 15 * time.Minute}
	}, ln)
	svc := env.app.Service()
	bg := context.Background()
	submit := func() *access.Request {
		t.Helper()
		r, err := svc.Submit(bg, env.actor(t, "alice"), workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
			Duration: time.Hour, Justification: "INC-7: restore the table"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// The request form tells alice how her approvers must approve.
	form := last(get(t, env.signedInClient(t, "alice"), base+"/request?account="+env.emu.AccountID("prod")))
	if !strings.Contains(form.Body, "from bob, carol, in the portal after a multi-factor sign-in") {
		t.Fatalf("the request form does not say the approvers need a multi-factor sign-in: %.3000s", form.Body)
	}

	// An API token's approval is refused, with the code and the fix.
	r0 := submit()
	tok, _, err := svc.CreateToken(bg, "carol", "mfa-test", 0)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/requests/"+r0.ID+"/approve", strings.NewReader(`{"comment":"ok"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || body.Error.Code != string(access.CodeApproverMFARequired) ||
		!strings.Contains(body.Error.Message, "approve it in the portal (/requests/"+r0.ID+")") {
		t.Fatalf("API approval: %s %+v; want 403 approver_mfa_required naming the portal", resp.Status, body.Error)
	}
	if got, _ := svc.GetRequest(bg, env.actor(t, "alice"), r0.ID); got.Status != access.StatusPending {
		t.Fatalf("after the refused API approval the request is %s, want pending", got.Status)
	}

	// carol signs in through the OP: MFA, but two hours ago.
	r := submit()
	var loc, notice string
	page := base + "/requests/" + r.ID
	run(t, ctx, "start carol's sign-in", chromedp.Navigate(base+"/auth/oidc/login?next=/requests/"+r.ID))
	opLogin(t, ctx, "carol signs in")
	var hint string
	run(t, ctx, "the approval's MFA hint", into(&hint, chromedp.Text(chromedp.ID("approver-mfa"))))
	var label string
	run(t, ctx, "the approve control", into(&label, chromedp.Text(chromedp.ID("approve"))))
	if !strings.Contains(hint, "within the last 15m") || !strings.Contains(hint, "sign in again, and you come back here to approve") || label != "Sign in again to approve" {
		t.Fatalf("hint %q, control %q; want the 15m window and the fresh sign-in", hint, label)
	}
	screenshot(t, ctx, "approver-mfa")

	// A form's approve (the approvals page, or a page loaded before) is
	// refused by the workflow and comes back to the request, which says why.
	if err := postFormBrowser(ctx, page+"/approve"); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "the refused post's notice", chromedp.WaitVisible(chromedp.CSS("p.notice")), into(&loc, chromedp.Location()),
		into(&notice, chromedp.Text(chromedp.CSS("p.notice"))))
	if loc != page+"?msg=stepup" || !strings.Contains(notice, "needs a fresh sign-in with multi-factor authentication") {
		t.Fatalf("a stale approval: at %s, notice %q", loc, notice)
	}

	// Sign in again: sent to the OP with max_age, back on the request with a fresh sign-in.
	run(t, ctx, "carol is sent to sign in again", chromedp.Click(chromedp.ID("approve")))
	opLogin(t, ctx, "carol signs in again")
	run(t, ctx, "back on the request", into(&loc, chromedp.Location()), into(&notice, chromedp.Text(chromedp.CSS("p.notice"))),
		into(&hint, chromedp.Text(chromedp.ID("approver-mfa"))))
	if !strings.HasPrefix(loc, page+"?msg=mfa") || !strings.Contains(notice, "You signed in again with multi-factor authentication") {
		t.Fatalf("after the step-up: at %s, notice %q", loc, notice)
	}
	if strings.Contains(hint, "sign in again") {
		t.Fatalf("after the step-up the hint still asks for a fresh sign-in: %q", hint)
	}
	if got, _ := svc.GetRequest(bg, env.actor(t, "alice"), r.ID); got.Status != access.StatusPending {
		t.Fatalf("the step-up approved on its own: %s", got.Status)
	}
	if got := opStore.exchangedMaxAges(); len(got) != 2 || got[0] != -1 || got[1] != 15*time.Minute {
		t.Fatalf("the OP's sign-ins had max_age %v, want none then 15m", got)
	}

	// Now Approve approves.
	run(t, ctx, "approve", chromedp.SetValue(chromedp.ID("comment"), "checked"), chromedp.Click(chromedp.ID("approve")))
	waitNotice(t, ctx, "You approved this request.")
	got, err := svc.GetRequest(bg, env.actor(t, "alice"), r.ID)
	if err != nil || got.ApprovalCount() != 1 || got.Approvals[0].UserName != "carol" {
		t.Fatalf("request after carol's approval: %+v, %v", got, err)
	}
	evs, err := svc.RequestEvents(bg, env.actor(t, "alice"), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]string
	for _, e := range evs {
		if e.Type == access.EventApproved {
			d = e.Details
		}
	}
	at, err := time.Parse(time.RFC3339, d["mfa_at"])
	if d["mfa_method"] != "oidc" || !strings.Contains(d["mfa_context"], "mfa") || d["mfa_max_age"] != "15m0s" || err != nil || time.Since(at) > 15*time.Minute {
		t.Fatalf("approval's log details %v: want the OIDC sign-in with amr mfa, fresh", d)
	}
}

// postFormBrowser posts an empty form to action from the current page, as
// a page's form would, and returns once the post is sent.
func postFormBrowser(ctx context.Context, action string) error {
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var ok bool
	return chromedp.Do(c, into(&ok, chromedp.Evaluate[bool](`(() => { const f = document.createElement("form"); f.method = "post"; f.action = `+
		strconv.Quote(action)+`; document.body.appendChild(f); f.submit(); return true })()`)))
}

// waitNotice waits, within 30 s, for the page (maybe still loading after
// a post) to show a notice containing want.
func waitNotice(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := chromedp.Do(c, chromedp.WaitVisible(chromedp.CSS("p.notice")), into(&got, chromedp.Text(chromedp.CSS("p.notice"))))
		cancel()
		if err == nil && strings.Contains(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page's notice is %q, want %q", got, want)
}

// TestOIDCStepUpWithoutMFA: a step-up sign-in (max_age) asks the OP for
// max_age and the configured acr_values; the OP answers amr ["pwd"], so the
// callback refuses with what it got and what elevate accepts, and the
// browser keeps the session it had.
func TestOIDCStepUpWithoutMFA(t *testing.T) {
	ln, base := listenLoopback(t)
	issuer := oidcProvider(t, base+"/auth/oidc/callback") // amr ["pwd"]
	startPortalOn(t, awsemu.DemoSeed(), func(c *config.Config) {
		c.PublicURL = base
		c.Auth.OIDC = config.OIDC{Issuer: issuer, ClientID: "elevate", ClientSecret: "elevate-secret", ACRValues: []string{"phr"}}
	}, ln)
	c := browserClient(t)
	hops := oidcSignIn(t, c, base, "alice.anders", func(u *url.URL) {
		if q := u.Query(); q.Has("max_age") || q.Has("acr_values") {
			t.Errorf("an ordinary sign-in asks for max_age or acr_values: %s", u)
		}
	})
	ck := setCookie(hops, auth.LoopbackCookieName)
	if ck == nil || whoami(t, c, base) != "alice" {
		t.Fatal("alice is not signed in")
	}

	start := get(t, c, base+"/auth/oidc/login?max_age=600&next=/profile")
	authz, err := url.Parse(start[0].Resp.Header.Get("Location"))
	if err != nil || authz.Query().Get("max_age") != "600" || authz.Query().Get("acr_values") != "phr" {
		t.Fatalf("step-up authorization request %q: want max_age=600 and acr_values=phr", start[0].Resp.Header.Get("Location"))
	}
	page := last(start)
	m := opAuthRequestID.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no OP login form: %.300s", page.Body)
	}
	h := last(postForm(t, c, page.URL.ResolveReference(&url.URL{Path: "/login/username"}).String(),
		url.Values{"id": {m[1]}, "username": {"alice.anders"}, "password": {opPassword}}))
	if h.Resp.StatusCode != http.StatusForbidden || !strings.Contains(h.Body, "did not prove a fresh multi-factor sign-in: it said amr pwd, and elevate accepts amr mfa or acr phr") {
		t.Fatalf("step-up without MFA: %s %.1500s", h.Resp.Status, h.Body)
	}
	if who := whoamiWith(t, base, ck); who != "alice" {
		t.Fatalf("the session before the refused step-up is gone (whoami %q)", who)
	}
}
