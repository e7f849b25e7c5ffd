package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// ruleNotify returns the reminder, escalation and notify lists of the rule
// named name in the policy in effect (zero, with defaults, when the rule is
// gone: its requests then follow the server's defaults).
func (s *Service) ruleNotify(ctx context.Context, tx store.Tx, name string) (policy.RuleNotify, error) {
	if name == "" {
		return policy.RuleNotify{}.WithDefaults(), nil
	}
	doc, _, err := s.policyDocument(ctx, tx)
	if err != nil {
		return policy.RuleNotify{}, err
	}
	for _, r := range doc.Rules {
		if strings.EqualFold(strings.TrimSpace(r.Name), name) {
			return r.WithDefaults(), nil
		}
	}
	return policy.RuleNotify{}.WithDefaults(), nil
}

// ruleSettings is ruleNotify as the notification planner takes it.
func (s *Service) ruleSettings(ctx context.Context, tx store.Tx, name string) (notify.RuleSettings, error) {
	n, err := s.ruleNotify(ctx, tx, name)
	if err != nil {
		return notify.RuleSettings{}, fmt.Errorf("rule %s: %w", name, err)
	}
	return notify.RuleSettings{RemindBefore: n.RemindBefore, ExtendStep: n.ExtendStep,
		NotifyGroups: n.NotifyGroups, NotifyChannels: n.NotifyChannels}, nil
}

// groupMembers returns the active members of the group named (or with the
// id) ref, as the policy names groups; none when there is no such group.
func groupMembers(ctx context.Context, tx store.Tx, ref string) ([]string, error) {
	g, err := tx.FindGroupByName(ctx, ref)
	id := g.ID
	switch {
	case errors.Is(err, store.ErrNotFound):
		id = ref // perhaps its id
	case err != nil:
		return nil, fmt.Errorf("find group %s: %w", ref, err)
	}
	ids, err := tx.UserIDsInGroups(ctx, []string{id})
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", ref, err)
	}
	return ids, nil
}
