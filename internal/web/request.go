package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
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
	// Add is the request page with this account added to the chosen ones;
	// Chosen: it is chosen already.
	Add    string
	Chosen bool
}

// chipView is a chosen account, with the page without it.
type chipView struct {
	ID, Name, OU string
	Remove       string
}

// approverView is who decides a permission set on one chosen account.
type approverView struct {
	AccountID, Account string
	Eligible           bool
	Approvals          int
	Approvers          []string
	Note               string
	ApproverMFA        time.Duration // the rule's approver_mfa.max_age; 0: none
	Ticket             bool
	MaxDuration        time.Duration
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
	// PerAccount says, for each chosen account, whether the set may be
	// requested there and who approves it (several accounts chosen).
	PerAccount []approverView
}

type requestForm struct {
	PermissionSet, Duration, Start, StartAt, Justification, Ticket string
}

type requestData struct {
	Q             string
	Results       []accountView
	Matches       int
	TotalAccounts int
	// Chosen are the accounts chosen so far (chips), in the order chosen;
	// Account is the first (nil: none yet).
	Chosen  []chipView
	Account *accountView
	// Search is the account list's URL for the live search, keeping the
	// chosen accounts.
	Search string
	Sets   []setView
	Form   requestForm
	// Again names the request the form was filled from.
	Again string
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

// maxChosen is how many accounts one form may ask for at once: each is a
// request of its own, and the approvers of each are shown.
const maxChosen = 10

// chooseURL is the request page with the accounts chosen and the query.
func chooseURL(accounts []string, q string) string {
	v := url.Values{}
	for _, a := range accounts {
		v.Add("account", a)
	}
	if q != "" {
		v.Set("q", q)
	}
	if len(v) == 0 {
		return "/request"
	}
	return "/request?" + v.Encode()
}

// chosenIDs reads the chosen accounts (ids or names, repeated or comma
// separated), without duplicates, in the order given.
func chosenIDs(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// buildRequestData builds the request page for the query and the chosen
// accounts (ids or names).
func (p *Portal) buildRequestData(ctx context.Context, actor access.Actor, q string, chosen []string, f requestForm) (requestData, error) {
	accounts, err := p.eligibleAccounts(ctx, actor)
	if err != nil {
		return requestData{}, err
	}
	d := requestData{Q: q, TotalAccounts: len(accounts), Form: f}
	if len(chosen) > maxChosen {
		return d, access.Errorf(access.CodeInvalid, "%d accounts are chosen: ask for at most %d at once, then again for the rest", len(chosen), maxChosen)
	}
	var picked []accountView
	var ids []string
	for _, c := range chosen {
		i := slices.IndexFunc(accounts, func(a accountView) bool { return a.ID == c || strings.EqualFold(a.Name, c) })
		if i < 0 {
			return d, access.Errorf(access.CodeNotEligible, "you may not request access to account %s: it is not in your eligible accounts; remove it and choose another", c)
		}
		if slices.Contains(ids, accounts[i].ID) {
			continue
		}
		picked = append(picked, accounts[i])
		ids = append(ids, accounts[i].ID)
	}
	for _, a := range picked {
		rest := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == a.ID })
		d.Chosen = append(d.Chosen, chipView{ID: a.ID, Name: a.Name, OU: a.OU, Remove: chooseURL(rest, q)})
	}
	d.Search = "/request/accounts"
	if len(ids) > 0 {
		d.Search = "/request/accounts?" + strings.TrimPrefix(chooseURL(ids, ""), "/request?")
	}
	d.Results, d.Matches = search(accounts, q)
	for i := range d.Results {
		d.Results[i].Chosen = slices.Contains(ids, d.Results[i].ID)
		d.Results[i].Add = chooseURL(append(slices.Clone(ids), d.Results[i].ID), q)
	}
	if len(picked) == 0 {
		return d, nil
	}
	d.Account = &picked[0]
	d.Sets = p.setsOf(ctx, actor, picked, f)
	return d, nil
}

// setsOf lists the permission sets eligible on any of the chosen accounts,
// in the order the first account that has each lists them, with who
// approves each on every chosen account.
func (p *Portal) setsOf(ctx context.Context, actor access.Actor, picked []accountView, f requestForm) []setView {
	var sets []setView
	idx := map[string]int{}
	for _, a := range picked {
		for _, e := range a.Sets {
			if _, ok := idx[e.PermissionSet.Name]; ok {
				continue
			}
			idx[e.PermissionSet.Name] = len(sets)
			sets = append(sets, setView{Name: e.PermissionSet.Name, ARN: e.PermissionSet.ARN, Description: e.PermissionSet.Description,
				Session: e.PermissionSet.SessionDuration, Checked: f.PermissionSet == e.PermissionSet.Name})
		}
	}
	for i := range sets {
		sv := &sets[i]
		for _, a := range picked {
			av := approverView{AccountID: a.ID, Account: say.Account(a.Name, a.ID)}
			j := slices.IndexFunc(a.Sets, func(e workflow.Eligible) bool { return e.PermissionSet.Name == sv.Name })
			if j >= 0 {
				e := a.Sets[j]
				av.Eligible, av.Approvals, av.Ticket, av.MaxDuration = true, e.ApprovalsRequired, e.TicketRequired, e.MaxDuration
				if e.ApprovalsRequired > 0 {
					ex, err := p.o.Service.Explain(ctx, actor, workflow.ExplainInput{Account: a.ID, PermissionSet: e.PermissionSet.ARN})
					if err == nil {
						av.Approvals = max(av.Approvals, ex.Decision.ApprovalsRequired)
						for _, ap := range ex.Decision.Approvers {
							av.Approvers = append(av.Approvers, ap.UserName)
						}
						av.Note = ex.Decision.ApproverSource
						av.ApproverMFA = ex.Decision.ApproverMFA
						if !ex.Decision.Allowed {
							av.Note = ex.Decision.Reason
						}
					}
				}
				// The form's limits are the strictest of the accounts.
				if sv.MaxDuration == 0 || av.MaxDuration < sv.MaxDuration {
					sv.MaxDuration = av.MaxDuration
				}
				sv.Ticket = sv.Ticket || av.Ticket
			}
			sv.PerAccount = append(sv.PerAccount, av)
		}
		if first := sv.PerAccount[0]; len(picked) == 1 {
			sv.Approvals, sv.Approvers, sv.ApproverNote, sv.ApproverMFA = first.Approvals, first.Approvers, first.Note, first.ApproverMFA
		}
	}
	if len(sets) == 1 {
		sets[0].Checked = true
	}
	return sets
}

// requestPage serves GET /request?q=...&account=...[&account=...], and
// GET /request?again=ID: the form filled from a past request.
func (p *Portal) requestPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	f := requestForm{Duration: "1h", Start: "now", StartAt: p.o.Now().Add(time.Hour).In(zoneOf(w)).Format("2006-01-02T15:04"), PermissionSet: q.Get("permission_set")}
	chosen := chosenIDs(q["account"])
	again := strings.TrimSpace(q.Get("again"))
	if again != "" {
		past, err := p.o.Service.GetRequest(r.Context(), actor, again)
		if err != nil {
			return err
		}
		if past.RequesterID != actor.UserID {
			return access.Errorf(access.CodeForbidden, "Only %s, who made request %s, may request it again.", past.RequesterName, past.ID)
		}
		chosen = past.AccountIDs()
		f.PermissionSet, f.Duration = past.PermissionSetName, say.Duration(past.Duration)
		f.Justification, f.Ticket = past.Justification, past.Ticket
	}
	d, err := p.buildRequestData(r.Context(), actor, q.Get("q"), chosen, f)
	if err != nil {
		if again == "" || access.ErrorCode(err) != access.CodeNotEligible {
			return err
		}
		// No longer eligible somewhere: say so beside the form, without the account.
		d, derr := p.buildRequestData(r.Context(), actor, q.Get("q"), nil, f)
		if derr != nil {
			return derr
		}
		p.render(w, http.StatusOK, "request", view{Title: "Request access", Nav: "request", Actor: actor, SignedIn: true,
			Error: "Request " + again + " cannot be asked for again as it was: " + p.message(r, err), D: d})
		return nil
	}
	if again != "" {
		d.Again = again
	}
	p.render(w, http.StatusOK, "request", view{Title: "Request access", Nav: "request", Actor: actor, SignedIn: true, D: d})
	return nil
}

// accountResults serves the account list alone, for the live search.
func (p *Portal) accountResults(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	d, err := p.buildRequestData(r.Context(), actor, q.Get("q"), chosenIDs(q["account"]), requestForm{})
	if err != nil {
		return err
	}
	p.renderFragment(w, "request", "results", d)
	return nil
}

// submitted is the outcome of the form for one account.
type submitted struct {
	Account string
	Request *access.Request
	Error   string
}

type submittedData struct {
	Results []submitted
	// Form fills "try the failed ones again".
	Retry string
}

// submit serves POST /request: one request per chosen account, through
// the same use case as the API. Everything that can be checked before
// submitting (the form, eligibility of the set on every account, a ticket
// where a rule requires one) is checked for all the accounts first, and
// nothing is submitted when any fails; then each account is submitted in
// its own transaction, and the page says what happened to each.
func (p *Portal) submit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return access.Errorf(access.CodeInvalid, "The form could not be read: %v.", err)
	}
	f := requestForm{PermissionSet: r.PostFormValue("permission_set"), Duration: strings.TrimSpace(r.PostFormValue("duration")),
		Start: r.PostFormValue("start"), StartAt: r.PostFormValue("start_at"), Justification: r.PostFormValue("justification"), Ticket: r.PostFormValue("ticket")}
	chosen := chosenIDs(r.PostForm["account"])
	in := workflow.SubmitInput{PermissionSet: f.PermissionSet, Justification: strings.TrimSpace(f.Justification), Ticket: strings.TrimSpace(f.Ticket)}
	var err error
	switch {
	case len(chosen) == 0:
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
	d, derr := p.buildRequestData(r.Context(), actor, r.PostFormValue("q"), chosen, f)
	if err == nil {
		err = derr
	}
	if err == nil && len(chosen) > 1 {
		err = checkAll(d, f.PermissionSet, in)
	}
	// refuse shows the form again with the reason beside its field (the
	// banner says where) or, for a reason about no one field, in the banner.
	refuse := func(err error) {
		msg := p.message(r, err)
		banner := "Your request was refused: " + msg
		if field := fieldOf(err); field != "" {
			d.Errors = fieldErrors{field: capitalize(msg)}
			banner = "Your request was refused: see " + requestFieldLabel[field] + " below."
		}
		p.render(w, statusOf(err), "request", view{Title: "Request access", Nav: "request", Actor: actor, SignedIn: true,
			Error: banner, D: d})
	}
	if err != nil {
		if derr != nil {
			if d, derr = p.buildRequestData(r.Context(), actor, r.PostFormValue("q"), nil, f); derr != nil {
				return err
			}
		}
		refuse(err)
		return nil
	}
	if len(d.Chosen) == 1 {
		in.AccountIDs = []string{d.Chosen[0].ID}
		req, err := p.o.Service.Submit(r.Context(), actor, in)
		if err != nil {
			refuse(err)
			return nil
		}
		http.Redirect(w, r, "/requests/"+req.ID+"?msg=submitted", http.StatusSeeOther)
		return nil
	}
	var out submittedData
	var failed []string
	for _, c := range d.Chosen {
		one := in
		one.AccountIDs = []string{c.ID}
		res := submitted{Account: say.Account(c.Name, c.ID)}
		res.Request, err = p.o.Service.Submit(r.Context(), actor, one)
		if err != nil {
			res.Error = p.message(r, err)
			failed = append(failed, c.ID)
		}
		out.Results = append(out.Results, res)
	}
	if len(failed) > 0 {
		v := url.Values{"permission_set": {f.PermissionSet}}
		for _, id := range failed {
			v.Add("account", id)
		}
		out.Retry = "/request?" + v.Encode()
	}
	status, notice, errMsg := http.StatusOK, fmt.Sprintf("%d requests were submitted, one per account.", len(d.Chosen)), ""
	if len(failed) > 0 {
		notice = ""
		errMsg = fmt.Sprintf("%d of %d accounts were refused: see each below.", len(failed), len(d.Chosen))
		if len(failed) == len(d.Chosen) {
			status = http.StatusUnprocessableEntity
		}
	}
	p.render(w, status, "request_submitted", view{Title: "Requests submitted", Nav: "request", Actor: actor, SignedIn: true,
		Notice: notice, Error: errMsg, D: out})
	return nil
}

// checkAll refuses the form, before anything is submitted, when the
// permission set may not be asked for on one of the chosen accounts, the
// duration is longer than one allows, or one requires a ticket and none is
// given: a form either goes through for every account or is corrected first.
func checkAll(d requestData, set string, in workflow.SubmitInput) error {
	i := slices.IndexFunc(d.Sets, func(s setView) bool { return s.Name == set })
	if i < 0 {
		return access.Errorf(access.CodeNotEligible, "Permission set %s may not be requested on any of the chosen accounts: choose one of those listed.", set)
	}
	var errs []string
	for _, a := range d.Sets[i].PerAccount {
		switch {
		case !a.Eligible:
			errs = append(errs, fmt.Sprintf("%s may not be requested on %s (remove the account, or choose another permission set)", set, a.Account))
		case a.MaxDuration > 0 && in.Duration > a.MaxDuration:
			errs = append(errs, fmt.Sprintf("%s on %s lasts at most %s", set, a.Account, say.Duration(a.MaxDuration)))
		case a.Ticket && in.Ticket == "":
			errs = append(errs, fmt.Sprintf("%s on %s requires a ticket", set, a.Account))
		}
	}
	if len(errs) > 0 {
		return access.Errorf(access.CodeInvalid, "Nothing was submitted: %s.", strings.Join(errs, "; "))
	}
	return nil
}

// requestFieldLabel names the request form's fields as the form labels them.
var requestFieldLabel = map[string]string{"account": "the account", "permission_set": "Permission set", "duration": "Duration",
	"justification": "Justification", "ticket": "Ticket", "start_at": "Start"}

// F describes the request form's field name for the template.
func (d requestData) F(name string) fieldView {
	return fieldView{ID: name, ErrID: "err-" + name, Err: d.Errors[name]}
}
