package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// LastRemoval returns when elevate last had AWS delete the assignment: the
// latest revoked_at of its revoked grants with a deletion request id
// (zero when there is none).
func (t *Tx) LastRemoval(ctx context.Context, a access.Assignment) (time.Time, error) {
	var at dbTime
	err := t.c.QueryRow(ctx, `SELECT max(g.revoked_at) FROM grants g JOIN requests r ON r.id = g.request_id
		WHERE g.account_id = $1 AND r.permission_set_arn = $2 AND r.requester_id = $3
		AND g.status = 'revoked' AND g.delete_request_id <> ''`, a.AccountID, a.PermissionSetARN, a.UserID).Scan(&at)
	if err != nil {
		return time.Time{}, t.wrap("last removal", err)
	}
	return timeOf(at), nil
}
