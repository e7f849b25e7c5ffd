package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// ActivitySource fetches the CloudTrail events of one grant's session.
// internal/aws's LakeSource (CloudTrail Lake) and LogsSource (CloudWatch
// Logs Insights) satisfy it. An error is transient: the caller retries.
type ActivitySource interface {
	FetchActivity(ctx context.Context, q access.ActivityQuery) ([]access.ActivityEvent, error)
}

// ActivityQueryFor is the activity query of one grant: the requester's
// session (user name and, when different, email as the role session name;
// the identity store user id for onBehalfOf) in the grant's account with
// the request's permission set, from the grant's activation to its end plus
// the permission set's session duration, because sessions opened before
// the assignment was removed stay valid that long. For a grant still
// active, the window ends at now.
func ActivityQueryFor(r access.Request, g access.Grant, ps access.PermissionSet, u access.User, now time.Time) (access.ActivityQuery, error) {
	start := g.ActivatedAt
	if start.IsZero() {
		start = r.ActivatedAt
	}
	if start.IsZero() {
		return access.ActivityQuery{}, errors.New("activity query: the grant was never active")
	}
	end := g.RevokedAt
	if end.IsZero() {
		end = r.EndsAt
	}
	if end.IsZero() || end.After(now) {
		end = now
	} else {
		end = end.Add(ps.SessionDuration)
		if end.After(now) {
			end = now
		}
	}
	if end.Before(start) {
		return access.ActivityQuery{}, fmt.Errorf("activity query: window end %s is before its start %s", end, start)
	}
	names := []string{u.UserName}
	if u.Email != "" && u.Email != u.UserName {
		names = append(names, u.Email)
	}
	return access.ActivityQuery{
		AccountID: g.AccountID, PermissionSetName: r.PermissionSetName,
		SessionNames: names, UserID: u.ID, Start: start, End: end,
	}, nil
}
