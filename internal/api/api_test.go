package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/api/apitest"
)

var _ Service = (*apitest.Fake)(nil)

// testAPI is the API over a seeded fake, with its log captured.
type testAPI struct {
	t    *testing.T
	fake *apitest.Fake
	h    http.Handler
	logs *bytes.Buffer
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	logs := &bytes.Buffer{}
	fake := apitest.NewSeeded()
	a := New(fake, slog.New(slog.NewJSONHandler(logs, nil))).WithAudit(newTestAudit(t)).WithAccessPortal("https://d-1234567890.awsapps.com/start", "eu-west-1")
	// Put a request id in the context as the server's middleware does.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.ServeHTTP(w, r.WithContext(access.WithRequestID(r.Context(), "rid-test")))
	})
	return &testAPI{t: t, fake: fake, h: h, logs: logs}
}

// response is a recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("response has no error object: %s", r.body)
	}
	code, _ := e["code"].(string)
	return code
}

func (r response) errorMessage(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

// newRequest builds a request; a non-string body is encoded as JSON.
func newRequest(method, path, token string, body any) *http.Request {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func (ta *testAPI) serve(req *http.Request) response {
	rec := httptest.NewRecorder()
	ta.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (ta *testAPI) do(method, path, token string, body any) response {
	return ta.serve(newRequest(method, path, token, body))
}

// mustStatus fails unless r has status want and, for errors, a JSON error.
func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body: %s", r.status, want, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
}

func decodeRequest(t *testing.T, r response) requestJSON {
	t.Helper()
	var out requestJSON
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("decode request: %v\n%s", err, r.body)
	}
	return out
}

func prodBody() map[string]any {
	return map[string]any{"account_ids": []string{apitest.ProdAccount}, "permission_set": "AdministratorAccess",
		"duration": "1h", "justification": "redrive the orders DLQ", "ticket": "INC-1"}
}

func (ta *testAPI) create(token string, body map[string]any) requestJSON {
	ta.t.Helper()
	r := ta.do("POST", "/api/v1/requests", token, body)
	mustStatus(ta.t, r, http.StatusCreated)
	return decodeRequest(ta.t, r)
}

func TestAuthentication(t *testing.T) {
	ta := newTestAPI(t)
	cases := []struct {
		name, header, wantMsg string
	}{
		{"missing", "", "missing bearer token"},
		{"not bearer", "Basic YWxpY2U6cHc=", "must have the form Bearer TOKEN"},
		{"empty bearer", "Bearer ", "must have the form Bearer TOKEN"},
		{"unknown token", "Bearer elv_nope000000000000000000000", "unknown or revoked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			r := ta.serve(req)
			mustStatus(t, r, http.StatusUnauthorized)
			if code := r.errorCode(t); code != "unauthenticated" {
				t.Errorf("code = %q, want unauthenticated", code)
			}
			if msg := r.errorMessage(t); !strings.Contains(msg, c.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", msg, c.wantMsg)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
		})
	}
	// Every route but the document needs a token.
	for _, rt := range New(apitest.New(), nil).routeTable() {
		if rt.public {
			continue
		}
		path := strings.ReplaceAll(rt.path, "{id}", "req_1")
		if r := ta.do(rt.method, path, "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: status %d, want 401", rt.method, path, r.status)
		}
	}
	if strings.Contains(ta.logs.String(), "elv_") {
		t.Errorf("a token was logged:\n%s", ta.logs)
	}
}

// TestViaIsServerChosen: a bearer token is audited as via api whatever the
// client claims in a header; the body can't name via either.
func TestViaIsServerChosen(t *testing.T) {
	t.Parallel()
	for _, claim := range []string{"", "cli", "CLI", "portal", "slack", "system"} {
		ta := newTestAPI(t)
		req := newRequest("GET", "/api/v1/me", apitest.AliceToken, nil)
		if claim != "" {
			req.Header.Set("X-Elevate-Client", claim)
		}
		mustStatus(t, ta.serve(req), http.StatusOK)
		if v := ta.fake.LastVia(); v != access.ViaAPI {
			t.Errorf("via = %q with X-Elevate-Client: %q, want api", v, claim)
		}
	}
	ta := newTestAPI(t)
	rec := ta.serve(newRequest("POST", "/api/v1/requests", apitest.AliceToken, `{"account_ids":["prod"],"permission_set":"P","duration":"1h","justification":"x","via":"cli"}`))
	if rec.status != http.StatusBadRequest || !strings.Contains(string(rec.body), `unknown field \"via\"`) {
		t.Errorf("a body naming via: %d %s, want 400 naming the unknown field", rec.status, rec.body)
	}
}

func TestMe(t *testing.T) {
	ta := newTestAPI(t)
	r := ta.do("GET", "/api/v1/me", apitest.AuditorToken, nil)
	mustStatus(t, r, http.StatusOK)
	var me meJSON
	if err := json.Unmarshal(r.body, &me); err != nil {
		t.Fatal(err)
	}
	want := meJSON{UserID: "u-audit", UserName: "audrey", Email: "audrey@example.com", Groups: []string{"g-aud"}, GroupNames: []string{"auditors"}, Auditor: true}
	if fmt.Sprint(me) != fmt.Sprint(want) {
		t.Errorf("me = %+v, want %+v", me, want)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", r.header.Get("Cache-Control"))
	}
}

func TestEligibility(t *testing.T) {
	ta := newTestAPI(t)
	r := ta.do("GET", "/api/v1/eligibility", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusOK)
	var out eligibilityList
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 2 {
		t.Fatalf("got %d items, want 2: %s", len(out.Items), r.body)
	}
	e := out.Items[0]
	if e.Account.ID != apitest.ProdAccount || e.PermissionSet.Name != "AdministratorAccess" || e.MaxDuration != "4h0m0s" ||
		e.MaxDurationSeconds != 14400 || e.PermissionSet.SessionDuration != "1h0m0s" || e.ApprovalsRequired != 1 || e.Rule != "prod-admin" {
		t.Errorf("first item = %+v", e)
	}
}

// TestEligibilityPages: limit and cursor page the list, next_cursor is
// absent on the last page, and bad parameters are refused.
func TestEligibilityPages(t *testing.T) {
	ta := newTestAPI(t)
	var names []string
	path := "/api/v1/eligibility?limit=1"
	for range 3 {
		r := ta.do("GET", path, apitest.AliceToken, nil)
		mustStatus(t, r, http.StatusOK)
		var out eligibilityList
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 1 {
			t.Fatalf("GET %s: %d items, want 1: %s", path, len(out.Items), r.body)
		}
		names = append(names, out.Items[0].PermissionSet.Name+"@"+out.Items[0].Account.ID)
		if out.NextCursor == "" {
			break
		}
		path = "/api/v1/eligibility?limit=1&cursor=" + url.QueryEscape(out.NextCursor)
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Errorf("pages of one = %v, want the 2 offers one by one, the last without next_cursor", names)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "cursor=nope", "scope=all"} {
		r := ta.do("GET", "/api/v1/eligibility?"+q, apitest.AliceToken, nil)
		mustStatus(t, r, http.StatusBadRequest)
	}
}

func TestCreateAndGetRequest(t *testing.T) {
	ta := newTestAPI(t)
	r := ta.do("POST", "/api/v1/requests", apitest.AliceToken, prodBody())
	mustStatus(t, r, http.StatusCreated)
	got := decodeRequest(t, r)
	if got.Status != "pending" || got.Requester.UserName != "alice" || got.Duration != "1h0m0s" || got.DurationSeconds != 3600 ||
		got.PermissionSet.ARN != apitest.AdminSetARN || got.Ticket != "INC-1" || got.Rule != "prod-admin" || got.ApprovalsRequired != 1 {
		t.Errorf("created = %+v", got)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/requests/"+got.ID {
		t.Errorf("Location = %q", loc)
	}
	if got.EndsAt != nil || got.ActivatedAt != nil || got.ExpiresAt == nil || got.Start == nil {
		t.Errorf("times: ends %v activated %v expires %v start %v", got.EndsAt, got.ActivatedAt, got.ExpiresAt, got.Start)
	}
	if got.Start.Location() != time.UTC {
		t.Errorf("start is not UTC: %v", got.Start)
	}
	// Approver names come from UserNames.
	if len(got.Approvers) != 2 || got.Approvers[0] != (userRef{ID: "u-bob", UserName: "bob"}) || got.Approvers[1].UserName != "carol" {
		t.Errorf("approvers = %+v", got.Approvers)
	}
	if len(got.Grants) != 1 || got.Grants[0].AccountID != apitest.ProdAccount || got.Grants[0].Status != "pending" {
		t.Errorf("grants = %+v", got.Grants)
	}
	// Null times are null in the JSON, not "0001-01-01".
	raw := r.json(t)
	if raw["ends_at"] != nil || raw["activated_at"] != nil {
		t.Errorf("ends_at = %v, activated_at = %v; want null", raw["ends_at"], raw["activated_at"])
	}

	r = ta.do("GET", "/api/v1/requests/"+got.ID, apitest.BobToken, nil)
	mustStatus(t, r, http.StatusOK)
	if again := decodeRequest(t, r); again.ID != got.ID || again.Status != "pending" {
		t.Errorf("get = %+v", again)
	}
	// Not visible to others: 404, as if it did not exist.
	ta.fake.AddUser("elv_dave0000000000000000000000", access.Actor{UserID: "u-dave", UserName: "dave"})
	r = ta.do("GET", "/api/v1/requests/"+got.ID, "elv_dave0000000000000000000000", nil)
	mustStatus(t, r, http.StatusNotFound)
	r = ta.do("GET", "/api/v1/requests/req_nope", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusNotFound)
	if r.errorCode(t) != "not_found" {
		t.Errorf("code = %q", r.errorCode(t))
	}
}

func TestCreateRequestStart(t *testing.T) {
	ta := newTestAPI(t)
	start := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	body := prodBody()
	body["start"] = start.Format(time.RFC3339)
	got := ta.create(apitest.AliceToken, body)
	if got.Start == nil || !got.Start.Equal(start) {
		t.Errorf("start = %v, want %v", got.Start, start)
	}
}

func TestCreateRequestValidation(t *testing.T) {
	ta := newTestAPI(t)
	with := func(k string, v any) map[string]any {
		b := prodBody()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name        string
		body        any
		contentType string
		status      int
		code        string
		msg         string
	}{
		{"unknown field", with("acount_ids", []string{"1"}), "", 400, "invalid_argument", `unknown field "acount_ids"`},
		{"bad duration", with("duration", "x"), "", 400, "invalid_argument", `duration "x" is not a duration such as 1h, 30m or 1d`},
		{"negative duration", with("duration", "-1h"), "", 400, "invalid_argument", `duration "-1h" is not positive`},
		{"missing duration", with("duration", nil), "", 400, "invalid_argument", "duration is missing"},
		{"duration as number", with("duration", 3600), "", 400, "invalid_argument", `field "duration" must be a string, not number`},
		{"accounts as string", with("account_ids", "111111111111"), "", 400, "invalid_argument", `field "account_ids" must be an array of strings`},
		{"bad start", with("start", "tomorrow"), "", 400, "invalid_argument", `start "tomorrow" is not a time`},
		{"start in the past", with("start", "2020-01-01T00:00:00Z"), "", 400, "invalid_argument", "in the past"},
		{"empty justification", with("justification", " "), "", 400, "invalid_argument", "justification is empty"},
		{"not json", "{nope", "", 400, "invalid_argument", "not valid JSON"},
		{"truncated", `{"duration":"1h"`, "", 400, "invalid_argument", "truncated"},
		{"array body", `[]`, "", 400, "invalid_argument", "must be a JSON object"},
		{"two objects", `{"duration":"1h"} {}`, "", 400, "invalid_argument", "data after the JSON object"},
		{"empty body", "", "", 400, "invalid_argument", "request body is empty"},
		{"text body", `{"duration":"1h"}`, "text/plain", 415, "unsupported_media_type", "Content-Type: application/json"},
		{"too large", `{"justification":"` + strings.Repeat("a", 70<<10) + `"}`, "", 413, "too_large", "larger than 64 KiB"},
		{"not eligible", with("permission_set", "ReadOnlyAccess"), "", 403, "not_eligible", "no rule lets alice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := newRequest("POST", "/api/v1/requests", apitest.AliceToken, c.body)
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			r := ta.serve(req)
			mustStatus(t, r, c.status)
			if code := r.errorCode(t); code != c.code {
				t.Errorf("code = %q, want %q", code, c.code)
			}
			if msg := r.errorMessage(t); !strings.Contains(msg, c.msg) {
				t.Errorf("message = %q, want it to contain %q", msg, c.msg)
			}
		})
	}
	if n := len(ta.fake.Requests()); n != 0 {
		t.Errorf("%d requests were created by invalid calls", n)
	}
}

func TestLifecycle(t *testing.T) {
	ta := newTestAPI(t)
	req := ta.create(apitest.AliceToken, prodBody())
	path := "/api/v1/requests/" + req.ID

	// The requester can't approve their own request.
	r := ta.do("POST", path+"/approve", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusForbidden)
	if r.errorCode(t) != "self_approval" {
		t.Errorf("code = %q, want self_approval", r.errorCode(t))
	}
	r = ta.do("POST", path+"/approve", apitest.BobToken, map[string]string{"comment": "ok for INC-1"})
	mustStatus(t, r, http.StatusOK)
	got := decodeRequest(t, r)
	if got.Status != "scheduled" || len(got.Approvals) != 1 || got.Approvals[0].UserName != "bob" ||
		got.Approvals[0].Verdict != "approve" || got.Approvals[0].Comment != "ok for INC-1" {
		t.Errorf("approved = %+v", got)
	}
	// A second decision on a decided request conflicts.
	r = ta.do("POST", path+"/reject", apitest.CarolToken, nil)
	mustStatus(t, r, http.StatusConflict)
	if r.errorCode(t) != "already_decided" {
		t.Errorf("code = %q", r.errorCode(t))
	}

	if err := ta.fake.Activate(req.ID); err != nil {
		t.Fatal(err)
	}
	got = decodeRequest(t, ta.do("GET", path, apitest.AliceToken, nil))
	if got.Status != "active" || got.ActivatedAt == nil || got.EndsAt == nil || !got.EndsAt.Equal(got.ActivatedAt.Add(time.Hour)) {
		t.Errorf("active = %+v", got)
	}
	if g := got.Grants[0]; g.Status != "active" || g.AWSCreateRequestID == "" || g.ActivatedAt == nil {
		t.Errorf("grant = %+v", g)
	}
	// Cancel is for requests that are not yet active.
	r = ta.do("POST", path+"/cancel", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusConflict)
	if !strings.Contains(r.errorMessage(t), "end it instead") {
		t.Errorf("message = %q", r.errorMessage(t))
	}
	r = ta.do("POST", path+"/end", apitest.AliceToken, map[string]string{"comment": "done"})
	mustStatus(t, r, http.StatusOK)
	got = decodeRequest(t, r)
	if got.EndRequestedBy != "alice" || got.EndComment != "done" || got.EndRequestedAt == nil {
		t.Errorf("ended = %+v", got)
	}
	if err := ta.fake.Revoke(req.ID); err != nil {
		t.Fatal(err)
	}
	got = decodeRequest(t, ta.do("GET", path, apitest.AliceToken, nil))
	if got.Status != "revoked" || got.Grants[0].RevokedAt == nil {
		t.Errorf("revoked = %+v", got)
	}

	r = ta.do("GET", path+"/events", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusOK)
	var evs eventList
	if err := json.Unmarshal(r.body, &evs); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs.Items {
		types = append(types, e.Type)
	}
	want := "request.submitted request.approved grant.activated request.activated request.end_requested grant.revoked request.revoked"
	if strings.Join(types, " ") != want {
		t.Errorf("events = %v, want %s", types, want)
	}
	if evs.Items[1].Actor.UserName != "bob" || evs.Items[1].Details["comment"] != "ok for INC-1" {
		t.Errorf("approval event = %+v", evs.Items[1])
	}
}

func TestRejectAndCancel(t *testing.T) {
	ta := newTestAPI(t)
	a := ta.create(apitest.AliceToken, prodBody())
	r := ta.do("POST", "/api/v1/requests/"+a.ID+"/reject", apitest.CarolToken, map[string]string{"comment": "use read-only"})
	mustStatus(t, r, http.StatusOK)
	if got := decodeRequest(t, r); got.Status != "rejected" || got.Approvals[0].Verdict != "reject" {
		t.Errorf("rejected = %+v", got)
	}
	b := ta.create(apitest.AliceToken, prodBody())
	// Only the requester or an admin cancels.
	r = ta.do("POST", "/api/v1/requests/"+b.ID+"/cancel", apitest.BobToken, nil)
	mustStatus(t, r, http.StatusForbidden)
	// An empty JSON object, or no body at all, is fine.
	r = ta.do("POST", "/api/v1/requests/"+b.ID+"/cancel", apitest.AliceToken, "{}")
	mustStatus(t, r, http.StatusOK)
	if got := decodeRequest(t, r); got.Status != "cancelled" {
		t.Errorf("cancelled = %+v", got)
	}
	// A decision body is strict too.
	r = ta.do("POST", "/api/v1/requests/"+b.ID+"/cancel", apitest.AliceToken, `{"coment":"x"}`)
	mustStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(r.errorMessage(t), `unknown field "coment"`) || !strings.Contains(r.errorMessage(t), "comment") {
		t.Errorf("message = %q", r.errorMessage(t))
	}
}

func TestListRequests(t *testing.T) {
	ta := newTestAPI(t)
	p := ta.create(apitest.AliceToken, prodBody())
	s := ta.create(apitest.AliceToken, map[string]any{"account_ids": []string{"sandbox"}, "permission_set": "ReadOnlyAccess",
		"duration": "30m", "justification": "look at logs"})
	if s.Status != "scheduled" || s.ApprovalsRequired != 0 || len(s.Approvers) != 0 {
		t.Errorf("no-approval request = %+v", s)
	}
	list := func(token, query string) []string {
		t.Helper()
		r := ta.do("GET", "/api/v1/requests"+query, token, nil)
		mustStatus(t, r, http.StatusOK)
		var out requestList
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, it := range out.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	cases := []struct {
		token, query string
		want         []string
	}{
		{apitest.AliceToken, "", []string{s.ID, p.ID}},
		{apitest.AliceToken, "?scope=mine&status=pending", []string{p.ID}},
		{apitest.AliceToken, "?status=pending,scheduled&limit=1", []string{s.ID}},
		{apitest.AliceToken, "?status=pending&status=scheduled", []string{s.ID, p.ID}},
		{apitest.BobToken, "?scope=approvals", []string{p.ID}},
		{apitest.BobToken, "?scope=mine", []string{}},
		{apitest.AuditorToken, "?scope=all", []string{s.ID, p.ID}},
	}
	for _, c := range cases {
		if got := list(c.token, c.query); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("list %s = %v, want %v", c.query, got, c.want)
		}
	}
	bad := []struct{ query, code, msg string }{
		{"?limit=x", "invalid_argument", `limit "x" is not a number`},
		{"?limit=5000", "invalid_argument", "out of range"},
		{"?status=nope", "invalid_argument", `status "nope" is unknown`},
		{"?scope=everything", "invalid_argument", `scope "everything" is unknown`},
		{"?stauts=active", "invalid_argument", `unknown query parameter "stauts"`},
		{"?scope=all", "forbidden", "only admins and auditors"},
	}
	for _, c := range bad {
		r := ta.do("GET", "/api/v1/requests"+c.query, apitest.AliceToken, nil)
		if r.errorCode(t) != c.code || !strings.Contains(r.errorMessage(t), c.msg) {
			t.Errorf("list %s: %d %s", c.query, r.status, r.body)
		}
	}
}

func TestStatusOf(t *testing.T) {
	cases := []struct {
		code access.Code
		want int
	}{
		{access.CodeInvalid, 400},
		{access.CodeUnauthenticated, 401},
		{access.CodeForbidden, 403},
		{access.CodeSelfApproval, 403},
		{access.CodeNotEligible, 403},
		{access.CodeNotFound, 404},
		{codeMethodNotAllowed, 405},
		{access.CodeAlreadyDecided, 409},
		{access.CodeIllegalTransition, 409},
		{access.CodeConflict, 409},
		{codeTooLarge, 413},
		{codeUnsupportedMedia, 415},
		{access.CodeInternal, 500},
		{access.Code("something_new"), 500},
	}
	for _, c := range cases {
		if got := statusOf(c.code); got != c.want {
			t.Errorf("statusOf(%s) = %d, want %d", c.code, got, c.want)
		}
	}
}

func TestServiceErrorsBecomeStatuses(t *testing.T) {
	cases := []struct {
		err      error
		status   int
		code     string
		msg      string
		logged   bool
		internal string // must not appear in the answer
	}{
		{fmt.Errorf("approve request r: %w", access.Errorf(access.CodeAlreadyDecided, "bob already decided")), 409, "already_decided", "bob already decided", false, "approve request r"},
		{access.Errorf(access.CodeConflict, "the request changed; try again"), 409, "conflict", "try again", false, ""},
		{access.Errorf(access.CodeNotEligible, "no rule"), 403, "not_eligible", "no rule", false, ""},
		{fmt.Errorf("list requests: %w", errors.New("sqlite: database is locked at /var/lib/x.db")), 500, "internal", "request id rid-test", true, "sqlite"},
		{access.Errorf(access.CodeInternal, "secret detail"), 500, "internal", "internal error", true, "secret detail"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			ta := newTestAPI(t)
			ta.fake.Fail(c.err)
			r := ta.do("GET", "/api/v1/requests", apitest.AliceToken, nil)
			mustStatus(t, r, c.status)
			if r.errorCode(t) != c.code || !strings.Contains(r.errorMessage(t), c.msg) {
				t.Errorf("answer = %s", r.body)
			}
			if c.internal != "" && strings.Contains(string(r.body), c.internal) {
				t.Errorf("answer leaks %q: %s", c.internal, r.body)
			}
			logged := strings.Contains(ta.logs.String(), `"level":"ERROR"`)
			if logged != c.logged {
				t.Errorf("logged at error = %v, want %v:\n%s", logged, c.logged, ta.logs)
			}
			if c.logged && (!strings.Contains(ta.logs.String(), `"request_id":"rid-test"`) || !strings.Contains(ta.logs.String(), c.internal)) {
				t.Errorf("error log lacks the request id or the cause:\n%s", ta.logs)
			}
		})
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	ta := newTestAPI(t)
	r := ta.do("GET", "/api/v1/nope", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusNotFound)
	if r.errorCode(t) != "not_found" {
		t.Errorf("code = %q", r.errorCode(t))
	}
	r = ta.do("DELETE", "/api/v1/requests/req_1", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "GET, HEAD" || r.errorCode(t) != "method_not_allowed" {
		t.Errorf("405: Allow %q, body %s", r.header.Get("Allow"), r.body)
	}
	r = ta.do("GET", "/api/v1/requests/req_1/approve", apitest.AliceToken, nil)
	mustStatus(t, r, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "POST" {
		t.Errorf("Allow = %q", r.header.Get("Allow"))
	}
}

func TestToRequestWithoutNames(t *testing.T) {
	// When UserNames fails the ids stand in for the names.
	got := toRequest(&access.Request{ID: "req_1", Approvers: []string{"u-x"}}, nil)
	if got.Approvers[0] != (userRef{ID: "u-x", UserName: "u-x"}) {
		t.Errorf("approvers = %+v", got.Approvers)
	}
	if got.Approvals == nil || got.Grants == nil || got.AccountIDs == nil {
		t.Errorf("empty lists must be [] not null: %+v", got)
	}
}
