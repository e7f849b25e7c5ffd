package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// likePattern returns the LIKE pattern (with \ as the escape character)
// that matches s anywhere in a text, s folded to lower case by the caller's
// SQL.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// PageRequests returns a page of the requests matching q: in q.Order by
// creation time, then by id in the same direction, a request without a
// creation time last in both orders, starting after q.After (keyset
// pagination, so a request created between two pages never shifts the
// next one), with their grants, approvals and approvers.
func (t *Tx) PageRequests(ctx context.Context, q access.RequestQuery) ([]*access.Request, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	contains := func(col, p string) string {
		return `lower(` + col + `) LIKE ` + t.d.Lower(p) + ` ESCAPE '\'`
	}
	if len(q.Statuses) > 0 {
		ss := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			ss[i] = string(s)
		}
		where = append(where, t.d.InList("status", arg(t.list(ss))))
	}
	if q.RequesterID != "" {
		where = append(where, `requester_id = `+arg(q.RequesterID))
	}
	if q.ApproverID != "" {
		where = append(where, `id IN (SELECT request_id FROM request_approvers WHERE user_id = `+arg(q.ApproverID)+`)`)
	}
	if q.InvolvingUserID != "" {
		p := arg(q.InvolvingUserID)
		where = append(where, `(requester_id = `+p+` OR id IN (SELECT request_id FROM request_approvers WHERE user_id = `+p+`))`)
	}
	if q.Requester != "" {
		id, p := arg(q.Requester), arg(likePattern(q.Requester))
		where = append(where, `(requester_id = `+id+` OR `+contains("requester_name", p)+`)`)
	}
	if len(q.AccountIDs) > 0 {
		where = append(where, `id IN (SELECT request_id FROM grants WHERE `+t.d.InList("account_id", arg(t.list(q.AccountIDs)))+`)`)
	}
	if q.PermissionSet != "" {
		arn, p := arg(q.PermissionSet), arg(likePattern(q.PermissionSet))
		where = append(where, `(permission_set_arn = `+arn+` OR `+contains("permission_set_name", p)+`)`)
	}
	if q.Search != "" {
		p := arg(likePattern(q.Search))
		var or []string
		for _, col := range []string{"id", "requester_id", "requester_name", "permission_set_name", "justification", "ticket"} {
			or = append(or, contains(col, p))
		}
		or = append(or, `id IN (SELECT request_id FROM grants WHERE account_id LIKE `+p+` ESCAPE '\')`)
		where = append(where, `(`+strings.Join(or, ` OR `)+`)`)
	}
	if !q.CreatedFrom.IsZero() {
		where = append(where, `created_at >= `+arg(t.ts(q.CreatedFrom)))
	}
	if !q.CreatedBefore.IsZero() {
		where = append(where, `created_at < `+arg(t.ts(q.CreatedBefore)))
	}

	dir, cmp, nulls := "DESC", "<", "NULLS LAST"
	if q.Order == access.OldestFirst {
		// Both engines' indexes on (created_at DESC, id DESC), read
		// backwards, give ASC with NULLs first; they are filtered out here.
		dir, cmp, nulls = "ASC", ">", "NULLS FIRST"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	// One more than the largest page, so a caller can tell whether a full
	// page has another after it.
	limit = min(limit, maxListLimit+1)

	// Requests with a creation time first, then those without one (by id),
	// each read as a range of an index: one OR across both would make the
	// engines scan from the start of the list for every page.
	var rs []*access.Request
	// read runs the query of one part: the filters, then cond, which adds
	// its own parameters through its argument.
	read := func(phase string, cond func(arg func(any) string) string, order string, n int) error {
		a := slices.Clone(args)
		parg := func(v any) string {
			a = append(a, v)
			return "$" + strconv.Itoa(len(a))
		}
		ws := append(slices.Clone(where), cond(parg))
		query := `SELECT ` + requestColumns + ` FROM requests WHERE ` + strings.Join(ws, ` AND `) +
			` ORDER BY ` + order + ` LIMIT ` + parg(n)
		got, err := collect(ctx, t, scanRequest, query, a...)
		if err != nil {
			return fmt.Errorf("%s: %w", phase, err)
		}
		rs = append(rs, got...)
		return nil
	}
	after := q.After
	if after == nil || !after.CreatedAt.IsZero() {
		dated := func(arg func(any) string) string {
			if after == nil {
				return `created_at IS NOT NULL`
			}
			return `created_at IS NOT NULL AND (created_at, id) ` + cmp + ` (` + arg(t.ts(after.CreatedAt)) + `, ` + arg(after.ID) + `)`
		}
		if err := read("dated", dated, `created_at `+dir+` `+nulls+`, id `+dir, limit); err != nil {
			return nil, t.wrap("page requests", err)
		}
	}
	if len(rs) < limit {
		undated := func(arg func(any) string) string {
			if after != nil && after.CreatedAt.IsZero() {
				return `created_at IS NULL AND id ` + cmp + ` ` + arg(after.ID)
			}
			return `created_at IS NULL`
		}
		if err := read("undated", undated, `id `+dir, limit-len(rs)); err != nil {
			return nil, t.wrap("page requests", err)
		}
	}
	if err := t.loadChildren(ctx, rs); err != nil {
		return nil, t.wrap("page requests", err)
	}
	return rs, nil
}
