package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/store"
)

// NotificationsDeps are the notifications' collaborators. Store is
// required; a nil channel is off.
type NotificationsDeps struct {
	Store    store.Store
	Config   notify.Config // zero fields take notify's defaults
	Slack    notify.Slack
	Email    notify.Sender
	Webhook  notify.Sender
	Teams    notify.Teams
	Observer notify.Observer // default: deliveries are not counted
	Logger   *slog.Logger    // default slog.Default()
	Clock    Clock           // default SystemClock
}

// Notifications runs the notifications' use cases: it plans the
// notifications of appended events in their transaction (the Service calls
// it from appendEvents), delivers each one in its job, and lists them. Who
// hears what, and how a message reads, are package notify's.
type Notifications struct {
	st      store.Store
	cfg     notify.Config
	planner notify.Planner
	slack   notify.Slack
	email   notify.Sender
	webhook notify.Sender
	teams   notify.Teams
	obs     notify.Observer
	log     *slog.Logger
	clock   Clock
}

// NewNotifications returns the notifications' use cases.
func NewNotifications(d NotificationsDeps) (*Notifications, error) {
	if d.Store == nil {
		return nil, errors.New("workflow: the notifications need a Store")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Observer == nil {
		d.Observer = nopNotificationObserver{}
	}
	cfg := d.Config.WithDefaults()
	on := notify.Channels{Slack: d.Slack != nil, SlackAudit: d.Slack != nil && d.Slack.HasAuditChannel(),
		Email: d.Email != nil, Webhook: d.Webhook != nil}
	if d.Teams != nil {
		on.Teams, on.TeamsAll = d.Teams.Channels()
	}
	return &Notifications{st: d.Store, cfg: cfg, planner: notify.Planner{Config: cfg, Channels: on},
		slack: d.Slack, email: d.Email, webhook: d.Webhook, teams: d.Teams, obs: d.Observer, log: d.Logger, clock: d.Clock}, nil
}

// ruleSettingsFunc reads the settings of the rule named name.
type ruleSettingsFunc func(ctx context.Context, tx store.Tx, name string) (notify.RuleSettings, error)

type nopNotificationObserver struct{}

func (nopNotificationObserver) ObserveNotification(string, string) {}

// PortalOnly reports whether approvals of the permission set need a portal
// sign-in (the Slack interactions link to the portal instead).
func (n *Notifications) PortalOnly(permissionSetName string) bool {
	return n.cfg.PortalOnly(permissionSetName)
}

// plan decides the notifications of evs and records them in tx (pending);
// the caller schedules their delivery jobs in the same transaction, so a
// notification exists if and only if its event committed.
// rules gives the settings of a request's rule.
func (n *Notifications) plan(ctx context.Context, tx store.Tx, evs []access.Event, rules ruleSettingsFunc) ([]access.Notification, error) {
	var out []access.Notification
	for _, ev := range evs {
		ns, err := n.planEvent(ctx, tx, ev, rules)
		if err != nil {
			return nil, fmt.Errorf("notify: plan %s: %w", ev.Type, err)
		}
		out = append(out, ns...)
	}
	return out, nil
}

// planEvent reads the directory facts the plan of ev needs, and records
// the notifications it decides on.
func (n *Notifications) planEvent(ctx context.Context, tx store.Tx, ev access.Event, rules ruleSettingsFunc) ([]access.Notification, error) {
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
	f := notify.Facts{Members: map[string][]string{}, Users: map[string]access.User{}}
	if f.Accounts, err = accountNames(ctx, tx, r.AccountIDs()); err != nil {
		return nil, err
	}
	if rules != nil {
		if f.Rule, err = rules(ctx, tx, r.Rule); err != nil {
			return nil, err
		}
	}
	for _, g := range n.planner.Groups(ev) {
		if f.Members[g], err = activeMembers(ctx, tx, g); err != nil {
			return nil, err
		}
	}
	for _, g := range n.planner.NotifyGroups(ev, f.Rule) {
		if _, done := f.Members[g]; done {
			continue
		}
		if f.Members[g], err = groupMembers(ctx, tx, g); err != nil {
			return nil, err
		}
	}
	for _, uid := range n.planner.Recipients(ev, *r, f) {
		u, err := tx.FindUserByID(ctx, uid)
		switch {
		case err == nil:
			f.Users[uid] = u
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("find user %s: %w", uid, err)
		}
	}
	ns := n.planner.Plan(ev, *r, f, n.clock.Now())
	for _, nt := range ns {
		if err := tx.InsertNotification(ctx, nt); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

// activeMembers returns the active members of the named group (none when
// the group does not exist).
func activeMembers(ctx context.Context, tx store.Tx, name string) ([]string, error) {
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

// accountNames names the accounts by id, for what notifications say; an
// account no longer in the directory is left out (named by its id).
func accountNames(ctx context.Context, tx store.Tx, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		a, err := tx.FindAccount(ctx, id)
		switch {
		case err == nil:
			out[id] = a.Name
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("find account %s: %w", id, err)
		}
	}
	return out, nil
}
