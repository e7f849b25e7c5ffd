package web

import (
	"encoding/json"
	"net/http"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// home serves GET /: each role lands where its work is. An auditor or admin
// who may request nothing lands on Audit or Admin (not on an empty account
// search); everyone else on Request access.
func (p *Portal) home(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	to := "/request"
	if actor.Auditor || actor.Admin {
		el, err := p.o.Service.Eligibility(r.Context(), actor)
		if err != nil {
			return err
		}
		if len(el) == 0 {
			to = "/audit"
			if actor.Admin && !actor.Auditor {
				to = "/admin"
			}
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// approvalsCount serves GET /approvals/count: {"waiting": N}, how many
// requests and extensions wait for the actor's decision, for the count
// beside Approvals in the navigation.
func (p *Portal) approvalsCount(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	reqs, err := p.o.Service.ListRequests(r.Context(), actor, workflow.ListInput{Scope: workflow.ScopeApprovals,
		Statuses: []access.Status{access.StatusPending, access.StatusActive}, Limit: 1000})
	if err != nil {
		return err
	}
	n := 0
	for _, q := range reqs {
		if canDecide(q, actor) {
			n++
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(map[string]int{"waiting": n})
}

// canDecide reports whether actor may decide on q now: an approver of it
// (never its requester) who has not yet answered a pending request, or an
// active request's pending extension.
func canDecide(q *access.Request, actor access.Actor) bool {
	if q.RequesterID == actor.UserID || !q.IsApprover(actor.UserID) {
		return false
	}
	switch q.Status {
	case access.StatusPending:
		for _, a := range q.Approvals {
			if a.UserID == actor.UserID {
				return false
			}
		}
		return true
	case access.StatusActive:
		return q.PendingExtension() >= 0
	}
	return false
}
