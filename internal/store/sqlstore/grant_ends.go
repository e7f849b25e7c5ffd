package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// ActiveGrantEnds returns the active grants of active requests not ended
// early whose scheduled end is within [from, to], with their ends.
func (t *Tx) ActiveGrantEnds(ctx context.Context, from, to time.Time) ([]access.GrantEnd, error) {
	out, err := collect(ctx, t, func(row Row) (g access.GrantEnd, err error) {
		var ends dbTime
		err = row.Scan(&g.GrantID, &ends)
		g.EndsAt = timeOf(ends)
		return g, err
	}, `SELECT g.id, r.ends_at FROM requests r JOIN grants g ON g.request_id = r.id
		WHERE r.status = 'active' AND r.end_requested_at IS NULL AND r.ends_at >= $1 AND r.ends_at <= $2 AND g.status = 'active'
		ORDER BY r.ends_at, g.id`, t.ts(from), t.ts(to))
	if err != nil {
		return nil, t.wrap("active grant ends", err)
	}
	return out, nil
}
