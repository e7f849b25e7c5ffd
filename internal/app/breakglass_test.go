package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

// withBreakGlass adds a break-glass rule for alice on prod (reviewed by the
// approvers group) and an ordinary rule on staging, and turns on every
// notification channel: Slack (fake Web API, audit channel), email (an SMTP
// address nothing listens on: deliveries are planned and fail), the webhook
// (a receiver that records the event types) and the log.
func withBreakGlass(fs *fakeSlack, hookURL, smtpAddr string) func(*config.Config) {
	return func(c *config.Config) {
		c.Policy.Rules = append(c.Policy.Rules,
			policy.Rule{Name: "alice-breakglass-prod", Users: []string{"alice"}, Accounts: []string{"prod"},
				PermissionSets: []string{"AdministratorAccess"}, MaxDuration: time.Hour, BreakGlass: true, ApproverGroups: []string{"approvers"}},
			policy.Rule{Name: "alice-admin-staging", Users: []string{"alice"}, Accounts: []string{"staging"},
				PermissionSets: []string{"AdministratorAccess"}, MaxDuration: time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"}})
		c.Notify.Slack.BotToken = "xoxb-test-token"
		c.Notify.Slack.APIURL = fs.srv.URL + "/api/"
		c.Notify.Slack.AuditChannel = "C_AUDIT"
		host, port, _ := net.SplitHostPort(smtpAddr)
		c.Notify.Email.Host, c.Notify.Email.From, c.Notify.Email.TLS = host, "elevate@example.com", "none"
		c.Notify.Email.Port, _ = strconv.Atoi(port)
		c.Notify.Webhook.URL, c.Notify.Webhook.Secret = hookURL, "hook-secret"
		c.Notify.Log = true
	}
}

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // cleanup: its close error cannot matter here
	return addr
}

// hookRecorder is a webhook receiver that records the event types it got.
type hookRecorder struct {
	mu    sync.Mutex
	types []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Event struct{ Type string } `json:"event"`
	}
	_ = json.NewDecoder(r.Body).Decode(&p)
	h.mu.Lock()
	h.types = append(h.types, p.Event.Type)
	h.mu.Unlock()
}

func (h *hookRecorder) got(typ string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Contains(h.types, typ)
}

// apiCall sends an API request as user and checks the request and the
// answer against openapi.json; it returns the status and the body.
func apiCall(t *testing.T, env *testEnv, user, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, env.app.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.tokens[user])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)

	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	vreq := httptest.NewRequest(method, path, bytes.NewReader(raw))
	vreq.Header = req.Header.Clone()
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s: no route in openapi.json: %v", method, path, err)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true,
		AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
		t.Errorf("%s %s: request does not conform to openapi.json: %v", method, path, err)
	}
	v := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	v.SetBodyBytes(out)
	if err := openapi3filter.ValidateResponse(t.Context(), v); err != nil {
		t.Errorf("%s %s -> %d: answer does not conform to openapi.json: %v\n%s", method, path, resp.StatusCode, err, out)
	}
	return resp.StatusCode, out
}

// errorCode returns the error code of an API error body.
func errorCode(body []byte) string {
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code
}

// TestBreakGlassEndToEnd: alice takes AdministratorAccess on prod by
// break-glass through the CLI; it is active at once with the assignment in
// AWS (the emulator), and every channel is alerted. Break-glass on a rule
// that does not allow it is refused. Auditors and admins list it as
// unreviewed (others get 403); alice can't review her own use
// (self_approval), an auditor who is not an approver can't either; bob
// reviews it with a comment, after which it is no longer unreviewed, and
// the decision log has both the break-glass event and the review.
func TestBreakGlassEndToEnd(t *testing.T) {
	forEachEngine(t, testBreakGlassEndToEnd)
}

func testBreakGlassEndToEnd(t *testing.T, engine func(*config.Config)) {
	fs := newFakeSlack(t)
	hooks := &hookRecorder{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	env := start(t, both(engine, withBreakGlass(fs, hookSrv.URL, closedAddr(t))))
	ctx := context.Background()
	alice, bob, carol, dave, erin := env.client(t, "alice"), env.client(t, "bob"), env.client(t, "carol"), env.client(t, "dave"), env.client(t, "erin")

	// Refused on a rule that is not break-glass, saying why.
	_, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"staging"}, PermissionSet: "AdministratorAccess",
		Duration: 30 * time.Minute, Justification: "INC-77", BreakGlass: true})
	if apiCode(err) != "not_eligible" || !strings.Contains(err.Error(), "alice-admin-staging does not allow break-glass") {
		t.Fatalf("break-glass on a non break-glass rule: %v (code %q)", err, apiCode(err))
	}
	// Refused for later: break-glass is active at once.
	_, err = alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: 30 * time.Minute, Justification: "INC-77", BreakGlass: true, Start: time.Now().Add(time.Hour)})
	if apiCode(err) != "invalid_argument" {
		t.Fatalf("break-glass for later: %v", err)
	}

	out, err := runCLI(t, env, "alice", "request", "--account", "prod", "--permission-set", "AdministratorAccess",
		"--duration", "30m", "--reason", "INC-77: prod is down", "--break-glass", "--quiet")
	if err != nil {
		t.Fatalf("elevate request --break-glass: %v", err)
	}
	id := strings.TrimSpace(out)
	r := waitStatus(t, alice, id, client.StatusActive)
	if len(r.Approvals) != 0 || r.ApprovalsRequired != 0 || r.Rule != "alice-breakglass-prod" {
		t.Errorf("break-glass request: approvals %d/%d, rule %q", len(r.Approvals), r.ApprovalsRequired, r.Rule)
	}
	if !env.emu.HasAssignment(env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) {
		t.Fatal("break-glass request active without the assignment in AWS")
	}

	// Every channel is alerted: Slack DMs to the reviewers, admins and
	// auditors, the Slack audit channel, email, the webhook and the log.
	eventually(t, "break-glass alerts in Slack", func() bool {
		calls := fs.snapshot()
		for _, ch := range []string{"D_bob", "D_carol", "D_erin", "D_dave", "D_alice", "C_AUDIT"} {
			if index(calls, func(c slackCall) bool {
				return c.Method == "chat.postMessage" && c.Channel == ch && strings.Contains(c.Text, "BREAK-GLASS")
			}) < 0 {
				return false
			}
		}
		return true
	})
	eventually(t, "the break-glass webhook", func() bool { return hooks.got("request.break_glass") })
	planned := map[string]bool{}
	notes := adminNotifications(t, env, "request_id="+id+"&limit=1000")
	for _, n := range notes {
		ch, _ := n["channel"].(string)
		to, _ := n["recipient"].(string)
		if n["event"] == "request.break_glass" {
			planned[ch+":"+to] = true
		}
		if n["event"] == "request.submitted" && ch != "webhook" && ch != "slack_audit" {
			t.Errorf("the submission is alerted personally besides the break-glass event: %v", n)
		}
	}
	for _, who := range []string{"alice", "bob", "carol", "dave", "erin"} {
		for _, ch := range []string{"slack", "email", "log"} {
			if !planned[ch+":"+who] {
				t.Errorf("no %s alert to %s: %v", ch, who, planned)
			}
		}
	}
	if !planned["webhook:"] || !planned["slack_audit:"] {
		t.Errorf("no webhook or Slack audit channel alert: %v", planned)
	}

	// The unreviewed list: admins and auditors, nobody else.
	for _, who := range []*client.Client{dave, erin} {
		us, err := who.ListBreakGlass(ctx, true, 0)
		if err != nil || !slices.ContainsFunc(us, func(u client.BreakGlassUse) bool { return u.RequestID == id && !u.Reviewed }) {
			t.Fatalf("unreviewed list: %+v, %v", us, err)
		}
	}
	if _, err := bob.ListBreakGlass(ctx, true, 0); apiCode(err) != "forbidden" {
		t.Errorf("bob (an approver, not admin or auditor) lists break-glass use: %v", err)
	}
	if status, body := apiCall(t, env, "dave", "GET", "/api/v1/admin/breakglass?unreviewed=1", nil); status != 200 || !bytes.Contains(body, []byte(id)) {
		t.Errorf("GET /admin/breakglass?unreviewed=1: %d %s", status, body)
	}
	if status, body := apiCall(t, env, "alice", "GET", "/api/v1/admin/breakglass", nil); status != 403 {
		t.Errorf("alice GET /admin/breakglass: %d %s", status, body)
	}
	cliOut, err := runCLI(t, env, "erin", "breakglass", "ls", "--unreviewed")
	if err != nil || !strings.Contains(cliOut, id) || !strings.Contains(cliOut, "UNREVIEWED") {
		t.Errorf("elevate breakglass ls --unreviewed: %v\n%s", err, cliOut)
	}

	// Who may review.
	if status, body := apiCall(t, env, "alice", "POST", "/api/v1/requests/"+id+"/review", map[string]string{"comment": "all fine"}); status != 403 || errorCode(body) != "self_approval" {
		t.Errorf("alice reviews her own break-glass: %d %s", status, body)
	}
	if _, err := dave.Review(ctx, id, "looks fine"); apiCode(err) != "forbidden" {
		t.Errorf("dave (auditor, not an approver) reviews: %v", err)
	}
	if status, body := apiCall(t, env, "bob", "POST", "/api/v1/requests/"+id+"/review", map[string]string{"comment": " "}); status != 400 {
		t.Errorf("review without a comment: %d %s", status, body)
	}
	cliOut, err = runCLI(t, env, "bob", "review", id, "--comment", "checked INC-77: justified")
	if err != nil || !strings.Contains(cliOut, "reviewed by bob") {
		t.Fatalf("elevate review: %v\n%s", err, cliOut)
	}
	if _, err := carol.Review(ctx, id, "me too"); apiCode(err) != "already_decided" {
		t.Errorf("a second review: %v", err)
	}
	us, err := erin.ListBreakGlass(ctx, true, 0)
	if err != nil || slices.ContainsFunc(us, func(u client.BreakGlassUse) bool { return u.RequestID == id }) {
		t.Errorf("still unreviewed after the review: %+v, %v", us, err)
	}
	us, err = dave.ListBreakGlass(ctx, false, 0)
	if err != nil || len(us) != 1 || !us[0].Reviewed || us[0].ReviewedBy != "bob" || us[0].ReviewComment != "checked INC-77: justified" || us[0].ReviewedAt == nil {
		t.Errorf("all break-glass use after the review: %+v, %v", us, err)
	}
	if status, body := apiCall(t, env, "erin", "GET", "/api/v1/admin/breakglass", nil); status != 200 || !bytes.Contains(body, []byte(`"reviewed_by":"bob"`)) {
		t.Errorf("GET /admin/breakglass: %d %s", status, body)
	}

	// The decision log: the break-glass event and the review, by bob, with his comment.
	evs, err := alice.RequestEvents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	bg := slices.IndexFunc(evs, func(e client.Event) bool { return e.Type == "request.break_glass" })
	rv := slices.IndexFunc(evs, func(e client.Event) bool { return e.Type == "request.break_glass_reviewed" })
	if bg < 0 || rv < 0 || bg > rv {
		t.Fatalf("decision log lacks the break-glass event or its review: %+v", evs)
	}
	if e := evs[bg]; e.Actor.UserName != "alice" || e.Details["rule"] != "alice-breakglass-prod" || e.Details["review"] != "required" {
		t.Errorf("break-glass event: %+v", e)
	}
	if e := evs[rv]; e.Actor.UserName != "bob" || e.Details["comment"] != "checked INC-77: justified" {
		t.Errorf("review event: %+v", e)
	}
	eventually(t, "the review sent to the webhook", func() bool { return hooks.got("request.break_glass_reviewed") })
}
