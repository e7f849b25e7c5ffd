package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// reqRow is a request as the lists and the detail page show it, with the
// actions the actor may take (the server checks them again on POST).
type reqRow struct {
	R             *access.Request
	Accounts      string
	Approvers     []string
	CanCancel     bool
	CanEnd        bool
	CanExtend     bool
	CanDecide     bool
	PendingExt    *access.Extension
	MyVerdict     access.Verdict
	IsRequester   bool
	SessionLonger bool
}

func (p *Portal) rows(r *http.Request, actor access.Actor, reqs []*access.Request) ([]reqRow, error) {
	var accIDs, userIDs []string
	for _, q := range reqs {
		accIDs = append(accIDs, q.AccountIDs()...)
		userIDs = append(userIDs, q.Approvers...)
	}
	accNames, err := p.o.Service.AccountNames(r.Context(), accIDs)
	if err != nil {
		return nil, err
	}
	userNames, err := p.o.Service.UserNames(r.Context(), userIDs)
	if err != nil {
		return nil, err
	}
	out := make([]reqRow, 0, len(reqs))
	for _, q := range reqs {
		row := reqRow{R: q, IsRequester: q.RequesterID == actor.UserID}
		var names []string
		for _, id := range q.AccountIDs() {
			names = append(names, accNames[id]+" ("+id+")")
		}
		row.Accounts = strings.Join(names, ", ")
		for _, id := range q.Approvers {
			row.Approvers = append(row.Approvers, userNames[id])
		}
		for _, a := range q.Approvals {
			if a.UserID == actor.UserID {
				row.MyVerdict = a.Verdict
			}
		}
		if i := q.PendingExtension(); i >= 0 {
			row.PendingExt = &q.Extensions[i]
		}
		active := q.Status == access.StatusActive && !q.EndRequested()
		row.CanCancel = row.IsRequester && (q.Status == access.StatusPending || q.Status == access.StatusScheduled)
		row.CanEnd = active && (row.IsRequester || q.IsApprover(actor.UserID) || actor.Admin)
		row.CanExtend = active && row.IsRequester && row.PendingExt == nil
		row.CanDecide = !row.IsRequester && q.IsApprover(actor.UserID) &&
			((q.Status == access.StatusPending && row.MyVerdict == "") || (q.Status == access.StatusActive && row.PendingExt != nil))
		out = append(out, row)
	}
	return out, nil
}

type listData struct {
	Heading string
	Intro   string
	Rows    []reqRow
	History []reqRow
	Empty   string
}

// myRequests serves GET /requests: the actor's own requests.
func (p *Portal) myRequests(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	reqs, err := p.o.Service.ListRequests(r.Context(), actor, workflow.ListInput{Scope: workflow.ScopeMine, Limit: 200})
	if err != nil {
		return err
	}
	rows, err := p.rows(r, actor, reqs)
	if err != nil {
		return err
	}
	v := view{Title: "My requests", Nav: "requests", Actor: actor, SignedIn: true,
		D: listData{Heading: "My requests", Rows: rows, Empty: "You have made no requests yet."}}
	if live(reqs) {
		v.LiveEvery = 5
	}
	p.render(w, http.StatusOK, "requests", v)
	return nil
}

// live reports whether some request is between states the user waits for
// (approved but not yet active, or ending), so the page refreshes itself.
func live(reqs []*access.Request) bool {
	for _, q := range reqs {
		if q.Status == access.StatusScheduled && !q.StartAt.After(time.Now().Add(time.Minute)) || q.Status == access.StatusActive && q.EndRequested() {
			return true
		}
	}
	return false
}

// approvals serves GET /approvals: what waits for the actor, and what they decided.
func (p *Portal) approvals(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	reqs, err := p.o.Service.ListRequests(r.Context(), actor, workflow.ListInput{Scope: workflow.ScopeApprovals, Limit: 500})
	if err != nil {
		return err
	}
	rows, err := p.rows(r, actor, reqs)
	if err != nil {
		return err
	}
	var pending, history []reqRow
	for _, row := range rows {
		switch {
		case row.CanDecide:
			pending = append(pending, row)
		case row.MyVerdict != "" || slices.ContainsFunc(row.R.Extensions, func(e access.Extension) bool {
			return slices.ContainsFunc(e.Approvals, func(a access.Approval) bool { return a.UserID == actor.UserID })
		}):
			history = append(history, row)
		}
	}
	p.render(w, http.StatusOK, "approvals", view{Title: "Approvals", Nav: "approvals", Actor: actor, SignedIn: true,
		D: listData{Heading: "Waiting for you", Rows: pending, History: history, Empty: "Nothing waits for your approval."}})
	return nil
}

// active serves GET /active: every active request the actor may see.
func (p *Portal) active(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	scope := workflow.ScopeInvolved
	if actor.Admin || actor.Auditor {
		scope = workflow.ScopeAll
	}
	reqs, err := p.o.Service.ListRequests(r.Context(), actor, workflow.ListInput{Scope: scope, Statuses: []access.Status{access.StatusActive}, Limit: 1000})
	if err != nil {
		return err
	}
	rows, err := p.rows(r, actor, reqs)
	if err != nil {
		return err
	}
	p.render(w, http.StatusOK, "requests", view{Title: "Active access", Nav: "active", Actor: actor, SignedIn: true,
		D: listData{Heading: "Active access", Intro: "Everything active that you may see.", Rows: rows, Empty: "No access is active right now."}})
	return nil
}

type detailData struct {
	Row    reqRow
	Events []access.Event
	// Activity is the session activity (activity.go); nil: not shown.
	Activity *activityView
	// AskedBecause says why the viewer was asked to approve, when they
	// stand in for an approver who is away.
	AskedBecause string
}

var notices = map[string]string{
	"submitted": "Your request was submitted.",
	"approve":   "You approved this request.",
	"reject":    "You rejected this request.",
	"cancel":    "The request was cancelled.",
	"end":       "Access is being removed.",
	"extend":    "Your extension was requested.",
}

// requestDetail serves GET /requests/{id}.
func (p *Portal) requestDetail(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return p.renderDetail(w, r, actor, http.StatusOK, notices[r.URL.Query().Get("msg")], "")
}

func (p *Portal) renderDetail(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, notice, errMsg string) error {
	id := r.PathValue("id")
	q, err := p.o.Service.GetRequest(r.Context(), actor, id)
	if err != nil {
		return err
	}
	evs, err := p.o.Service.RequestEvents(r.Context(), actor, id)
	if err != nil {
		return err
	}
	rows, err := p.rows(r, actor, []*access.Request{q})
	if err != nil {
		return err
	}
	v := view{Title: "Request " + q.ID, Nav: "requests", Actor: actor, SignedIn: true, Notice: notice, Error: errMsg,
		D: detailData{Row: rows[0], Events: evs, Activity: p.activityFor(r, actor, q), AskedBecause: askedBecause(evs, actor, q)}}
	if live([]*access.Request{q}) {
		v.LiveEvery = 3
	}
	p.render(w, status, "request_detail", v)
	return nil
}

// requestAction serves POST /requests/{id}/{action}.
func (p *Portal) requestAction(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id, action := r.PathValue("id"), r.PathValue("action")
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	ctx := r.Context()
	var err error
	switch action {
	case "approve":
		_, err = p.o.Service.Approve(ctx, actor, id, comment)
	case "reject":
		_, err = p.o.Service.Reject(ctx, actor, id, comment)
	case "cancel":
		_, err = p.o.Service.Cancel(ctx, actor, id, comment)
	case "end":
		_, err = p.o.Service.End(ctx, actor, id, comment)
	case "extend":
		d, perr := time.ParseDuration(strings.ReplaceAll(r.PostFormValue("duration"), " ", ""))
		if perr != nil || d <= 0 {
			err = access.Errorf(access.CodeInvalid, "Extension %q is not a duration: write it like 30m or 1h.", r.PostFormValue("duration"))
		} else {
			_, err = p.o.Service.Extend(ctx, actor, id, d, comment)
		}
	default:
		return access.Errorf(access.CodeNotFound, "There is no action %q.", action)
	}
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return err
		}
		return p.renderDetail(w, r, actor, statusOf(err), "", "That did not work: "+p.message(r, err))
	}
	back := "/requests/" + id + "?msg=" + action
	if r.PostFormValue("back") == "approvals" {
		back = "/approvals"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
