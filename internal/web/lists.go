package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// listPage is how many requests a portal list shows per page.
const listPage = 50

// listFilter is a list page's search, filters and sort, as the form sends
// them (and the next page's link keeps them).
type listFilter struct {
	Q, Status, Requester, Account, PermissionSet, Since, Until, Sort string
}

// filterView is what the "filters" template needs.
type filterView struct {
	Action string // the page's path
	F      listFilter
	// Statuses are offered in the status filter; none: no status filter.
	Statuses []access.Status
	// Requester shows the requester filter (not on My requests).
	Requester bool
	// Next is the link to the next page, filters kept; empty on the last.
	Next string
}

// parseListFilter reads a list page's query into the filter it shows and
// the workflow's input; the cursor is taken as given.
func parseListFilter(r *http.Request) (listFilter, workflow.ListInput, error) {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := listFilter{Q: get("q"), Status: get("status"), Requester: get("requester"), Account: get("account"),
		PermissionSet: get("permission_set"), Since: get("since"), Until: get("until"), Sort: get("sort")}
	in := workflow.ListInput{Search: f.Q, Requester: f.Requester, PermissionSet: f.PermissionSet,
		Order: access.RequestOrder(f.Sort), Cursor: get("cursor"), Limit: listPage}
	if f.Status != "" {
		in.Statuses = []access.Status{access.Status(f.Status)}
	}
	if f.Account != "" {
		in.Accounts = []string{f.Account}
	}
	var err error
	if in.Since, err = workflow.ParseListTime("From", f.Since, false); err != nil {
		return f, in, err
	}
	if in.Until, err = workflow.ParseListTime("To", f.Until, true); err != nil {
		return f, in, err
	}
	return f, in, nil
}

// query returns the filter as a URL query (empty values left out), with
// the cursor when it is set.
func (f listFilter) query(cursor string) string {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Q, "status": f.Status, "requester": f.Requester, "account": f.Account,
		"permission_set": f.PermissionSet, "since": f.Since, "until": f.Until, "sort": f.Sort, "cursor": cursor} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

// nextLink is the link to the page after the one that returned next, with
// the filters kept; empty when there is none.
func (f listFilter) nextLink(path, next string) string {
	if next == "" {
		return ""
	}
	return path + "?" + f.query(next)
}
