package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Directory kinds Search looks in: what a policy names.
const (
	KindUsers          = "users"
	KindGroups         = "groups"
	KindAccounts       = "accounts"
	KindOUs            = "ous"
	KindPermissionSets = "permission_sets"
)

// SearchKinds lists the kinds Search accepts.
var SearchKinds = []string{KindUsers, KindGroups, KindAccounts, KindOUs, KindPermissionSets}

// Entry is one match of a directory search: Value is what a policy document
// writes for it (the name, or "*"), Label what a person reads.
type Entry struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	ID     string `json:"id"`
	Label  string `json:"label"`
	Detail string `json:"detail,omitempty"`
}

// Search finds up to limit entries of a kind whose name, id, email, display
// name or description contains q (case-insensitive), names that start with
// q first, then by name; it also returns how many matched in all. An empty
// q matches everything. For accounts and permission sets the wildcard "*"
// comes first when q is empty, "*" or a prefix of "all".
func (x *Index) Search(kind, q string, limit int) ([]Entry, int, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	type hit struct {
		e      Entry
		prefix bool
	}
	var hits []hit
	add := func(e Entry, fields ...string) {
		match, prefix := q == "", q == ""
		for _, f := range fields {
			f = strings.ToLower(f)
			if strings.HasPrefix(f, q) {
				match, prefix = true, true
				break
			}
			if strings.Contains(f, q) {
				match = true
			}
		}
		if match {
			hits = append(hits, hit{e, prefix})
		}
	}
	wildcard := q == "" || q == "*" || strings.HasPrefix("all", q)
	switch kind {
	case KindUsers:
		for _, u := range x.users {
			detail := u.DisplayName
			if u.Email != "" {
				detail = strings.TrimSpace(detail + " <" + u.Email + ">")
			}
			if !u.Active {
				detail += " (disabled)"
			}
			add(Entry{Kind: kind, Value: u.UserName, ID: u.ID, Label: u.UserName, Detail: detail}, u.UserName, u.DisplayName, u.Email, u.ID)
		}
	case KindGroups:
		for g, gr := range x.groups {
			add(Entry{Kind: kind, Value: gr.Name, ID: gr.ID, Label: gr.Name, Detail: members(len(x.groupMembers[g]))}, gr.Name, gr.ID)
		}
	case KindAccounts:
		for a, acct := range x.accounts {
			value := acct.Name
			if len(x.accountByName[strings.ToLower(acct.Name)]) != 1 {
				value = acct.ID // a name several accounts share must be written as the id
			}
			detail := acct.ID + " · " + x.ouPath(int32(a)) //nolint:gosec // G115: an index of the directory, far below the type's range
			if acct.State != "" && acct.State != "ACTIVE" {
				detail += " · " + strings.ToLower(acct.State)
			}
			add(Entry{Kind: kind, Value: value, ID: acct.ID, Label: acct.Name, Detail: detail}, acct.Name, acct.ID)
		}
	case KindOUs:
		for o, ou := range x.ous {
			value := ou.Name
			if len(x.ouByName[strings.ToLower(ou.Name)]) != 1 {
				value = ou.ID
			}
			add(Entry{Kind: kind, Value: value, ID: ou.ID, Label: ou.Name, Detail: ou.ID + " · " + x.ouPathOf(int32(o))}, ou.Name, ou.ID) //nolint:gosec // G115: as above
		}
	case KindPermissionSets:
		for _, ps := range x.sets {
			label := ps.LimitedName()
			value := ps.Name
			if value == "" {
				value = ps.ARN
			}
			add(Entry{Kind: kind, Value: value, ID: ps.ARN, Label: label, Detail: ps.Description}, ps.Name, ps.ARN, ps.Description)
		}
	default:
		return nil, 0, fmt.Errorf("kind %q: use one of %s", kind, strings.Join(SearchKinds, ", "))
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.prefix != b.prefix {
			if a.prefix {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(strings.ToLower(a.e.Label), strings.ToLower(b.e.Label)), cmp.Compare(a.e.ID, b.e.ID))
	})
	var out []Entry
	if wildcard && (kind == KindAccounts || kind == KindPermissionSets) {
		detail := "every account in the organization"
		if kind == KindPermissionSets {
			detail = "every permission set"
		}
		out = append(out, Entry{Kind: kind, Value: All, ID: All, Label: "* (all)", Detail: detail})
	}
	total := len(hits) + len(out)
	for _, h := range hits {
		if len(out) >= limit {
			break
		}
		out = append(out, h.e)
	}
	return out, total, nil
}

func members(n int) string {
	if n == 1 {
		return "1 member"
	}
	return fmt.Sprintf("%d members", n)
}

// ouPathOf renders an OU's path from the root down ("Root/Workloads/Prod").
func (x *Index) ouPathOf(ou int32) string {
	var parts []string
	seen := map[int32]bool{}
	for cur, ok := ou, true; ok && !seen[cur]; cur, ok = x.ouByID[x.ous[cur].ParentID] {
		seen[cur] = true
		parts = append(parts, x.ous[cur].Name)
	}
	slices.Reverse(parts)
	return strings.Join(parts, "/")
}
