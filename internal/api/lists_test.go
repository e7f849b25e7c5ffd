package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/api/apitest"
	"github.com/elevate/elevate/internal/workflow"
)

// failingExport is the fake whose export fails after its first page.
type failingExport struct{ *apitest.Fake }

func (f failingExport) ExportRequests(ctx context.Context, actor access.Actor, in workflow.ListInput, fn func([]*access.Request) error) error {
	page, err := f.PageRequests(ctx, actor, workflow.ListInput{Scope: in.Scope, Limit: 1})
	if err != nil {
		return err
	}
	if err := fn(page.Items); err != nil {
		return err
	}
	return errors.New("database went away")
}

// TestAuditExportAbortsOnFailure: an export that fails after it started
// is cut off (the client's read fails), never ended as if it were whole;
// one that fails before it started answers the error.
func TestAuditExportAbortsOnFailure(t *testing.T) {
	t.Parallel()
	fake := apitest.NewSeeded()
	ts := httptest.NewServer(New(failingExport{fake}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer ts.Close()
	c, err := newClientCall(ts.URL, apitest.AliceToken, `{"account_ids":["`+apitest.ProdAccount+`"],"permission_set":"AdministratorAccess","duration":"1h","justification":"x"}`)
	if err != nil || c != http.StatusCreated {
		t.Fatalf("create a request: %d, %v", c, err)
	}
	for _, format := range []string{"csv", "jsonl"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/audit/requests?format="+format, nil)
		req.Header.Set("Authorization", "Bearer "+apitest.AuditorToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err == nil {
			t.Errorf("%s: HTTP %d, read error %v: want 200 and a failed read\n%s", format, resp.StatusCode, err, body)
		}
		if !strings.Contains(string(body), "req_") {
			t.Errorf("%s: the first page was not sent before the failure:\n%s", format, body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/audit/requests", nil)
	req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a requester's export: HTTP %d, want 403", resp.StatusCode)
	}
}

// newClientCall POSTs body to /api/v1/requests as token.
func newClientCall(base, token, body string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/requests", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
