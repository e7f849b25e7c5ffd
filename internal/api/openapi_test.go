package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/elevate/elevate/internal/api/apitest"
)

// loadDoc loads and validates openapi.json. kin-openapi validates OpenAPI
// 3.1 documents with JSON Schema 2020-12, which openapi3filter enables for
// them by itself. The legacy router is used because the gorillamux one
// needs github.com/gorilla/mux, which is not in go.mod.
func loadDoc(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPIDocument())
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.IsOpenAPI32OrLater() {
		t.Fatalf("openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi.json is invalid: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return doc, router
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _ := loadDoc(t)
	for _, name := range []string{"Request", "Grant", "Approval", "Error", "Eligibility", "Me", "Event", "CreateRequest", "Decision"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s is missing", name)
		}
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Scheme != "bearer" {
		t.Error("bearer security scheme is missing")
	}
	// Served as is, without a token.
	ta := newTestAPI(t)
	r := ta.do("GET", "/api/v1/openapi.json", "", nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, OpenAPIDocument()) {
		t.Errorf("GET openapi.json: %d, %d bytes", r.status, len(r.body))
	}
}

// TestRoutesMatchOpenAPI checks that the mux serves exactly the operations
// the document describes, with the same security.
func TestRoutesMatchOpenAPI(t *testing.T) {
	doc, _ := loadDoc(t)
	var documented []string
	public := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			documented = append(documented, key)
			public[key] = op.Security != nil && len(*op.Security) == 0
		}
	}
	var served []string
	for _, rt := range New(apitest.New(), nil).routeTable() {
		key := rt.method + " " + rt.path
		served = append(served, key)
		if public[key] != rt.public {
			t.Errorf("%s: public = %v in the mux, %v in the document", key, rt.public, public[key])
		}
	}
	slices.Sort(documented)
	slices.Sort(served)
	for _, k := range served {
		if !slices.Contains(documented, k) {
			t.Errorf("%s is served but not in openapi.json", k)
		}
	}
	for _, k := range documented {
		if !slices.Contains(served, k) {
			t.Errorf("%s is in openapi.json but not served", k)
		}
	}
	// And the mux itself answers each documented operation: 401 without a
	// token, or 200 for the public ones; never 404 or 405.
	ta := newTestAPI(t)
	for _, k := range documented {
		method, path, _ := strings.Cut(k, " ")
		r := ta.do(method, strings.ReplaceAll(path, "{id}", "req_x"), "", nil)
		want := http.StatusUnauthorized
		if public[k] {
			want = http.StatusOK
		}
		if r.status != want {
			t.Errorf("%s: the mux answers %d, want %d", k, r.status, want)
		}
	}
}

// TestOpenAPIDescribesResponses drives every operation through the handler,
// successes and failures, and validates each request and response against
// the document.
func TestOpenAPIDescribesResponses(t *testing.T) {
	_, router := loadDoc(t)
	// The audit export streams JSON lines: checked as text.
	openapi3filter.RegisterBodyDecoder("application/jsonl", openapi3filter.PlainBodyDecoder)
	ta := newTestAPI(t)
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true, // every status we answer must be documented
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			return nil // the handler authenticates; here any bearer header is fine
		},
	}
	covered := map[string]bool{}

	// check sends the request and validates both sides; validReq says
	// whether the request itself is meant to conform.
	check := func(req *http.Request, wantStatus int, validReq bool) response {
		t.Helper()
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		resp := ta.serve(req)
		if resp.status != wantStatus {
			t.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL, resp.status, wantStatus, resp.body)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: no route in openapi.json: %v", req.Method, req.URL, err)
		}
		covered[route.Method+" "+route.Path] = true
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if validReq {
			if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
				t.Errorf("%s %s: request does not conform: %v", req.Method, req.URL, err)
			}
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.status, Header: resp.header, Options: opts}
		out.SetBodyBytes(resp.body)
		if err := openapi3filter.ValidateResponse(t.Context(), out); err != nil {
			t.Errorf("%s %s -> %d: response does not conform: %v\n%s", req.Method, req.URL, resp.status, err, resp.body)
		}
		return resp
	}
	get := func(path, token string, status int) response {
		t.Helper()
		return check(newRequest("GET", path, token, nil), status, true)
	}
	post := func(path, token string, body any, status int) response {
		t.Helper()
		return check(newRequest("POST", path, token, body), status, true)
	}

	get("/api/v1/openapi.json", "", 200)
	get("/api/v1/me", apitest.AliceToken, 200)
	get("/api/v1/me", "", 401)
	get("/api/v1/eligibility", apitest.AliceToken, 200)

	prod := decodeRequest(t, post("/api/v1/requests", apitest.AliceToken, prodBody(), 201))
	sandbox := decodeRequest(t, post("/api/v1/requests", apitest.AliceToken, map[string]any{
		"account_ids": []string{apitest.SandboxAccount}, "permission_set": "ReadOnlyAccess", "duration": "30m",
		"justification": "logs", "start": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)}, 201))
	post("/api/v1/requests", apitest.AliceToken, map[string]any{"account_ids": []string{apitest.ProdAccount},
		"permission_set": "ReadOnlyAccess", "duration": "1h", "justification": "x"}, 403)
	post("/api/v1/requests", apitest.AliceToken, map[string]any{"account_ids": []string{"999999999999"},
		"permission_set": "AdministratorAccess", "duration": "1h", "justification": "x"}, 403)
	post("/api/v1/requests", apitest.AliceToken, map[string]any{"account_ids": []string{apitest.ProdAccount},
		"permission_set": "AdministratorAccess", "duration": "99h", "justification": "x"}, 400)
	// Requests that break the document on purpose: only the answer is checked.
	check(newRequest("POST", "/api/v1/requests", apitest.AliceToken, `{"bogus":1}`), 400, false)
	tooBig := newRequest("POST", "/api/v1/requests", apitest.AliceToken, `{"justification":"`+strings.Repeat("a", 70<<10)+`"}`)
	check(tooBig, 413, false)
	textReq := newRequest("POST", "/api/v1/requests", apitest.AliceToken, `{}`)
	textReq.Header.Set("Content-Type", "text/plain")
	check(textReq, 415, false)

	get("/api/v1/requests", apitest.AliceToken, 200)
	get("/api/v1/requests?status=pending,scheduled&scope=mine&limit=10", apitest.AliceToken, 200)
	get("/api/v1/requests?scope=all", apitest.AliceToken, 403)
	get("/api/v1/requests?q=prod&requester=alice&account="+apitest.ProdAccount+"&permission_set=admin&since=2020-01-01&until=2100-01-01T00:00:00Z&sort=newest&limit=1", apitest.AliceToken, 200)
	check(newRequest("GET", "/api/v1/requests?since=yesterday", apitest.AliceToken, nil), 400, false)
	check(newRequest("GET", "/api/v1/requests?limit=x", apitest.AliceToken, nil), 400, false)
	get("/api/v1/requests/"+prod.ID, apitest.BobToken, 200)
	get("/api/v1/requests/req_nope", apitest.BobToken, 404)

	post("/api/v1/requests/"+prod.ID+"/approve", apitest.AliceToken, nil, 403)
	post("/api/v1/requests/"+prod.ID+"/approve", apitest.BobToken, map[string]string{"comment": "ok"}, 200)
	post("/api/v1/requests/"+prod.ID+"/approve", apitest.CarolToken, nil, 409)
	if err := ta.fake.Activate(prod.ID); err != nil {
		t.Fatal(err)
	}
	get("/api/v1/requests/"+prod.ID, apitest.AliceToken, 200)
	post("/api/v1/requests/"+prod.ID+"/extend", apitest.BobToken, map[string]string{"duration": "30m", "justification": "x"}, 403)
	post("/api/v1/requests/"+prod.ID+"/extend", apitest.AliceToken, map[string]string{"duration": "soon", "justification": "x"}, 400)
	post("/api/v1/requests/"+prod.ID+"/extend", apitest.AliceToken, map[string]string{"duration": "30m", "justification": "slow migration"}, 200)
	post("/api/v1/requests/"+prod.ID+"/approve", apitest.CarolToken, map[string]string{"comment": "more time ok"}, 200)
	post("/api/v1/requests/"+prod.ID+"/end", apitest.AliceToken, nil, 200)
	post("/api/v1/requests/"+prod.ID+"/end", apitest.AliceToken, nil, 409)
	if err := ta.fake.Revoke(prod.ID); err != nil {
		t.Fatal(err)
	}
	get("/api/v1/requests/"+prod.ID, apitest.AliceToken, 200)
	get("/api/v1/requests/"+prod.ID+"/events", apitest.AliceToken, 200)
	get("/api/v1/requests/req_nope/events", apitest.AliceToken, 404)

	post("/api/v1/requests/"+sandbox.ID+"/cancel", apitest.BobToken, nil, 404) // not his to see
	post("/api/v1/requests/"+sandbox.ID+"/cancel", apitest.AliceToken, map[string]string{"comment": "not needed"}, 200)
	third := decodeRequest(t, post("/api/v1/requests", apitest.AliceToken, prodBody(), 201))
	post("/api/v1/requests/"+third.ID+"/reject", apitest.CarolToken, map[string]string{"comment": "no"}, 200)
	check(newRequest("POST", "/api/v1/requests/"+third.ID+"/reject", apitest.BobToken, `{"comment":`), 400, false)

	ta.fake.Fail(io.ErrUnexpectedEOF)
	get("/api/v1/eligibility", apitest.AliceToken, 500)
	ta.fake.Fail(nil)

	get("/api/v1/audit/events?since=1&limit=2", apitest.AuditorToken, 200)
	get("/api/v1/audit/events", apitest.AliceToken, 403)
	check(newRequest("GET", "/api/v1/audit/events?limit=0", apitest.AuditorToken, nil), 400, false)
	get("/api/v1/audit/verify", apitest.AuditorToken, 200)
	get("/api/v1/audit/requests?format=csv&status=pending&since=2020-01-01&q=prod", apitest.AuditorToken, 200)
	get("/api/v1/audit/requests?account="+apitest.ProdAccount+"&sort=newest", apitest.AuditorToken, 200)
	get("/api/v1/audit/requests", apitest.AliceToken, 403)
	check(newRequest("GET", "/api/v1/audit/requests?format=xml", apitest.AuditorToken, nil), 400, false)
	get("/api/v1/audit/checkpoints", apitest.AuditorToken, 200)

	// The fake serves no policy: the routes answer not_found
	// here; internal/app's policy tests exercise them end to end.
	get("/api/v1/policy/explain?account=prod&permission_set=ReadOnlyAccess", apitest.AliceToken, 404)
	get("/api/v1/admin/policy", apitest.AliceToken, 404)
	check(newRequest("PUT", "/api/v1/admin/policy", apitest.AliceToken, map[string]any{"revision": 0, "document": "rules: []"}), 404, true)
	post("/api/v1/admin/policy/plan", apitest.AliceToken, map[string]string{"document": "rules: []"}, 404)
	post("/api/v1/admin/policy/preview", apitest.AliceToken, map[string]string{"document": "rules: []"}, 404)
	get("/api/v1/admin/directory/search?kind=groups&q=eng", apitest.AliceToken, 404)
	// Nor notifications: internal/app's notification tests exercise them end to end.
	get("/api/v1/notifications", apitest.AliceToken, 404)
	get("/api/v1/admin/notifications?status=failed", apitest.AliceToken, 403)
	// Nor break-glass review or settings: internal/app's break-glass
	// tests exercise them end to end and validate their answers against the document.
	post("/api/v1/requests/"+prod.ID+"/review", apitest.BobToken, map[string]string{"comment": "checked"}, 404)
	get("/api/v1/admin/breakglass?unreviewed=1", apitest.AuditorToken, 404)
	get("/api/v1/admin/settings", apitest.AliceToken, 404)
	check(newRequest("PUT", "/api/v1/admin/settings", apitest.AliceToken, map[string]any{"revision": 0, "min_duration": "5m"}), 404, true)
	// Nor the directory sync: internal/app's sync tests exercise it
	// end to end and validate its answers against the document.
	get("/api/v1/admin/sync?job=1", apitest.AuditorToken, 404)
	post("/api/v1/admin/sync", apitest.AliceToken, nil, 404)
	// Nor absences: internal/app's away test exercises them end to end and
	// validates the answers against the document.
	get("/api/v1/me/away", apitest.BobToken, 404)
	check(newRequest("PUT", "/api/v1/me/away", apitest.BobToken, map[string]any{"until": "2030-01-02T03:04:05Z", "delegate": "carol"}), 404, true)
	check(newRequest("DELETE", "/api/v1/me/away", apitest.BobToken, nil), 404, true)
	// Nor session activity: internal/app's activity test
	// exercises it end to end and validates its answers against the document.
	get("/api/v1/requests/"+prod.ID+"/activity", apitest.AliceToken, 404)
	post("/api/v1/requests/"+prod.ID+"/activity/refresh", apitest.AliceToken, nil, 404)
	// Nor usage insight: internal/app's insight test validates its answers.
	get("/api/v1/insights", apitest.AliceToken, 404)

	// Logging out revokes the token of the call, and only that one.
	ta.fake.AddUser("elv_logout0000000000000000000000", apitest.Alice)
	post("/api/v1/logout", "elv_logout0000000000000000000000", nil, 204)
	get("/api/v1/me", "elv_logout0000000000000000000000", 401)
	post("/api/v1/logout", "elv_logout0000000000000000000000", nil, 401)
	get("/api/v1/me", apitest.AliceToken, 200)

	for _, rt := range New(apitest.New(), nil).routeTable() {
		if !covered[rt.method+" "+rt.path] {
			t.Errorf("%s %s is not exercised by this test", rt.method, rt.path)
		}
	}
	// The failing and succeeding answers decode as the wire types say.
	var e errorBody
	r := get("/api/v1/requests/req_nope", apitest.AliceToken, 404)
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code != "not_found" {
		t.Errorf("error body = %s", r.body)
	}
}

// The "now use it" step is in the answer for the requester of active
// access only, and conforms to the document (TestOpenAPIDescribesResponses
// validates the same answer).
func TestRequestUseForRequesterOnly(t *testing.T) {
	ta := newTestAPI(t)
	r := ta.do("POST", "/api/v1/requests", apitest.AliceToken, prodBody())
	id, _ := r.json(t)["id"].(string)
	if r := ta.do("POST", "/api/v1/requests/"+id+"/approve", apitest.BobToken, map[string]any{}); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if err := ta.fake.Activate(id); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Accounts []struct{ ID, Name, Text string } `json:"accounts"`
		Use      *struct {
			Consoles  []struct{ URL string } `json:"consoles"`
			AWSConfig string                 `json:"aws_config"`
		} `json:"use"`
	}
	if err := json.Unmarshal(ta.do("GET", "/api/v1/requests/"+id, apitest.AliceToken, nil).body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Accounts) != 1 || got.Accounts[0].Text != "prod (1111 1111 1111)" {
		t.Errorf("accounts = %+v", got.Accounts)
	}
	if got.Use == nil || len(got.Use.Consoles) != 1 ||
		got.Use.Consoles[0].URL != "https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=AdministratorAccess" ||
		!strings.Contains(got.Use.AWSConfig, "[profile prod-AdministratorAccess]") {
		t.Errorf("alice's active request: use = %+v", got.Use)
	}
	if m := ta.do("GET", "/api/v1/requests/"+id, apitest.BobToken, nil).json(t); m["use"] != nil {
		t.Errorf("bob sees alice's use: %v", m["use"])
	}
}
