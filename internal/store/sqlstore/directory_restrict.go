package sqlstore

import (
	"context"
	"time"
)

// RestrictUser applies to the stored directory what a targeted re-read of
// one user found, in the one direction that takes access away: the user is
// marked inactive when inactive (a user that is gone too), and loses the
// memberships that are not in groupIDs. Nothing is added: new users and
// memberships wait for the next full sync. When anything changed, the
// directory's sync time moves to at, so that every replica rebuilds its
// policy index. It reports whether anything changed.
func (t *Tx) RestrictUser(ctx context.Context, userID string, active bool, groupIDs []string, at time.Time) (bool, error) {
	const op = "restrict user"
	if err := t.lockDirectory(ctx); err != nil {
		return false, t.wrap(op, err)
	}
	var changed int64
	if !active {
		n, err := t.c.Exec(ctx, `UPDATE users SET active = false WHERE id = $1 AND active`, userID)
		if err != nil {
			return false, t.wrap(op+": deactivate", err)
		}
		changed += n
	}
	if groupIDs == nil {
		groupIDs = []string{}
	}
	n, err := t.c.Exec(ctx, `DELETE FROM memberships WHERE user_id = $1 AND NOT (`+t.d.InList("group_id", "$2")+`)`,
		userID, t.list(groupIDs))
	if err != nil {
		return false, t.wrap(op+": memberships", err)
	}
	changed += n
	if changed == 0 {
		return false, nil
	}
	if _, err := t.c.Exec(ctx, `UPDATE directory_sync SET synced_at = $1 WHERE id = 1`, t.ts(at)); err != nil {
		return false, t.wrap(op+": record the change", err)
	}
	return true, nil
}
