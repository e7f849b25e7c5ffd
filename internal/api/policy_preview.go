package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// PolicyEditing is what the policy editor asks besides plan and apply: who
// a draft makes eligible, and the directory's names. *workflow.Service
// satisfies it; a Service that does not answers not_found on its routes.
type PolicyEditing interface {
	PreviewPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte) (workflow.PolicyPreview, error)
	SearchDirectory(ctx context.Context, actor access.Actor, kind, q string, limit int) ([]policy.Entry, int, error)
}

var _ PolicyEditing = (*workflow.Service)(nil)

func (a *API) policyEditing() (PolicyEditing, error) {
	return optional[PolicyEditing](a, "the policy API")
}

// policyPreviewJSON is POST /admin/policy/preview's answer.
type policyPreviewJSON struct {
	Revision int              `json:"revision"`
	Draft    previewJSON      `json:"draft"`
	Current  previewJSON      `json:"current"`
	Problems []policy.Problem `json:"problems"`
}

// previewJSON is a policy.Preview with empty lists as [].
type previewJSON struct {
	Rules            []policy.Reach `json:"rules"`
	Users            int            `json:"users"`
	Accounts         int            `json:"accounts"`
	PermissionSets   int            `json:"permission_sets"`
	Offers           int64          `json:"offers"`
	BreakGlassOffers int64          `json:"break_glass_offers"`
	Exact            bool           `json:"exact"`
	Sample           []policy.Offer `json:"sample"`
}

func toPreviewJSON(p policy.Preview) previewJSON {
	// The rules are copied: the workflow may share them with its cache.
	out := previewJSON{Rules: slices.Clone(p.Rules), Users: p.Users, Accounts: p.Accounts, PermissionSets: p.PermissionSets,
		Offers: p.Offers, BreakGlassOffers: p.BreakGlassOffers, Exact: p.Exact, Sample: p.Sample}
	if out.Rules == nil {
		out.Rules = []policy.Reach{}
	}
	for i := range out.Rules {
		r := &out.Rules[i]
		r.SampleUsers, r.SampleAccounts, r.SamplePermissionSets = orEmpty(r.SampleUsers), orEmpty(r.SampleAccounts), orEmpty(r.SamplePermissionSets)
	}
	if out.Sample == nil {
		out.Sample = []policy.Offer{}
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// previewPolicy serves POST /api/v1/admin/policy/preview: who a draft
// document makes eligible, beside the policy in effect; nothing is stored.
func (a *API) previewPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := a.policyEditing()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPolicyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return access.Errorf(codeTooLarge, "policy document is larger than %d MiB", maxPolicyBytes>>20)
		}
		return fmt.Errorf("read request body: %w", err)
	}
	var body struct {
		Document string `json:"document"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return access.Errorf(access.CodeInvalid, "request body must be {\"document\": \"<policy YAML>\"}: %s", err.Error())
	}
	if body.Document == "" {
		return access.Errorf(access.CodeInvalid, "document is empty: send the policy YAML")
	}
	pv, err := p.PreviewPolicy(r.Context(), actor, []byte(body.Document))
	if err != nil {
		return err
	}
	out := policyPreviewJSON{Revision: pv.Revision, Draft: toPreviewJSON(pv.Draft), Current: toPreviewJSON(pv.Current), Problems: pv.Problems}
	if out.Problems == nil {
		out.Problems = []policy.Problem{}
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// directorySearchJSON is GET /admin/directory/search's answer.
type directorySearchJSON struct {
	Items []policy.Entry `json:"items"`
	Total int            `json:"total"`
}

// searchDirectory serves GET /api/v1/admin/directory/search?kind=&q=&limit=.
func (a *API) searchDirectory(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := a.policyEditing()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return access.Errorf(access.CodeInvalid, "limit: %q is not a positive number", v)
		}
	}
	items, total, err := p.SearchDirectory(r.Context(), actor, q.Get("kind"), q.Get("q"), limit)
	if err != nil {
		return err
	}
	if items == nil {
		items = []policy.Entry{}
	}
	a.writeJSON(w, r, http.StatusOK, directorySearchJSON{Items: items, Total: total})
	return nil
}
