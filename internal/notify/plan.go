package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// audience is who hears about an event.
type audience struct {
	users   []string // directory user ids told personally (DM, email, log)
	updates []string // approvers whose Slack message is updated in place
	all     bool     // break-glass: every personal channel, for everyone
}

// Plan decides the notifications of evs and records them in tx (pending);
// the workflow schedules their delivery jobs in the same transaction. It
// satisfies workflow.Notifier.
func (s *Service) Plan(ctx context.Context, tx store.Tx, evs []access.Event) ([]access.Notification, error) {
	var out []access.Notification
	for _, ev := range evs {
		ns, err := s.planEvent(ctx, tx, ev)
		if err != nil {
			return nil, fmt.Errorf("notify: plan %s: %w", ev.Type, err)
		}
		out = append(out, ns...)
	}
	return out, nil
}

func isBreakGlass(ev access.Event) bool {
	return ev.Type == EventBreakGlass || ev.Details["break_glass"] == "true"
}

// alertsBreakGlass reports whether ev is the break-glass alert itself. The
// request's other events that carry break_glass=true (its submission) are
// routed like any other, so nobody is alerted twice.
func alertsBreakGlass(ev access.Event) bool { return ev.Type == EventBreakGlass }

func (s *Service) planEvent(ctx context.Context, tx store.Tx, ev access.Event) ([]access.Notification, error) {
	if ev.RequestID == "" {
		return nil, nil
	}
	r, err := tx.FindRequestByID(ctx, ev.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find request: %w", err)
	}
	aud, err := s.audienceOf(ctx, tx, ev, r)
	if err != nil {
		return nil, err
	}
	p := planner{s: s, tx: tx, ctx: ctx, ev: ev, r: r}
	subject := Subject(ev, *r)
	for _, uid := range aud.users {
		if uid == ev.Actor.UserID && !aud.all {
			continue // nobody is told what they did themselves
		}
		p.personal(uid, ev, subject, ev.At)
	}
	for _, uid := range aud.updates {
		if s.d.Slack != nil {
			p.add(ChannelSlackUpdate, uid, ev, subject, ev.At)
		}
	}
	if s.d.Webhook != nil {
		p.add(ChannelWebhook, "", ev, subject, ev.At)
	}
	if s.d.Slack != nil && s.d.Slack.HasAuditChannel() {
		p.add(ChannelSlackAudit, "", ev, subject, ev.At)
	}
	// The warning before the end, at EndsAt − WarnBefore.
	if (ev.Type == access.EventActivated || ev.Type == access.EventExtended) && s.cfg.WarnBefore > 0 && !r.EndsAt.IsZero() {
		warnAt := r.EndsAt.Add(-s.cfg.WarnBefore)
		if warnAt.After(ev.At) {
			w := access.Event{Type: EventEndingSoon, RequestID: r.ID, Actor: access.SystemActor, At: warnAt,
				Details: map[string]string{"ends_at": r.EndsAt.UTC().Format(time.RFC3339Nano)}}
			ws := Subject(w, *r)
			p.personal(r.RequesterID, w, ws, warnAt)
			if s.d.Webhook != nil {
				p.add(ChannelWebhook, "", w, ws, warnAt)
			}
		}
	}
	return p.out, p.err
}

// audienceOf says who receives the notification of an event.
func (s *Service) audienceOf(ctx context.Context, tx store.Tx, ev access.Event, r *access.Request) (audience, error) {
	var a audience
	if alertsBreakGlass(ev) {
		// The requester, the reviewers (the request's approvers), the
		// admins and the auditors, on every channel.
		admins, err := s.admins(ctx, tx)
		if err != nil {
			return a, err
		}
		auditors, err := s.groupMembers(ctx, tx, s.cfg.AuditorsGroup)
		if err != nil {
			return a, err
		}
		a.users = dedupe(append(append(append([]string{r.RequesterID}, r.Approvers...), admins...), auditors...))
		a.all = true
		return a, nil
	}
	if ev.Type == EventBreakGlassReviewed {
		a.users = []string{r.RequesterID}
		return a, nil
	}
	switch ev.Type {
	case access.EventSubmitted, access.EventExtensionRequested:
		if r.Status == access.StatusPending || ev.Type == access.EventExtensionRequested {
			a.users = slices.Clone(r.Approvers)
		}
	case access.EventApproved, access.EventRejected, access.EventCancelled, access.EventExpired,
		access.EventExtensionApproved, access.EventExtensionRejected:
		a.users = []string{r.RequesterID}
		a.updates = slices.Clone(r.Approvers)
	case access.EventActivated, access.EventExtended, access.EventEnded, access.EventRevoked:
		a.users = []string{r.RequesterID}
	case access.EventFailed, access.EventRevocationFailing, access.EventDriftMissing:
		admins, err := s.admins(ctx, tx)
		if err != nil {
			return a, err
		}
		a.users = dedupe(append([]string{r.RequesterID}, admins...))
	}
	return a, nil
}

func (s *Service) admins(ctx context.Context, tx store.Tx) ([]string, error) {
	return s.groupMembers(ctx, tx, s.cfg.AdminsGroup)
}

// groupMembers returns the active members of the named group (none when
// the group does not exist).
func (s *Service) groupMembers(ctx context.Context, tx store.Tx, name string) ([]string, error) {
	g, err := tx.FindGroupByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find group %s: %w", name, err)
	}
	ids, err := tx.UserIDsInGroups(ctx, []string{g.ID})
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", name, err)
	}
	return ids, nil
}

func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// planner accumulates the notifications of one event.
type planner struct {
	s   *Service
	tx  store.Tx
	ctx context.Context
	ev  access.Event
	r   *access.Request
	out []access.Notification
	err error
}

// personal plans the personal channels (Slack DM, email, log) for a user.
func (p *planner) personal(uid string, ev access.Event, subject string, at time.Time) {
	if p.s.d.Slack != nil {
		p.add(ChannelSlack, uid, ev, subject, at)
	}
	if p.s.d.Email != nil {
		p.add(ChannelEmail, uid, ev, subject, at)
	}
	if p.s.cfg.Log {
		p.add(ChannelLog, uid, ev, subject, at)
	}
}

func (p *planner) add(channel, uid string, ev access.Event, subject string, at time.Time) {
	if p.err != nil {
		return
	}
	n := access.Notification{ID: newID(), RequestID: p.r.ID, EventType: string(ev.Type), Event: encodeEvent(ev),
		Channel: channel, RecipientID: uid, Subject: subject, Status: access.NotificationPending,
		NotBefore: at.UTC().Truncate(time.Microsecond), CreatedAt: p.ev.At.UTC().Truncate(time.Microsecond)}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = p.s.d.Now().UTC().Truncate(time.Microsecond)
	}
	if !at.After(p.ev.At) {
		n.NotBefore = time.Time{} // now
	}
	if uid != "" {
		u, err := p.tx.FindUserByID(p.ctx, uid)
		switch {
		case err == nil:
			n.RecipientName = u.UserName
		case errors.Is(err, store.ErrNotFound):
			n.RecipientName = uid
		default:
			p.err = fmt.Errorf("find user %s: %w", uid, err)
			return
		}
	}
	if err := p.tx.InsertNotification(p.ctx, n); err != nil {
		p.err = err
		return
	}
	p.out = append(p.out, n)
}
