package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// BreakGlass is the break-glass review and settings use cases.
// *workflow.Service satisfies it; a Service that does not answers
// not_found on those routes.
type BreakGlass interface {
	ReviewBreakGlass(ctx context.Context, actor access.Actor, id, comment string) (workflow.BreakGlassUse, error)
	ListBreakGlass(ctx context.Context, actor access.Actor, unreviewed bool, limit int) ([]workflow.BreakGlassUse, error)
	GetSettings(ctx context.Context, actor access.Actor) (policy.Settings, int, error)
	UpdateSettings(ctx context.Context, actor access.Actor, u workflow.SettingsUpdate) (workflow.PolicyPlan, policy.Settings, error)
}

var _ BreakGlass = (*workflow.Service)(nil)

func (a *API) breakGlassSvc() (BreakGlass, error) {
	return optional[BreakGlass](a, "break-glass review or settings")
}

// breakGlassJSON is one break-glass use.
type breakGlassJSON struct {
	RequestID     string     `json:"request_id"`
	Requester     userRef    `json:"requester"`
	Rule          string     `json:"rule"`
	PermissionSet string     `json:"permission_set"`
	AccountIDs    []string   `json:"account_ids"`
	Justification string     `json:"justification"`
	At            time.Time  `json:"at"`
	Status        string     `json:"status"`
	Reviewed      bool       `json:"reviewed"`
	ReviewedBy    string     `json:"reviewed_by"`
	ReviewedAt    *time.Time `json:"reviewed_at"`
	ReviewComment string     `json:"review_comment"`
}

type breakGlassList struct {
	Items []breakGlassJSON `json:"items"`
}

func toBreakGlass(u workflow.BreakGlassUse) breakGlassJSON {
	out := breakGlassJSON{RequestID: u.RequestID, Requester: userRef{ID: u.RequesterID, UserName: u.RequesterName}, Rule: u.Rule,
		PermissionSet: u.PermissionSetName, AccountIDs: u.AccountIDs, Justification: u.Justification, At: u.At.UTC(),
		Status: string(u.Status), Reviewed: u.Reviewed(), ReviewedBy: u.ReviewedBy, ReviewedAt: utc(u.ReviewedAt),
		ReviewComment: u.ReviewComment}
	if out.AccountIDs == nil {
		out.AccountIDs = []string{}
	}
	return out
}

// reviewBody is the body of POST /requests/{id}/review.
type reviewBody struct {
	Comment string `json:"comment"`
}

// reviewBreakGlass serves POST /api/v1/requests/{id}/review.
func (a *API) reviewBreakGlass(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := a.breakGlassSvc()
	if err != nil {
		return err
	}
	var body reviewBody
	if err := decodeBody(w, r, &body, false); err != nil {
		return err
	}
	u, err := b.ReviewBreakGlass(r.Context(), actor, r.PathValue("id"), body.Comment)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, toBreakGlass(u))
	return nil
}

// listBreakGlass serves GET /api/v1/admin/breakglass?unreviewed=1&limit=N.
func (a *API) listBreakGlass(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := a.breakGlassSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for k := range q {
		if k != "unreviewed" && k != "limit" {
			return access.Errorf(access.CodeInvalid, "unknown query parameter %q: use unreviewed or limit", k)
		}
	}
	var unreviewed bool
	if v := strings.TrimSpace(q.Get("unreviewed")); v != "" {
		if unreviewed, err = strconv.ParseBool(v); err != nil {
			return access.Errorf(access.CodeInvalid, "unreviewed %q is not 1, 0, true or false", v)
		}
	}
	limit := 0
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return access.Errorf(access.CodeInvalid, "limit %q is not a number from 1 to 1000", v)
		}
	}
	us, err := b.ListBreakGlass(r.Context(), actor, unreviewed, limit)
	if err != nil {
		return err
	}
	out := breakGlassList{Items: make([]breakGlassJSON, 0, len(us))}
	for _, u := range us {
		out.Items = append(out.Items, toBreakGlass(u))
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}
