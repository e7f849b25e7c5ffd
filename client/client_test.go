package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/api/apitest"
	"github.com/elevate/elevate/internal/server"
)

// newServer runs the real API and server middleware over a seeded fake.
func newServer(t *testing.T) (*apitest.Fake, string) {
	t.Helper()
	fake := apitest.NewSeeded()
	log := slog.New(slog.DiscardHandler)
	srv := server.New(server.Options{API: api.New(fake, log), Logger: log})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return fake, ts.URL
}

func newClient(t *testing.T, url, token string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(url, token, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func prodInput() client.CreateRequestInput {
	return client.CreateRequestInput{AccountIDs: []string{apitest.ProdAccount}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "redrive the orders DLQ", Ticket: "INC-7"}
}

func TestNewValidates(t *testing.T) {
	for _, c := range []struct{ url, token, want string }{
		{"", "t", "must be http:// or https://"},
		{"ftp://x", "t", "must be http:// or https://"},
		{"http://x", " ", "token is empty"},
		{"://", "t", "server URL"},
	} {
		if _, err := client.New(c.url, c.token); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %q) = %v, want %q", c.url, c.token, err, c.want)
		}
	}
}

func TestIdentity(t *testing.T) {
	fake, url := newServer(t)
	c := newClient(t, url+"/", apitest.AliceToken, client.WithClientKind("cli"), client.WithUserAgent("test"))
	me, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.UserName != "alice" || me.UserID != "u-alice" || me.Email != "alice@example.com" || len(me.Groups) != 1 || me.Admin {
		t.Errorf("me = %+v", me)
	}
	if fake.LastVia() != access.ViaAPI { // the server decides via from the token, not the client kind
		t.Errorf("via = %q, want api", fake.LastVia())
	}
	es, err := c.Eligibility(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Account.Name != "prod" || es[0].MaxDurationSeconds != 4*3600 || es[1].PermissionSet.SessionDuration != "2h0m0s" {
		t.Errorf("eligibility = %+v", es)
	}
}

func TestRequestLifecycle(t *testing.T) {
	fake, url := newServer(t)
	ctx := t.Context()
	alice := newClient(t, url, apitest.AliceToken)
	bob := newClient(t, url, apitest.BobToken)

	start := time.Now().Add(time.Hour).Truncate(time.Second)
	in := prodInput()
	in.Start = start
	r, err := alice.CreateRequest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != client.StatusPending || r.Length() != time.Hour || r.Duration != "1h0m0s" || r.Start == nil || !r.Start.Equal(start) ||
		r.EndsAt != nil || len(r.Approvers) != 2 || r.Approvers[0].UserName != "bob" || r.Ticket != "INC-7" {
		t.Errorf("created = %+v", r)
	}
	got, err := bob.GetRequest(ctx, r.ID)
	if err != nil || got.ID != r.ID {
		t.Fatalf("get = %+v, %v", got, err)
	}
	list, err := bob.ListRequests(ctx, client.ListOptions{Statuses: []client.Status{client.StatusPending}, Scope: "approvals", Limit: 5})
	if err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if r, err = bob.Approve(ctx, r.ID, "go"); err != nil || r.Status != client.StatusScheduled || r.Approvals[0].Comment != "go" {
		t.Fatalf("approve = %+v, %v", r, err)
	}
	if err := fake.Activate(r.ID); err != nil {
		t.Fatal(err)
	}
	if r, err = alice.End(ctx, r.ID, ""); err != nil || r.EndRequestedBy != "alice" {
		t.Fatalf("end = %+v, %v", r, err)
	}
	evs, err := alice.RequestEvents(ctx, r.ID)
	if err != nil || len(evs) != 5 || evs[1].Type != "request.approved" || evs[1].Actor.UserName != "bob" || evs[1].Actor.Via != "api" {
		t.Fatalf("events = %+v, %v", evs, err)
	}

	r2, err := alice.CreateRequest(ctx, prodInput())
	if err != nil {
		t.Fatal(err)
	}
	if r2, err = bob.Reject(ctx, r2.ID, "no"); err != nil || r2.Status != client.StatusRejected {
		t.Fatalf("reject = %+v, %v", r2, err)
	}
	r3, err := alice.CreateRequest(ctx, prodInput())
	if err != nil {
		t.Fatal(err)
	}
	if r3, err = alice.Cancel(ctx, r3.ID, "oops"); err != nil || r3.Status != client.StatusCancelled || !r3.Status.Terminal() {
		t.Fatalf("cancel = %+v, %v", r3, err)
	}
}

func TestErrors(t *testing.T) {
	_, url := newServer(t)
	alice := newClient(t, url, apitest.AliceToken)
	ctx := t.Context()

	_, err := alice.GetRequest(ctx, "req_nope")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != "not_found" || e.Message != "request req_nope does not exist" || e.RequestID == "" {
		t.Fatalf("err = %#v", err)
	}
	if err.Error() != "request req_nope does not exist (404 not_found)" {
		t.Errorf("Error() = %q", err.Error())
	}
	in := prodInput()
	in.PermissionSet = "ReadOnlyAccess"
	if _, err := alice.CreateRequest(ctx, in); !errors.As(err, &e) || e.Code != "not_eligible" || e.Status != 403 {
		t.Errorf("not eligible: %v", err)
	}
	in = prodInput()
	in.Duration = 0
	if _, err := alice.CreateRequest(ctx, in); !errors.As(err, &e) || e.Code != "invalid_argument" || !strings.Contains(e.Message, "duration is missing") {
		t.Errorf("no duration: %v", err)
	}
	bad := newClient(t, url, "elv_wrong")
	if _, err := bad.Me(ctx); !errors.As(err, &e) || e.Status != 401 || e.Code != "unauthenticated" {
		t.Errorf("bad token: %v", err)
	}
	if _, err := alice.Approve(ctx, "", ""); err == nil || !strings.Contains(err.Error(), "request id is empty") {
		t.Errorf("empty id: %v", err)
	}

	// An answer that is not the API's JSON still becomes an *Error.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "upstream down")
	}))
	defer proxy.Close()
	if _, err := newClient(t, proxy.URL, "t").Me(ctx); !errors.As(err, &e) || e.Status != 502 || e.Code != "http_502" || !strings.Contains(e.Message, "upstream down") {
		t.Errorf("proxy error: %#v", err)
	}
}

func TestWaitFor(t *testing.T) {
	fake, url := newServer(t)
	alice := newClient(t, url, apitest.AliceToken)
	bob := newClient(t, url, apitest.BobToken)
	ctx := t.Context()
	r, err := alice.CreateRequest(ctx, prodInput())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		// Change the request only after WaitFor has polled each state.
		fake.AwaitGetRequestCalls(2)
		if _, err := bob.Approve(context.Background(), r.ID, ""); err != nil {
			t.Error(err)
			return
		}
		fake.AwaitGetRequestCalls(fake.GetRequestCalls() + 1)
		if err := fake.Activate(r.ID); err != nil {
			t.Error(err)
		}
	}()
	var seen []client.Status
	got, err := alice.WaitFor(ctx, r.ID, func(r *client.Request) bool {
		if len(seen) == 0 || seen[len(seen)-1] != r.Status {
			seen = append(seen, r.Status)
		}
		return r.Status == client.StatusActive || r.Status.Terminal()
	}, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != client.StatusActive || got.EndsAt == nil {
		t.Errorf("final = %+v", got)
	}
	if len(seen) != 3 || seen[0] != client.StatusPending || seen[1] != client.StatusScheduled {
		t.Errorf("statuses seen = %v, want pending scheduled active", seen)
	}

	// It gives up when the context ends, and at once on a client error.
	r, _ = alice.CreateRequest(ctx, prodInput())
	tctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := alice.WaitFor(tctx, r.ID, func(*client.Request) bool { return false }, 5*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
	if _, err := alice.WaitFor(ctx, "req_nope", func(*client.Request) bool { return false }, time.Millisecond); err == nil {
		t.Error("WaitFor on a missing request succeeded")
	}
}

func TestWaitForToleratesTransientErrors(t *testing.T) {
	fake := apitest.NewSeeded()
	log := slog.New(slog.DiscardHandler)
	h := server.New(server.Options{API: api.New(fake, log), Logger: log}).Handler()
	// The first failing polls get a 503, as from a restarting server.
	var mu sync.Mutex
	failing := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := r.Method == "GET" && failing > 0
		if fail {
			failing--
		}
		mu.Unlock()
		if fail {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()
	alice := newClient(t, ts.URL, apitest.AliceToken)
	r, err := alice.CreateRequest(t.Context(), prodInput())
	if err != nil {
		t.Fatal(err)
	}
	setFailing := func(n int) { mu.Lock(); failing = n; mu.Unlock() }

	setFailing(4)
	polls := 0
	if _, err = alice.WaitFor(t.Context(), r.ID, func(*client.Request) bool { polls++; return true }, time.Millisecond); err != nil || polls != 1 {
		t.Errorf("after 4 failures: WaitFor = %v after %d good polls", err, polls)
	}
	setFailing(5)
	var e *client.Error
	if _, err = alice.WaitFor(t.Context(), r.ID, func(*client.Request) bool { return true }, time.Millisecond); err == nil ||
		!strings.Contains(err.Error(), "5 polls failed in a row") || !errors.As(err, &e) || e.Status != 503 {
		t.Errorf("after 5 failures: %v", err)
	}
}
