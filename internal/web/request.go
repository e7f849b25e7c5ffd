package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/workflow"
)

// maxResults is how many matching accounts the request page lists at once;
// the search narrows the rest.
const maxResults = 50

type accountView struct {
	ID, Name, OU string
	Sets         []workflow.Eligible
}

type setView struct {
	Name, ARN, Description string
	Session, MaxDuration   time.Duration
	Approvals              int
	Approvers              []string
	ApproverNote           string
	ApproverMFA            time.Duration // the rule's approver_mfa.max_age; 0: none
	Ticket                 bool
	Checked                bool
}

type requestForm struct {
	PermissionSet, Duration, Start, StartAt, Justification, Ticket string
}

type requestData struct {
	Q             string
	Results       []accountView
	Matches       int
	TotalAccounts int
	Account       *accountView
	Sets          []setView
	Form          requestForm
	// Errors are the refusal's message beside the field it is about
	// (fieldOf), with aria-invalid on the field.
	Errors fieldErrors
}

// ouPathsFor returns the OU paths, cached per directory sync.
func (p *Portal) ouPathsFor(ctx context.Context) map[string]string {
	p.ouMu.Lock()
	defer p.ouMu.Unlock()
	paths, synced, changed, err := p.o.Service.OUPaths(ctx, p.ouSynced)
	if err != nil {
		p.log.WarnContext(ctx, "web: OU paths", "error", err)
		return p.ouPaths
	}
	if changed {
		p.ouPaths, p.ouSynced = paths, synced
	}
	return p.ouPaths
}

// eligibleAccounts groups what the actor may request by account, sorted by
// account name. Break-glass offers are left to the CLI and API.
func (p *Portal) eligibleAccounts(ctx context.Context, actor access.Actor) ([]accountView, error) {
	el, err := p.o.Service.Eligibility(ctx, actor)
	if err != nil {
		return nil, err
	}
	paths := p.ouPathsFor(ctx)
	idx := map[string]int{}
	var out []accountView
	for _, e := range el {
		if e.BreakGlass {
			continue
		}
		i, ok := idx[e.Account.ID]
		if !ok {
			i = len(out)
			idx[e.Account.ID] = i
			out = append(out, accountView{ID: e.Account.ID, Name: e.Account.Name, OU: paths[e.Account.ParentID]})
		}
		out[i].Sets = append(out[i].Sets, e)
	}
	slices.SortFunc(out, func(a, b accountView) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// search returns the accounts whose name, id or OU path contains q (case
// insensitive), at most maxResults of them, and how many matched.
func search(accounts []accountView, q string) ([]accountView, int) {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []accountView
	n := 0
	for _, a := range accounts {
		if q == "" || strings.Contains(a.ID, q) || strings.Contains(strings.ToLower(a.Name), q) || strings.Contains(strings.ToLower(a.OU), q) {
			n++
			if len(out) < maxResults {
				out = append(out, a)
			}
		}
	}
	return out, n
}

// requestData builds the request page for the query and chosen account.
func (p *Portal) buildRequestData(ctx context.Context, actor access.Actor, q, account string, f requestForm) (requestData, error) {
	accounts, err := p.eligibleAccounts(ctx, actor)
	if err != nil {
		return requestData{}, err
	}
	d := requestData{Q: q, TotalAccounts: len(accounts), Form: f}
	d.Results, d.Matches = search(accounts, q)
	if account == "" {
		return d, nil
	}
	i := slices.IndexFunc(accounts, func(a accountView) bool { return a.ID == account })
	if i < 0 {
		return d, access.Errorf(access.CodeNotEligible, "you may not request access to account %s: it is not in your eligible accounts", account)
	}
	a := accounts[i]
	d.Account = &a
	for _, e := range a.Sets {
		sv := setView{Name: e.PermissionSet.Name, ARN: e.PermissionSet.ARN, Description: e.PermissionSet.Description,
			Session: e.PermissionSet.SessionDuration, MaxDuration: e.MaxDuration, Approvals: e.ApprovalsRequired, Ticket: e.TicketRequired,
			Checked: f.PermissionSet == e.PermissionSet.Name || len(a.Sets) == 1}
		if e.ApprovalsRequired > 0 {
			ex, err := p.o.Service.Explain(ctx, actor, workflow.ExplainInput{Account: a.ID, PermissionSet: e.PermissionSet.ARN})
			if err == nil {
				sv.Approvals = max(sv.Approvals, ex.Decision.ApprovalsRequired)
				for _, ap := range ex.Decision.Approvers {
					sv.Approvers = append(sv.Approvers, ap.UserName)
				}
				sv.ApproverNote = ex.Decision.ApproverSource
				sv.ApproverMFA = ex.Decision.ApproverMFA
				if !ex.Decision.Allowed {
					sv.ApproverNote = ex.Decision.Reason
				}
			}
		}
		d.Sets = append(d.Sets, sv)
	}
	return d, nil
}

// requestPage serves GET /request?q=...&account=...
func (p *Portal) requestPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	f := requestForm{Duration: "1h", Start: "now", StartAt: p.o.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04"), PermissionSet: q.Get("permission_set")}
	d, err := p.buildRequestData(r.Context(), actor, q.Get("q"), q.Get("account"), f)
	if err != nil {
		return err
	}
	p.render(w, http.StatusOK, "request", view{Title: "Request access", Nav: "request", Actor: actor, SignedIn: true, D: d})
	return nil
}

// accountResults serves the account list alone, for the live search.
func (p *Portal) accountResults(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	d, err := p.buildRequestData(r.Context(), actor, r.URL.Query().Get("q"), "", requestForm{})
	if err != nil {
		return err
	}
	p.renderFragment(w, "request", "results", d)
	return nil
}

// submit serves POST /request.
func (p *Portal) submit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	f := requestForm{PermissionSet: r.PostFormValue("permission_set"), Duration: strings.TrimSpace(r.PostFormValue("duration")),
		Start: r.PostFormValue("start"), StartAt: r.PostFormValue("start_at"), Justification: r.PostFormValue("justification"), Ticket: r.PostFormValue("ticket")}
	account := r.PostFormValue("account")
	in := workflow.SubmitInput{AccountIDs: []string{account}, PermissionSet: f.PermissionSet, Justification: strings.TrimSpace(f.Justification), Ticket: strings.TrimSpace(f.Ticket)}
	var err error
	switch {
	case account == "":
		err = access.Errorf(access.CodeInvalid, "Choose an account first.")
	case f.PermissionSet == "":
		err = access.Errorf(access.CodeInvalid, "permission set: choose one of those the account offers.")
	}
	if err == nil {
		in.Duration, err = say.ParseDuration(f.Duration)
		if err != nil || in.Duration <= 0 {
			err = access.Errorf(access.CodeInvalid, "Duration %q is not a duration: write it like 30m, 1h 30m, 4h or 1d.", f.Duration)
		}
	}
	if err == nil && f.Start == "later" {
		// The picker shows the reader's wall clock: read it in their zone.
		loc := zoneOf(w)
		in.StartAt, err = time.ParseInLocation("2006-01-02T15:04", f.StartAt, loc)
		if err != nil {
			err = access.Errorf(access.CodeInvalid, "Start time %q is not a date and time (%s).", f.StartAt, loc)
		}
	}
	var req *access.Request
	if err == nil {
		req, err = p.o.Service.Submit(r.Context(), actor, in)
	}
	if err != nil {
		d, derr := p.buildRequestData(r.Context(), actor, r.PostFormValue("q"), account, f)
		if derr != nil {
			return err
		}
		msg := p.message(r, err)
		banner := "Your request was refused: " + msg
		if field := fieldOf(err); field != "" {
			// The reason goes beside its field; the banner says where.
			d.Errors = fieldErrors{field: capitalize(msg)}
			banner = "Your request was refused: see " + requestFieldLabel[field] + " below."
		}
		p.render(w, statusOf(err), "request", view{Title: "Request access", Nav: "request", Actor: actor, SignedIn: true,
			Error: banner, D: d})
		return nil
	}
	http.Redirect(w, r, "/requests/"+req.ID+"?msg=submitted", http.StatusSeeOther)
	return nil
}

// requestFieldLabel names the request form's fields as the form labels them.
var requestFieldLabel = map[string]string{"account": "the account", "permission_set": "Permission set", "duration": "Duration",
	"justification": "Justification", "ticket": "Ticket", "start_at": "Start"}

// F describes the request form's field name for the template.
func (d requestData) F(name string) fieldView {
	return fieldView{ID: name, ErrID: "err-" + name, Err: d.Errors[name]}
}
