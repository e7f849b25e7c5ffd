package notify

import (
	"slices"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Channels says which channels are configured, for planning.
type Channels struct {
	Slack      bool // Slack DMs and their updates in place
	SlackAudit bool // the Slack audit channel
	Email      bool
	Webhook    bool
	// Teams are the configured Teams channels (names) that notify_channels
	// may name; TeamsAll those that hear about every request.
	Teams    []string
	TeamsAll []string
}

// Planner decides the notifications of events: the audience rules and the
// channels that are on. It is pure; the caller reads the directory facts it
// asks for (Groups, Recipients) and records what Plan returns.
type Planner struct {
	Config   Config // with its defaults (Config.WithDefaults)
	Channels Channels
}

// Facts are what the plan of one event needs from the directory, read in
// the event's transaction.
type Facts struct {
	// Members are the active members of the groups Groups names, by group
	// name (a group that does not exist has none).
	Members map[string][]string
	// Users are the recipients Recipients names, by id; one missing here is
	// no longer in the directory and is named by its id.
	Users map[string]access.User
	// Accounts are the request's account names by id, for the subject.
	Accounts map[string]string
	// Rule is the request's rule's reminder and notify lists.
	Rule RuleSettings
}

// audience is who hears about an event.
type audience struct {
	users   []string // directory user ids told personally (DM, email, log)
	updates []string // approvers whose Slack message is updated in place
	all     bool     // break-glass: every personal channel, for everyone
}

func isBreakGlass(ev access.Event) bool {
	return ev.Type == EventBreakGlass || ev.Details["break_glass"] == "true"
}

// alertsBreakGlass reports whether ev is the break-glass alert itself. The
// request's other events that carry break_glass=true (its submission) are
// routed like any other, so nobody is alerted twice.
func alertsBreakGlass(ev access.Event) bool { return ev.Type == EventBreakGlass }

// Groups names the groups whose members hear about ev: the admins of a
// failure, the admins and the auditors of a break-glass alert.
func (p Planner) Groups(ev access.Event) []string {
	switch {
	case ev.RequestID == "":
		return nil
	case alertsBreakGlass(ev):
		return []string{p.Config.AdminsGroup, p.Config.AuditorsGroup}
	case ev.Type == access.EventFailed || ev.Type == access.EventRevocationFailing || ev.Type == access.EventDriftMissing:
		return []string{p.Config.AdminsGroup}
	}
	return nil
}

// Recipients are the directory users the notifications of ev about r are
// addressed to, given the members of its Groups; Plan names them from
// Facts.Users.
func (p Planner) Recipients(ev access.Event, r access.Request, f Facts) []string {
	var ids []string
	for _, e := range p.entries(ev, r, f) {
		ids = append(ids, e.uid)
	}
	return dedupe(ids)
}

// Plan returns the notifications of ev about r, pending, for the caller to
// record in the event's transaction and schedule; now stands in for the
// time of an event that has none.
func (p Planner) Plan(ev access.Event, r access.Request, f Facts, now time.Time) []access.Notification {
	es := p.entries(ev, r, f)
	out := make([]access.Notification, 0, len(es))
	for _, e := range es {
		n := access.Notification{ID: newID(), RequestID: r.ID, EventType: string(e.ev.Type), Event: EncodeEvent(e.ev),
			Channel: e.channel, RecipientID: e.uid, Subject: e.subject, Status: access.NotificationPending,
			NotBefore: e.at.UTC().Truncate(time.Microsecond), CreatedAt: ev.At.UTC().Truncate(time.Microsecond)}
		if n.CreatedAt.IsZero() {
			n.CreatedAt = now.UTC().Truncate(time.Microsecond)
		}
		if !e.at.After(ev.At) {
			n.NotBefore = time.Time{} // now
		}
		if e.uid == "" {
			n.RecipientName = e.name // a list channel's name, or none
		}
		if e.uid != "" {
			n.RecipientName = e.uid // no longer in the directory
			if u, ok := f.Users[e.uid]; ok {
				n.RecipientName = u.UserName
			}
		}
		out = append(out, n)
	}
	return out
}

// entry is one notification a plan decides on: a channel, a recipient (""
// for the webhook and the audit channel), the event it tells, and when.
type entry struct {
	channel, uid string
	name         string // a list channel's id or name
	ev           access.Event
	subject      string
	at           time.Time
}

// entries decides the notifications of ev about r, in the order they are
// recorded.
func (p Planner) entries(ev access.Event, r access.Request, f Facts) []entry {
	if ev.RequestID == "" {
		return nil
	}
	var out []entry
	add := func(channel, uid string, ev access.Event, subject string, at time.Time) {
		out = append(out, entry{channel: channel, uid: uid, ev: ev, subject: subject, at: at})
	}
	// personal plans the personal channels (Slack DM, email, log) for a user.
	personal := func(uid string, ev access.Event, subject string, at time.Time) {
		if p.Channels.Slack {
			add(ChannelSlack, uid, ev, subject, at)
		}
		if p.Channels.Email {
			add(ChannelEmail, uid, ev, subject, at)
		}
		if p.Config.Log {
			add(ChannelLog, uid, ev, subject, at)
		}
	}
	aud := p.audienceOf(ev, r, f)
	voice := Voice{Accounts: f.Accounts}
	subject := voice.Subject(ev, r)
	for _, uid := range aud.users {
		if uid == ev.Actor.UserID && !aud.all {
			continue // nobody is told what they did themselves
		}
		personal(uid, ev, subject, ev.At)
	}
	for _, uid := range aud.updates {
		if p.Channels.Slack {
			add(ChannelSlackUpdate, uid, ev, subject, ev.At)
		}
	}
	if p.Channels.Webhook {
		add(ChannelWebhook, "", ev, subject, ev.At)
	}
	if p.Channels.SlackAudit {
		add(ChannelSlackAudit, "", ev, subject, ev.At)
	}
	// The notify lists: their groups' members and channels.
	for _, uid := range p.watchers(ev, r, f) {
		if uid != ev.Actor.UserID {
			personal(uid, ev, subject, ev.At)
		}
	}
	p.listChannels(ev, f.Rule, func(channel, name string) {
		out = append(out, entry{channel: channel, name: name, ev: ev, subject: subject, at: ev.At})
	})
	// The reminder before the end, at EndsAt − remind_before, with the
	// rule's extension step for its extend button. A later extension plans
	// a new one; delivery skips one whose request no longer ends then.
	before := p.remindBefore(f.Rule)
	if (ev.Type == access.EventActivated || ev.Type == access.EventExtended) && before > 0 && !r.EndsAt.IsZero() {
		warnAt := r.EndsAt.Add(-before)
		if warnAt.After(ev.At) {
			step := f.Rule.ExtendStep
			if step <= 0 {
				step = time.Hour
			}
			w := access.Event{Type: EventEndingSoon, RequestID: r.ID, Actor: access.SystemActor, At: warnAt,
				Details: map[string]string{"ends_at": r.EndsAt.UTC().Format(time.RFC3339Nano), DetailExtendStep: step.String()}}
			ws := voice.Subject(w, r)
			personal(r.RequesterID, w, ws, warnAt)
			if p.Channels.Webhook {
				add(ChannelWebhook, "", w, ws, warnAt)
			}
			p.listChannels(w, f.Rule, func(channel, name string) {
				out = append(out, entry{channel: channel, name: name, ev: w, subject: ws, at: warnAt})
			})
		}
	}
	return out
}

// audienceOf says who receives the notification of an event.
func (p Planner) audienceOf(ev access.Event, r access.Request, f Facts) audience {
	var a audience
	if alertsBreakGlass(ev) {
		// The requester, the reviewers (the request's approvers), the
		// admins and the auditors, on every channel.
		a.users = dedupe(slices.Concat([]string{r.RequesterID}, r.Approvers, f.Members[p.Config.AdminsGroup], f.Members[p.Config.AuditorsGroup]))
		a.all = true
		return a
	}
	if ev.Type == EventBreakGlassReviewed {
		a.users = []string{r.RequesterID}
		return a
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
		a.users = dedupe(append([]string{r.RequesterID}, f.Members[p.Config.AdminsGroup]...))
	case EventEscalated:
		// The approvers it added are asked; the requester is told.
		if r.Status == access.StatusPending {
			a.users = escalated(ev)
		}
		a.users = dedupe(append(a.users, r.RequesterID))
	}
	return a
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
