package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/workflow"
)

// me serves GET /api/v1/me.
func (a *API) me(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	names, err := a.svc.GroupNamesOfUser(r.Context(), actor)
	if err != nil {
		return err
	}
	out := toMe(actor)
	if names != nil {
		out.GroupNames = names
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// eligibility serves GET /api/v1/eligibility: a page of what the policy
// offers the caller (limit, default and at most 1000), continued with
// next_cursor.
func (a *API) eligibility(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	for k := range q {
		if k != "limit" && k != "cursor" {
			return access.Errorf(access.CodeInvalid, "unknown query parameter %q: use limit, cursor", k)
		}
	}
	in := workflow.EligibilityPageInput{Cursor: strings.TrimSpace(q.Get("cursor"))}
	if s := strings.TrimSpace(q.Get("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return access.Errorf(access.CodeInvalid, "limit %q is not a number: use 1 to %d", s, workflow.MaxEligibilityLimit)
		}
		if n == 0 {
			return access.Errorf(access.CodeInvalid, "limit 0: use 1 to %d", workflow.MaxEligibilityLimit)
		}
		in.Limit = n
	}
	page, err := a.svc.PageEligibility(r.Context(), actor, in)
	if err != nil {
		return err
	}
	out := eligibilityList{Items: make([]eligibleJSON, 0, len(page.Items)), NextCursor: page.Next}
	for _, e := range page.Items {
		out.Items = append(out.Items, toEligible(e))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// createRequest serves POST /api/v1/requests.
func (a *API) createRequest(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var body createRequestBody
	if err := decodeBody(w, r, &body, false); err != nil {
		return err
	}
	in, err := body.submitInput()
	if err != nil {
		return err
	}
	req, err := a.svc.Submit(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/requests/"+url.PathEscape(req.ID))
	return a.writeRequest(w, r, http.StatusCreated, req)
}

// submitInput validates the parts of the body that are about its syntax;
// the workflow checks the rest.
func (b createRequestBody) submitInput() (workflow.SubmitInput, error) {
	in := workflow.SubmitInput{
		AccountIDs:    b.AccountIDs,
		PermissionSet: strings.TrimSpace(b.PermissionSet),
		Justification: b.Justification,
		Ticket:        b.Ticket,
		BreakGlass:    b.BreakGlass,
	}
	d, err := parseDuration(b.Duration)
	if err != nil {
		return in, err
	}
	in.Duration = d
	if s := strings.TrimSpace(b.Start); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return in, access.Errorf(access.CodeInvalid, "start %q is not a time such as 2026-01-02T15:04:05Z (RFC 3339); leave it out to start now", b.Start)
		}
		in.StartAt = t
	}
	return in, nil
}

// parseDuration parses a requested duration such as "1h", "30m", "1h 30m"
// or "1d" and says clearly what is wrong with a bad one.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, access.Errorf(access.CodeInvalid, "duration is missing: give one such as 1h, 30m or 1d")
	}
	d, err := say.ParseDuration(strings.TrimPrefix(s, "-"))
	if err != nil {
		return 0, access.Errorf(access.CodeInvalid, "duration %q is not a duration such as 1h, 30m or 1d", s)
	}
	if d <= 0 || strings.HasPrefix(s, "-") {
		return 0, access.Errorf(access.CodeInvalid, "duration %q is not positive: give one such as 1h or 30m", s)
	}
	return d, nil
}

// getRequest serves GET /api/v1/requests/{id}.
func (a *API) getRequest(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	req, err := a.svc.GetRequest(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeRequest(w, r, http.StatusOK, req)
}

// requestEvents serves GET /api/v1/requests/{id}/events.
func (a *API) requestEvents(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	evs, err := a.svc.RequestEvents(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := eventList{Items: make([]eventJSON, 0, len(evs))}
	for _, e := range evs {
		out.Items = append(out.Items, toEvent(e))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// decision is the shape of Approve, Reject, Cancel and End.
type decision func(svc Requests, ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)

// decide serves POST /api/v1/requests/{id}/{approve,reject,cancel,end}.
func (a *API) decide(act decision) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
		var body decisionBody
		if err := decodeBody(w, r, &body, true); err != nil {
			return err
		}
		req, err := act(a.svc, r.Context(), actor, r.PathValue("id"), body.Comment)
		if err != nil {
			return err
		}
		return a.writeRequest(w, r, http.StatusOK, req)
	}
}

// extend serves POST /api/v1/requests/{id}/extend.
func (a *API) extend(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var body extendBody
	if err := decodeBody(w, r, &body, false); err != nil {
		return err
	}
	d, err := parseDuration(body.Duration)
	if err != nil {
		return err
	}
	req, err := a.svc.Extend(r.Context(), actor, r.PathValue("id"), d, body.Justification)
	if err != nil {
		return err
	}
	return a.writeRequest(w, r, http.StatusOK, req)
}

// openAPI serves GET /api/v1/openapi.json.
func (a *API) openAPI(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDocument)
	return nil
}

func (a *API) writeRequest(w http.ResponseWriter, r *http.Request, status int, req *access.Request) error {
	if req == nil {
		return fmt.Errorf("service returned no request")
	}
	out := toRequest(req, a.userNames(r.Context(), req))
	a.named(r.Context(), &out, req, a.accountNames(r.Context(), req))
	a.writeJSON(w, r, status, out)
	return nil
}

// userNames resolves the approvers of reqs to user names. Names are for
// display only: when the lookup fails the ids stand in, and it is logged.
func (a *API) userNames(ctx context.Context, reqs ...*access.Request) map[string]string {
	var ids []string
	for _, req := range reqs {
		ids = append(ids, req.Approvers...)
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := a.svc.UserNames(ctx, ids)
	if err != nil {
		a.log.WarnContext(ctx, "look up approver names", "request_id", access.RequestIDFrom(ctx), "err", err.Error())
		return nil
	}
	return names
}
