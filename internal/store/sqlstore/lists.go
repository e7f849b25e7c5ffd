package sqlstore

import (
	"context"
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

	dir, cmp := "DESC", "<"
	if q.Order == access.OldestFirst {
		dir, cmp = "ASC", ">"
	}
	if a := q.After; a != nil {
		id := arg(a.ID)
		if a.CreatedAt.IsZero() {
			// Past every dated request: only undated ones remain, by id.
			where = append(where, `(created_at IS NULL AND id `+cmp+` `+id+`)`)
		} else {
			c := arg(t.ts(a.CreatedAt))
			where = append(where, `((created_at, id) `+cmp+` (`+c+`, `+id+`) OR created_at IS NULL)`)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	// One more than the largest page, so a caller can tell whether a full
	// page has another after it.
	limit = min(limit, maxListLimit+1)

	query := `SELECT ` + requestColumns + ` FROM requests`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY created_at ` + dir + ` NULLS LAST, id ` + dir + ` LIMIT ` + arg(limit)

	var rs []*access.Request
	err := t.each(ctx, func(rows Rows) error {
		r, err := scanRequest(rows)
		if err != nil {
			return err
		}
		rs = append(rs, r)
		return nil
	}, query, args...)
	if err != nil {
		return nil, t.wrap("page requests", err)
	}
	if err := t.loadChildren(ctx, rs); err != nil {
		return nil, t.wrap("page requests", err)
	}
	return rs, nil
}
