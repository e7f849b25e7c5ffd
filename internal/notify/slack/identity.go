package slack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// emailTTL is how long the email of a Slack user is remembered, so that
// typing into the account select does not call users.info per keystroke.
const emailTTL = 5 * time.Minute

// errSlackLookup is a failed users.info call: the user is told to retry.
var errSlackLookup = errors.New("slack: users.info failed")

// emails remembers the confirmed email of Slack users for emailTTL.
type emails struct {
	mu sync.Mutex
	m  map[string]cachedEmail
}

type cachedEmail struct {
	email string
	until time.Time
}

// slackEmail returns the confirmed email of the Slack user: users.info, as
// for decisions. A user whose email Slack has not confirmed, a bot, or a
// deactivated user is refused: the email is what maps them to a directory
// user, so it must be one Slack vouches for.
func (h *Interactions) slackEmail(ctx context.Context, slackUserID string) (string, error) {
	now := h.now()
	h.emails.mu.Lock()
	if c, ok := h.emails.m[slackUserID]; ok && now.Before(c.until) {
		h.emails.mu.Unlock()
		return c.email, nil
	}
	h.emails.mu.Unlock()
	u, err := h.client.api.GetUserInfoContext(ctx, slackUserID)
	if err != nil {
		h.log.ErrorContext(ctx, "slack: users.info", "slack_user", slackUserID, "error", err.Error())
		return "", errSlackLookup
	}
	switch {
	case u.Deleted || u.IsBot:
		return "", access.Errorf(access.CodeUnauthenticated, "this Slack account may not use elevate")
	case !u.IsEmailConfirmed:
		return "", access.Errorf(access.CodeUnauthenticated, "your Slack email address is not confirmed: confirm it in Slack, or use the portal")
	}
	h.emails.mu.Lock()
	if h.emails.m == nil {
		h.emails.m = map[string]cachedEmail{}
	}
	if len(h.emails.m) > 10000 { // bounded: forget everyone rather than grow without end
		clear(h.emails.m)
	}
	h.emails.m[slackUserID] = cachedEmail{email: u.Profile.Email, until: now.Add(emailTTL)}
	h.emails.mu.Unlock()
	return u.Profile.Email, nil
}

// actorOf maps a Slack user to the directory user with the same (confirmed)
// email, with their groups and roles as the directory has them now.
func (h *Interactions) actorOf(ctx context.Context, slackUserID string) (access.Actor, error) {
	email, err := h.slackEmail(ctx, slackUserID)
	if err != nil {
		return access.Actor{}, err
	}
	return h.wf.ActorByEmail(ctx, email, access.ViaSlack)
}
