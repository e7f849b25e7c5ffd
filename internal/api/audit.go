package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/workflow"
)

// Audit is what the /audit endpoints need; *workflow.AuditLog satisfies it.
// It authorizes: only auditors and admins are served.
type Audit interface {
	Events(ctx context.Context, actor access.Actor, afterSeq int64, limit int) ([]audit.EntryJSON, error)
	VerifyAs(ctx context.Context, actor access.Actor) (audit.Report, error)
	CheckpointsAs(ctx context.Context, actor access.Actor) ([]audit.CheckpointJSON, error)
}

var _ Audit = (*workflow.AuditLog)(nil)

// WithAudit serves the /audit endpoints from x, and returns a.
func (a *API) WithAudit(x Audit) *API {
	a.audit = x
	return a
}

// auditList is a page of the decision log.
type auditList struct {
	Items []audit.EntryJSON `json:"items"`
	// NextSince is the since value of the next page (the last seq here).
	NextSince int64 `json:"next_since"`
}

func (a *API) auditService() (Audit, error) {
	if a.audit == nil {
		return nil, access.Errorf(access.CodeNotFound, "the audit log is not served by this server")
	}
	return a.audit, nil
}

// auditEvents serves GET /api/v1/audit/events?since=SEQ&limit=N.
func (a *API) auditEvents(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	au, err := a.auditService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var since int64
	if s := q.Get("since"); s != "" {
		if since, err = strconv.ParseInt(s, 10, 64); err != nil || since < 0 {
			return access.Errorf(access.CodeInvalid, "since %q: want the seq of the last entry you have (0 or more)", s)
		}
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > audit.MaxPage {
			return access.Errorf(access.CodeInvalid, "limit %q: want 1 to %d", s, audit.MaxPage)
		}
	}
	items, err := au.Events(r.Context(), actor, since, limit)
	if err != nil {
		return err
	}
	out := auditList{Items: items, NextSince: since}
	if len(items) > 0 {
		out.NextSince = items[len(items)-1].Seq
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// auditVerify serves GET /api/v1/audit/verify.
func (a *API) auditVerify(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	au, err := a.auditService()
	if err != nil {
		return err
	}
	rep, err := au.VerifyAs(r.Context(), actor)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, rep)
	return nil
}

// auditCheckpoints serves GET /api/v1/audit/checkpoints.
func (a *API) auditCheckpoints(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	au, err := a.auditService()
	if err != nil {
		return err
	}
	cps, err := au.CheckpointsAs(r.Context(), actor)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, struct {
		Items []audit.CheckpointJSON `json:"items"`
	}{cps})
	return nil
}
