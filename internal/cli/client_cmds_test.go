package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/api/apitest"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/server"
)

// clientCmdBuffer lets a test read output while a command still writes it.
type clientCmdBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *clientCmdBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *clientCmdBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clientCmdTest runs client commands against the real API over a seeded fake.
type clientCmdTest struct {
	t    *testing.T
	fake *apitest.Fake
	url  string
	// configDir holds what elevate login stores (ELEVATE_CONFIG_DIR).
	configDir string
}

func newClientCmdTest(t *testing.T) *clientCmdTest {
	t.Helper()
	fake := apitest.NewSeeded()
	log := slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(server.New(server.Options{API: api.New(fake, log), Logger: log}).Handler())
	t.Cleanup(ts.Close)
	return &clientCmdTest{t: t, fake: fake, url: ts.URL, configDir: t.TempDir()}
}

// run runs the command as the user of token (via ELEVATE_TOKEN) and returns
// the exit status, stdout and stderr.
func (ct *clientCmdTest) run(token string, args ...string) (int, string, string) {
	ct.t.Helper()
	return ct.runCtx(ct.t.Context(), token, args...)
}

func (ct *clientCmdTest) runCtx(ctx context.Context, token string, args ...string) (int, string, string) {
	var stdout, stderr clientCmdBuffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "ELEVATE_SERVER":
			return ct.url
		case "ELEVATE_TOKEN":
			return token
		case "ELEVATE_CONFIG_DIR":
			return ct.configDir
		}
		return ""
	}}
	code := RunEnv(ctx, env, args)
	return code, stdout.String(), stderr.String()
}

// mustRun fails unless the command exits 0.
func (ct *clientCmdTest) mustRun(token string, args ...string) string {
	ct.t.Helper()
	code, out, errOut := ct.run(token, args...)
	if code != 0 {
		ct.t.Fatalf("elevate %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// newRequestID makes a pending prod request for alice and returns its id.
func (ct *clientCmdTest) newRequestID() string {
	ct.t.Helper()
	out := ct.mustRun(apitest.AliceToken, "request", "--account", apitest.ProdAccount, "--permission-set", "AdministratorAccess",
		"--duration", "1h", "--reason", "fix prod", "--json")
	var r struct{ ID, Status string }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Status != "pending" {
		ct.t.Fatalf("request --json: %v: %s", err, out)
	}
	return r.ID
}

// waitForRequests returns once the fake holds n requests.
func (ct *clientCmdTest) waitForRequests(n int) []access.Request {
	for range 500 {
		if rs := ct.fake.Requests(); len(rs) >= n {
			return rs
		}
		time.Sleep(5 * time.Millisecond)
	}
	ct.t.Error("the request never arrived")
	return nil
}

func TestRequestWaitUntilActive(t *testing.T) {
	ct := newClientCmdTest(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := ct.waitForRequests(1)[0]
		// Change the request only after the CLI has polled each state.
		ct.fake.AwaitGetRequestCalls(1)
		if _, err := ct.fake.Approve(context.Background(), apitest.Bob, r.ID, "go ahead"); err != nil {
			t.Error(err)
			return
		}
		ct.fake.AwaitGetRequestCalls(ct.fake.GetRequestCalls() + 1)
		if err := ct.fake.Activate(r.ID); err != nil {
			t.Error(err)
		}
	}()
	code, out, errOut := ct.run(apitest.AliceToken, "request", "--account", "111111111111,", "--permission-set", "AdministratorAccess",
		"--duration", "1h", "--reason", "redrive the DLQ", "--ticket", "INC-9", "--wait", "--interval", "5ms")
	<-done
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{
		"Request req_0001 is waiting for approval (pending): AdministratorAccess on prod (1111 1111 1111) for 1h.",
		"Waiting for 1 approval from bob, carol.",
		"req_0001 is now approved (scheduled)",
		"req_0001 is now active",
		"Access is active until ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "now scheduled") > strings.Index(out, "now active") {
		t.Errorf("status changes out of order:\n%s", out)
	}
	if r, _ := ct.fake.Request("req_0001"); r.Ticket != "INC-9" || r.Justification != "redrive the DLQ" || len(r.Grants) != 1 {
		t.Errorf("stored request = %+v", r)
	}
}

func TestRequestWaitFailsUnlessActive(t *testing.T) {
	ct := newClientCmdTest(t)
	go func() {
		r := ct.waitForRequests(1)[0]
		if _, err := ct.fake.Reject(context.Background(), apitest.Carol, r.ID, "use ReadOnlyAccess"); err != nil {
			t.Error(err)
		}
	}()
	code, out, errOut := ct.run(apitest.AliceToken, "request", "--account", apitest.ProdAccount, "--permission-set", "AdministratorAccess",
		"--duration", "30m", "--reason", "x", "--wait", "--interval", "5ms", "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "elevate request: request req_0001 is rejected: rejected by carol: use ReadOnlyAccess") {
		t.Errorf("stderr = %s", errOut)
	}
	// With --json, progress goes to stderr and stdout holds only the final request.
	var r struct{ Status string }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Status != "rejected" {
		t.Errorf("stdout is not the final request: %v\n%s", err, out)
	}
	if !strings.Contains(errOut, "is now rejected") {
		t.Errorf("stderr lacks progress: %s", errOut)
	}

	// A grant that AWS refuses fails the request, with AWS's reason.
	ct2 := newClientCmdTest(t)
	go func() {
		r := ct2.waitForRequests(1)[0]
		if err := ct2.fake.FailGrants(r.ID, "permission set not provisioned"); err != nil {
			t.Error(err)
		}
	}()
	code, _, errOut = ct2.run(apitest.AliceToken, "request", "--account", apitest.SandboxAccount, "--permission-set", "ReadOnlyAccess",
		"--duration", "30m", "--reason", "x", "--wait", "--interval", "5ms")
	if code != 1 || !strings.Contains(errOut, "is failed: 222222222222: permission set not provisioned") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

func TestRequestFlagErrors(t *testing.T) {
	ct := newClientCmdTest(t)
	base := []string{"--account", apitest.ProdAccount, "--permission-set", "AdministratorAccess", "--duration", "1h", "--reason", "r"}
	without := func(flag string) []string {
		var out []string
		for i := 0; i < len(base); i += 2 {
			if base[i] != flag {
				out = append(out, base[i], base[i+1])
			}
		}
		return out
	}
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{without("--account"), 2, "--account is required"},
		{without("--permission-set"), 2, "--permission-set is required"},
		{without("--duration"), 2, "--duration is required"},
		{without("--reason"), 2, "--reason is required"},
		{append(without("--duration"), "--duration", "soon"), 2, `--duration "soon" is not a duration such as 30m, 1h 30m, 4h or 1d`},
		{append(cloneArgs(base), "--start", "tomorrow"), 2, `--start "tomorrow" is not a time`},
		{append(cloneArgs(base), "extra"), 2, `unexpected argument "extra"`},
		{append(without("--duration"), "--duration", "99h"), 1, "longer than the 4h0m0s this rule allows (400 invalid_argument)"},
		{append(without("--permission-set"), "--permission-set", "ReadOnlyAccess"), 1, "(403 not_eligible)"},
	}
	for _, c := range cases {
		code, _, errOut := ct.run(apitest.AliceToken, append([]string{"request"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("request %v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.msg)
		}
	}
}

func cloneArgs(s []string) []string { return append([]string(nil), s...) }

func TestMissingTokenAndServerErrors(t *testing.T) {
	ct := newClientCmdTest(t)
	code, _, errOut := ct.run("", "ls")
	if code != 1 || !strings.Contains(errOut, "no API token: run `elevate login`, or set ELEVATE_TOKEN or pass --token") {
		t.Errorf("no token: exit %d, %s", code, errOut)
	}
	// --token wins over the environment.
	if out := ct.mustRun("", "whoami", "--token", apitest.BobToken); !strings.Contains(out, "bob") {
		t.Errorf("whoami --token: %s", out)
	}
	code, _, errOut = ct.run("elv_bogus", "ls")
	if code != 1 || !strings.Contains(errOut, "the token is unknown or revoked (401 unauthenticated): check ELEVATE_TOKEN or --token, or run `elevate login`") {
		t.Errorf("bad token: exit %d, %s", code, errOut)
	}
	code, _, errOut = ct.run(apitest.AliceToken, "show", "req_nope")
	if code != 1 || !strings.Contains(errOut, "elevate show: request req_nope does not exist (404 not_found)") {
		t.Errorf("missing request: exit %d, %s", code, errOut)
	}
	code, _, errOut = ct.run(apitest.AliceToken, "ls", "--server", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "is the elevate server at http://127.0.0.1:1 running?") {
		t.Errorf("unreachable: exit %d, %s", code, errOut)
	}
	code, _, errOut = ct.run(apitest.AliceToken, "approve")
	if code != 2 || !strings.Contains(errOut, "give one request id") {
		t.Errorf("approve without id: exit %d, %s", code, errOut)
	}
	// -h never shows the token.
	_, _, errOut = ct.run(apitest.AliceToken, "ls", "-h")
	if strings.Contains(errOut, apitest.AliceToken) {
		t.Errorf("help shows the token: %s", errOut)
	}
}

func TestLs(t *testing.T) {
	ct := newClientCmdTest(t)
	if out := ct.mustRun(apitest.AliceToken, "ls"); strings.TrimSpace(out) != "No requests." {
		t.Errorf("empty ls = %q", out)
	}
	pending := ct.newRequestID()
	active := ct.newRequestID()
	if _, err := ct.fake.Approve(context.Background(), apitest.Bob, active, ""); err != nil {
		t.Fatal(err)
	}
	if err := ct.fake.Activate(active); err != nil {
		t.Fatal(err)
	}
	out := ct.mustRun(apitest.AliceToken, "ls")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("ls printed %d lines:\n%s", len(lines), out)
	}
	for i, want := range [][]string{
		{"ID", "STATUS", "REQUESTER", "PERMISSION SET", "DURATION", "ACCOUNTS", "ENDS"},
		{active, "active", "alice", "AdministratorAccess", "1h", "prod (1111 1111 1111)", "(in 1h)"},
		{pending, "pending", "alice", "AdministratorAccess", "1h", "prod (1111 1111 1111)", "-"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	// Columns line up.
	if strings.Index(lines[0], "STATUS") != strings.Index(lines[1], "active") {
		t.Errorf("columns are not aligned:\n%s", out)
	}
	if r, _ := ct.fake.Request(active); !strings.Contains(lines[1], say.Time(r.EndsAt, time.Local)) {
		t.Errorf("active line lacks its end time: %s", lines[1])
	}

	out = ct.mustRun(apitest.AliceToken, "ls", "--status", "active", "--scope", "mine", "--json")
	var rs []struct{ ID, Status string }
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 || rs[0].ID != active {
		t.Errorf("ls --json: %v: %s", err, out)
	}
	if out := ct.mustRun(apitest.BobToken, "ls", "--scope", "mine", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty ls --json = %q", out)
	}
	code, _, errOut := ct.run(apitest.AliceToken, "ls", "--status", "bogus")
	if code != 1 || !strings.Contains(errOut, `status "bogus" is unknown`) {
		t.Errorf("ls --status bogus: exit %d, %s", code, errOut)
	}
}

func TestShow(t *testing.T) {
	ct := newClientCmdTest(t)
	id := ct.newRequestID()
	ct.mustRun(apitest.BobToken, "approve", id, "--comment", "ok for INC-1")
	if err := ct.fake.Activate(id); err != nil {
		t.Fatal(err)
	}
	out := ct.mustRun(apitest.AliceToken, "show", id, "--events")
	for _, want := range []string{
		"Request:", id, "Status:", "active", "Permission set:", "AdministratorAccess (" + apitest.AdminSetARN + ")",
		"Justification:", "fix prod", "Approvals:", "1 of 1 required", "Approvers:", "bob, carol", "Ends:",
		"Grants:", "ACCOUNT", apitest.ProdAccount, "Decisions:", "bob", "approve", "ok for INC-1",
		"Events:", "requested", "approved", "granted in AWS", "access became active",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	out = ct.mustRun(apitest.AliceToken, "show", "--json", id)
	var r struct {
		ID     string
		Grants []struct{ Status string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.ID != id || r.Grants[0].Status != "active" {
		t.Errorf("show --json: %v: %s", err, out)
	}
	out = ct.mustRun(apitest.AliceToken, "show", "--json", "--events", id)
	var both struct {
		Request struct{ ID string }
		Events  []struct{ Type string }
	}
	if err := json.Unmarshal([]byte(out), &both); err != nil || both.Request.ID != id || len(both.Events) != 4 {
		t.Errorf("show --json --events: %v: %s", err, out)
	}
}

func TestDecisionCommands(t *testing.T) {
	ct := newClientCmdTest(t)
	a := ct.newRequestID()
	if out := ct.mustRun(apitest.BobToken, "approve", a); strings.TrimSpace(out) != "Request "+a+" is approved (scheduled)." {
		t.Errorf("approve = %q", out)
	}
	code, _, errOut := ct.run(apitest.AliceToken, "approve", ct.newRequestID())
	if code != 1 || !strings.Contains(errOut, "you can't decide your own request") || !strings.Contains(errOut, "403 self_approval") {
		t.Errorf("self approval: exit %d, %s", code, errOut)
	}
	b := ct.newRequestID()
	if out := ct.mustRun(apitest.CarolToken, "reject", b, "--comment", "no"); strings.TrimSpace(out) != "Request "+b+" is rejected." {
		t.Errorf("reject = %q", out)
	}
	c := ct.newRequestID()
	out := ct.mustRun(apitest.AliceToken, "cancel", c, "--json")
	var r struct{ Status string }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Status != "cancelled" {
		t.Errorf("cancel --json: %s", out)
	}
	if err := ct.fake.Activate(a); err != nil {
		t.Fatal(err)
	}
	if out := ct.mustRun(apitest.AliceToken, "end", a, "--comment", "done"); !strings.Contains(out, "Request "+a+" is ending") {
		t.Errorf("end = %q", out)
	}
	if got, _ := ct.fake.Request(a); got.EndComment != "done" || got.EndRequestedBy != "alice" {
		t.Errorf("end comment = %+v", got)
	}
	code, _, errOut = ct.run(apitest.AliceToken, "end", a)
	if code != 1 || !strings.Contains(errOut, "already ending") || !strings.Contains(errOut, "409 illegal_transition") {
		t.Errorf("end twice: exit %d, %s", code, errOut)
	}
	if ct.fake.LastVia() != access.ViaAPI { // a token is the API, whoever holds it
		t.Errorf("the CLI was audited as via %q, want api", ct.fake.LastVia())
	}
}

func TestEligibilityAndWhoami(t *testing.T) {
	ct := newClientCmdTest(t)
	out := ct.mustRun(apitest.AliceToken, "eligibility")
	for _, want := range []string{"ACCOUNT", "MAX DURATION", "prod (1111 1111 1111)", "AdministratorAccess", "4h", "sandbox (2222 2222 2222)", "ReadOnlyAccess", "sandbox-read"} {
		if !strings.Contains(out, want) {
			t.Errorf("eligibility lacks %q:\n%s", want, out)
		}
	}
	out = ct.mustRun(apitest.AliceToken, "eligibility", "--json")
	var es []struct{ Account struct{ ID string } }
	if err := json.Unmarshal([]byte(out), &es); err != nil || len(es) != 2 {
		t.Errorf("eligibility --json: %v: %s", err, out)
	}
	out = ct.mustRun(apitest.AuditorToken, "whoami")
	for _, want := range []string{"audrey", "audrey@example.com", "u-audit", "Groups:   auditors\n", "auditor", ct.url} {
		if !strings.Contains(out, want) {
			t.Errorf("whoami lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "g-aud") {
		t.Errorf("whoami shows the group id, not its name:\n%s", out)
	}
	out = ct.mustRun(apitest.AliceToken, "whoami", "--json")
	var me struct {
		UserName string `json:"user_name"`
	}
	if err := json.Unmarshal([]byte(out), &me); err != nil || me.UserName != "alice" {
		t.Errorf("whoami --json: %s", out)
	}
}

func TestRequestWaitInterrupted(t *testing.T) {
	ct := newClientCmdTest(t)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	code, _, errOut := ct.runCtx(ctx, apitest.AliceToken, "request", "--account", apitest.ProdAccount, "--permission-set", "AdministratorAccess",
		"--duration", "1h", "--reason", "x", "--wait", "--interval", "5ms")
	if code != 1 || !strings.Contains(errOut, "stopped waiting: request req_0001 was pending and goes on; follow it with `elevate show req_0001`") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

// TestRequestQuiet: --quiet prints the request id alone on stdout and
// nothing on stderr, for ID=$(elevate request ... --quiet).
func TestRequestQuiet(t *testing.T) {
	ct := newClientCmdTest(t)
	code, out, errOut := ct.run(apitest.AliceToken, "request", "--account", apitest.ProdAccount, "--permission-set", "AdministratorAccess",
		"--duration", "1h", "--reason", "fix prod", "--quiet")
	id := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(id, "req_") || strings.Contains(id, "\n") || out != id+"\n" || errOut != "" {
		t.Errorf("request --quiet: exit %d, stdout %q, stderr %q; want the id alone on stdout and an empty stderr", code, out, errOut)
	}
}
