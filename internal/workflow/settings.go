package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// EventSettingsChanged records a change of the settings through the
// settings endpoint, with the settings before and after.
const EventSettingsChanged access.EventType = "settings.changed"

// SettingsUpdate changes some settings; nil fields keep their value.
type SettingsUpdate struct {
	// Revision must be the policy revision the settings were read at (0:
	// the configuration file's): the change is refused with conflict, in the
	// transaction that would write it, when the policy changed since.
	Revision             int
	ApprovalTimeout      *time.Duration
	MaxDuration          *time.Duration
	MinDuration          *time.Duration
	TicketRequired       *bool
	AdminsGroup          *string
	AuditorsGroup        *string
	NotificationChannels *[]string
	Admins               *[]string
	// Force applies a change that removes the actor's own admin role or
	// names a role group that is missing or empty, as long as an admin
	// remains.
	Force bool
}

// apply returns cur with the update's fields.
func (u SettingsUpdate) apply(cur policy.Settings) policy.Settings {
	if u.ApprovalTimeout != nil {
		cur.ApprovalTimeout = *u.ApprovalTimeout
	}
	if u.MaxDuration != nil {
		cur.MaxDuration = *u.MaxDuration
	}
	if u.MinDuration != nil {
		cur.MinDuration = *u.MinDuration
	}
	if u.TicketRequired != nil {
		cur.TicketRequired = *u.TicketRequired
	}
	if u.AdminsGroup != nil {
		cur.AdminsGroup = strings.TrimSpace(*u.AdminsGroup)
	}
	if u.AuditorsGroup != nil {
		cur.AuditorsGroup = strings.TrimSpace(*u.AuditorsGroup)
	}
	if u.NotificationChannels != nil {
		cur.NotificationChannels = *u.NotificationChannels
	}
	if u.Admins != nil {
		cur.Admins = *u.Admins
	}
	return cur
}

// validate refuses values that the document would silently replace by
// defaults (a zero duration) or that make no sense.
func (u SettingsUpdate) validate() error {
	for _, d := range []struct {
		name string
		v    *time.Duration
	}{{"approval_timeout", u.ApprovalTimeout}, {"max_duration", u.MaxDuration}, {"min_duration", u.MinDuration}} {
		if d.v != nil && *d.v <= 0 {
			return access.Errorf(access.CodeInvalid, "%s: %s is not positive: give a duration such as 1h or 30m", d.name, *d.v)
		}
	}
	for _, g := range []struct {
		name string
		v    *string
	}{{"admins_group", u.AdminsGroup}, {"auditors_group", u.AuditorsGroup}} {
		if g.v != nil && strings.TrimSpace(*g.v) == "" {
			return access.Errorf(access.CodeInvalid, "%s is empty: name an identity store group", g.name)
		}
	}
	if u.Revision < 0 {
		return access.Errorf(access.CodeInvalid, "revision %d is negative: send the revision you read", u.Revision)
	}
	return nil
}

// GetSettings returns the settings in effect and the policy revision they
// belong to (0: the configuration file's). Admins only.
func (s *Service) GetSettings(ctx context.Context, actor access.Actor) (policy.Settings, int, error) {
	if err := requireAdmin(actor, "read the settings"); err != nil {
		return policy.Settings{}, 0, err
	}
	var set policy.Settings
	var rev int
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		doc, r, err := s.policyDocument(ctx, tx)
		set, rev = doc.Settings, r
		return err
	})
	if err != nil {
		return policy.Settings{}, 0, fmt.Errorf("get settings: %w", err)
	}
	return set, rev, nil
}

// UpdateSettings changes the settings: a new revision of the policy
// document through the same path as ApplyPolicy (validated, atomic), audited
// as settings.changed with the settings before and after. Admins only.
func (s *Service) UpdateSettings(ctx context.Context, actor access.Actor, u SettingsUpdate) (PolicyPlan, policy.Settings, error) {
	if err := requireAdmin(actor, "change the settings"); err != nil {
		return PolicyPlan{}, policy.Settings{}, err
	}
	if err := u.validate(); err != nil {
		return PolicyPlan{}, policy.Settings{}, err
	}
	var result policy.Settings
	plan, err := s.applyPolicy(ctx, actor, policyApply{
		base:     u.Revision,
		force:    u.Force,
		conflict: "the policy changed since revision %d (now %d): read the settings again",
		document: func(cur policy.Document, _ int) ([]byte, error) {
			next := cur
			next.Settings = u.apply(cur.Settings)
			result = next.Normalize().Settings
			return policy.Marshal(next)
		},
		event: func(cur, next policy.Document, plan PolicyPlan, now time.Time) (access.Event, error) {
			before, err := policy.MarshalSettings(cur.Settings)
			if err != nil {
				return access.Event{}, err
			}
			after, err := policy.MarshalSettings(next.Settings)
			if err != nil {
				return access.Event{}, err
			}
			return access.Event{Type: EventSettingsChanged, Actor: actor, At: now, Details: map[string]string{
				"revision": fmt.Sprint(plan.Revision), "before": string(before), "after": string(after),
				"changes": policy.FormatPlan(plan.Changes)}}, nil
		},
		// Only the settings' own problems refuse the change: problems of
		// the rules (a group since deleted) were there before it.
		refuse: func(ps []policy.Problem) error {
			var msgs []string
			for _, p := range ps {
				if strings.HasPrefix(p.Path, "settings") {
					msgs = append(msgs, p.Path+": "+p.Message)
				}
			}
			if len(msgs) == 0 {
				return nil
			}
			return access.Errorf(access.CodeInvalid, "the settings were not changed: %s", strings.Join(msgs, "; "))
		},
	})
	if err != nil {
		return PolicyPlan{}, policy.Settings{}, fmt.Errorf("update settings: %w", err)
	}
	return plan, result, nil
}
