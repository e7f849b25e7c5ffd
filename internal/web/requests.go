package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
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
	// Names are account names by id, for the grants' list.
	Names map[string]string
	// Use is the "now use it" step for the requester of active access (use.go).
	Use *useView
	// Now is the portal's clock, for relative phrases ("ends in 42 min").
	Now time.Time
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
		row := reqRow{R: q, IsRequester: q.RequesterID == actor.UserID, Names: accNames, Now: p.o.Now()}
		row.Accounts = say.Accounts(accNames, q.AccountIDs())
		row.Use = p.useOf(q, actor, accNames)
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
		row.CanDecide = canDecide(q, actor)
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
	// Filter is the search, filters and next-page link (lists.go).
	Filter filterView
}

// pageOf reads the page of requests in scope (and statuses, when the page
// fixes them) that the query's filters and cursor select.
func (p *Portal) pageOf(r *http.Request, actor access.Actor, scope workflow.Scope, statuses []access.Status, view filterView) (
	[]*access.Request, []reqRow, filterView, error) {
	f, in, err := parseListFilter(r)
	view.F = f
	if err != nil {
		return nil, nil, view, err
	}
	in.Scope = scope
	if statuses != nil {
		in.Statuses = statuses
	}
	page, err := p.o.Service.PageRequests(r.Context(), actor, in)
	if err != nil {
		return nil, nil, view, err
	}
	rows, err := p.rows(r, actor, page.Items)
	if err != nil {
		return nil, nil, view, err
	}
	view.Next = f.nextLink(view.Action, page.Next)
	return page.Items, rows, view, nil
}

// filtering reports whether the query narrows the list, so that an empty
// page says no request matches rather than that there are none.
func filtering(r *http.Request) bool {
	for k, v := range r.URL.Query() {
		if k != "sort" && k != "cursor" && k != "msg" && strings.Join(v, "") != "" {
			return true
		}
	}
	return false
}

// myRequests serves GET /requests: the actor's own requests.
func (p *Portal) myRequests(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	reqs, rows, fv, err := p.pageOf(r, actor, workflow.ScopeMine, nil, filterView{Action: "/requests", Statuses: access.Statuses})
	if err != nil {
		return err
	}
	empty := "You have made no requests yet."
	if filtering(r) {
		empty = "No request matches."
	}
	v := view{Title: "My requests", Nav: "requests", Actor: actor, SignedIn: true,
		D: listData{Heading: "My requests", Rows: rows, Empty: empty, Filter: fv}}
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

// approvals serves GET /approvals: what waits for the actor, and what they
// decided, a page of the requests they may approve at a time.
func (p *Portal) approvals(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, rows, fv, err := p.pageOf(r, actor, workflow.ScopeApprovals, nil, filterView{Action: "/approvals", Statuses: access.Statuses, Requester: true})
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
	empty := "Nothing waits for your approval."
	if filtering(r) {
		empty = "Nothing that waits for your approval matches."
	}
	p.render(w, http.StatusOK, "approvals", view{Title: "Approvals", Nav: "approvals", Actor: actor, SignedIn: true,
		Notice: notices[r.URL.Query().Get("msg")], D: listData{Heading: "Waiting for you", Rows: pending, History: history, Empty: empty, Filter: fv}})
	return nil
}

// active serves GET /active: every active request the actor may see.
func (p *Portal) active(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	scope := workflow.ScopeInvolved
	if actor.Admin || actor.Auditor {
		scope = workflow.ScopeAll
	}
	_, rows, fv, err := p.pageOf(r, actor, scope, []access.Status{access.StatusActive}, filterView{Action: "/active", Requester: true})
	if err != nil {
		return err
	}
	empty := "No access is active right now."
	if filtering(r) {
		empty = "No active access matches."
	}
	p.render(w, http.StatusOK, "requests", view{Title: "Active access", Nav: "active", Actor: actor, SignedIn: true,
		D: listData{Heading: "Active access", Intro: "Everything active that you may see.", Rows: rows, Empty: empty, Filter: fv}})
	return nil
}

type detailData struct {
	Row    reqRow
	Events []access.Event
	// Ticket and Conditions are what the rules' conditions found when the
	// request was submitted (the request.submitted event's details): the
	// ticket's title and link, and each condition's outcome and evidence.
	Ticket     ticketView
	Conditions []string
	// Activity is the session activity (activity.go); nil: not shown.
	Activity *activityView
	// AskedBecause says why the viewer was asked to approve, when they
	// stand in for an approver who is away.
	AskedBecause string
	// ApproverMFA is the rule's approver_mfa.max_age when the viewer may
	// decide (0: none); StepUp says their sign-in is not fresh enough, so
	// Approve sends them through a fresh sign-in first (mfa.go).
	ApproverMFA time.Duration
	StepUp      bool
	// StepUpURL starts that fresh sign-in (a link: the portal's
	// form-action 'self' would stop a form's redirect to the IdP); "" when
	// no identity provider is configured.
	StepUpURL string
}

var notices = map[string]string{
	"submitted": "Your request was submitted.",
	"approve":   "You approved this request.",
	"reject":    "You rejected this request.",
	"cancel":    "The request was cancelled.",
	"end":       "Access is being removed.",
	"extend":    "Your extension was requested.",
	"mfa":       "You signed in again with multi-factor authentication: you can approve now.",
	"stepup":    "Approving this request needs a fresh sign-in with multi-factor authentication: choose “Sign in again to approve”.",
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
	dd := v.D.(detailData)
	dd.Ticket, dd.Conditions = submittedFacts(evs)
	if dd.Row.CanDecide {
		if dd.ApproverMFA, dd.StepUp, err = p.approverMFA(r.Context(), actor, q.ID); err != nil {
			return err
		}
		if dd.StepUp {
			dd.StepUpURL = p.stepUpURL(dd.ApproverMFA, actor, q.ID)
		}
	}
	v.D = dd
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
		d, perr := say.ParseDuration(r.PostFormValue("duration"))
		if perr != nil || d <= 0 {
			err = access.Errorf(access.CodeInvalid, "Extension %q is not a duration: write it like 30m, 1h 30m or 1d.", r.PostFormValue("duration"))
		} else {
			_, err = p.o.Service.Extend(ctx, actor, id, d, comment)
		}
	default:
		return access.Errorf(access.CodeNotFound, "There is no action %q.", action)
	}
	if access.ErrorCode(err) == access.CodeApproverMFARequired {
		// The request's page offers the fresh sign-in as a link; when there
		// is no identity provider to give one, the refusal is shown as is.
		if p.oidc != nil || p.saml != nil {
			http.Redirect(w, r, "/requests/"+url.PathEscape(id)+"?msg=stepup", http.StatusSeeOther)
			return nil
		}
		err = access.Errorf(access.CodeApproverMFARequired, "%s (this elevate has no OIDC or SAML sign-in to prove it with: ask an admin)", err.Error())
	}
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return err
		}
		return p.renderDetail(w, r, actor, statusOf(err), "", "That did not work: "+p.message(r, err))
	}
	back := "/requests/" + id + "?msg=" + action
	if r.PostFormValue("back") == "approvals" {
		back = "/approvals?msg=" + action
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
