package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// grantWindow selects the grants of an insight window: activated, and
// revoked at or after since ($1) or not yet; of one requester ($2) unless
// it is empty.
const grantWindow = `g.activated_at IS NOT NULL AND (g.revoked_at IS NULL OR g.revoked_at >= $1) AND ($2 = '' OR r.requester_id = $2)`

// ListGrantUsage returns the grants active at some time at or after since,
// with their activity summed up by call.
func (t *Tx) ListGrantUsage(ctx context.Context, since time.Time, requesterID string) ([]access.GrantUsage, error) {
	op := "list grant usage since " + since.UTC().Format(time.RFC3339)
	out, err := collect(ctx, t, func(row Row) (g access.GrantUsage, err error) {
		var activated, revoked dbTime
		var status string
		err = row.Scan(&g.GrantID, &g.RequestID, &g.RequesterID, &g.RequesterName, &g.AccountID, &g.PermissionSetARN, &g.PermissionSetName,
			&status, &activated, &revoked, &g.ActivityStatus)
		g.Status, g.ActivatedAt, g.RevokedAt = access.GrantStatus(status), timeOf(activated), timeOf(revoked)
		return g, err
	}, `SELECT g.id, g.request_id, r.requester_id, r.requester_name, g.account_id, r.permission_set_arn, r.permission_set_name,
		g.status, g.activated_at, g.revoked_at, COALESCE(ga.status, '')
		FROM grants g JOIN requests r ON r.id = g.request_id LEFT JOIN grant_activity ga ON ga.grant_id = g.id
		WHERE `+grantWindow+`
		ORDER BY g.activated_at, g.id`, t.ts(since), requesterID)
	if err != nil {
		return nil, t.wrap(op, err)
	}
	idx := make(map[string]int, len(out))
	for i, g := range out {
		idx[g.GrantID] = i
	}
	type callRow struct {
		grantID string
		c       access.CallCount
	}
	rows, err := collect(ctx, t, func(row Row) (cr callRow, err error) {
		var last dbTime
		err = row.Scan(&cr.grantID, &cr.c.Source, &cr.c.Name, &cr.c.ErrorCode, &cr.c.Count, &last)
		cr.c.Last = timeOf(last)
		return cr, err
	}, `SELECT e.grant_id, e.source, e.name, e.error_code, count(*), max(e.at)
		FROM activity_events e JOIN grants g ON g.id = e.grant_id JOIN requests r ON r.id = g.request_id
		WHERE `+grantWindow+`
		GROUP BY e.grant_id, e.source, e.name, e.error_code
		ORDER BY e.grant_id, e.source, e.name, e.error_code`, t.ts(since), requesterID)
	if err != nil {
		return nil, t.wrap(op+": calls", err)
	}
	for _, cr := range rows {
		if i, ok := idx[cr.grantID]; ok {
			out[i].Calls = append(out[i].Calls, cr.c)
		}
	}
	return out, nil
}

// ListRequestedPairs counts the requests created at or after since by
// (requester, account, permission set).
func (t *Tx) ListRequestedPairs(ctx context.Context, since time.Time, requesterID string) ([]access.RequestedPair, error) {
	out, err := collect(ctx, t, func(row Row) (p access.RequestedPair, err error) {
		var last dbTime
		err = row.Scan(&p.RequesterID, &p.AccountID, &p.PermissionSetARN, &p.Requests, &last)
		p.Last = timeOf(last)
		return p, err
	}, `SELECT r.requester_id, g.account_id, r.permission_set_arn, count(*), max(r.created_at)
		FROM requests r JOIN grants g ON g.request_id = r.id
		WHERE r.created_at >= $1 AND ($2 = '' OR r.requester_id = $2)
		GROUP BY r.requester_id, g.account_id, r.permission_set_arn
		ORDER BY r.requester_id, g.account_id, r.permission_set_arn`, t.ts(since), requesterID)
	if err != nil {
		return nil, t.wrap("list requested pairs since "+since.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}
