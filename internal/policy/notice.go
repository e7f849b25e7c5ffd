package policy

import (
	"fmt"
	"strings"
	"time"
)

// RuleNotify is a rule's reminders, escalation and notify lists: who else
// hears about its requests, and when.
type RuleNotify struct {
	// RemindBefore is how long before the end the requester is reminded,
	// with buttons to extend or end. 0: the server's notify.warn_before
	// (default 15m); negative: no reminder.
	RemindBefore time.Duration `yaml:"remind_before,omitempty" json:"remind_before,omitempty"`
	// ExtendStep is what the reminder's extend button asks for. 0:
	// DefaultExtendStep.
	ExtendStep time.Duration `yaml:"extend_step,omitempty" json:"extend_step,omitempty"`
	// EscalateAfter: a request still pending this long after its
	// submission gets the members of EscalationGroups as approvers too
	// (once). 0: no escalation.
	EscalateAfter    time.Duration `yaml:"escalate_after,omitempty" json:"escalate_after,omitempty"`
	EscalationGroups []string      `yaml:"escalation_groups,omitempty" json:"escalation_groups,omitempty"`
	// NotifyGroups are told about the rule's requests and their decisions
	// but are not approvers.
	NotifyGroups []string `yaml:"notify_groups,omitempty" json:"notify_groups,omitempty"`
	// NotifyChannels are channels told the same: "slack:C0123ABCD" (a
	// Slack channel id) or "teams:NAME" (a Teams channel of the server
	// configuration).
	NotifyChannels []string `yaml:"notify_channels,omitempty" json:"notify_channels,omitempty"`
}

// DefaultExtendStep is what the reminder's extend button asks for when
// the rule says nothing.
const DefaultExtendStep = time.Hour

// Channel kinds a notify_channels entry names.
const (
	NotifyChannelSlack = "slack"
	NotifyChannelTeams = "teams"
)

// WithDefaults fills the zero fields with their defaults.
func (n RuleNotify) WithDefaults() RuleNotify {
	if n.ExtendStep == 0 {
		n.ExtendStep = DefaultExtendStep
	}
	return n
}

func (n RuleNotify) normalize() RuleNotify {
	n.EscalationGroups, n.NotifyGroups, n.NotifyChannels = clean(n.EscalationGroups), clean(n.NotifyGroups), clean(n.NotifyChannels)
	return n
}

// SplitNotifyChannel splits a notify_channels entry into its kind (slack or
// teams) and its name; ok is false when it names neither.
func SplitNotifyChannel(s string) (kind, name string, ok bool) {
	kind, name, found := strings.Cut(strings.TrimSpace(s), ":")
	name = strings.TrimSpace(name)
	if !found || name == "" || (kind != NotifyChannelSlack && kind != NotifyChannelTeams) {
		return "", "", false
	}
	return kind, name, true
}

// checkNotify validates the rule's RuleNotify fields.
func (e *Engine) checkNotify(path string, r Rule) {
	n := r.RuleNotify
	if n.ExtendStep < 0 {
		e.problem(path+".extend_step", fmt.Sprintf("%s is negative", n.ExtendStep))
	}
	if n.EscalateAfter < 0 {
		e.problem(path+".escalate_after", fmt.Sprintf("%s is negative", n.EscalateAfter))
	}
	if n.EscalateAfter > 0 && len(n.EscalationGroups) == 0 {
		e.problem(path+".escalation_groups", "empty: escalate_after needs the groups to escalate to")
	}
	if n.EscalateAfter == 0 && len(n.EscalationGroups) > 0 {
		e.problem(path+".escalate_after", "missing: escalation_groups need the time after which to escalate, such as 30m")
	}
	if n.EscalateAfter > 0 && e.doc.Settings.ApprovalTimeout > 0 && n.EscalateAfter >= e.doc.Settings.ApprovalTimeout {
		e.problem(path+".escalate_after", fmt.Sprintf("%s is not before settings.approval_timeout %s: the request would expire first",
			n.EscalateAfter, e.doc.Settings.ApprovalTimeout))
	}
	_ = e.resolveGroups(path+".escalation_groups", n.EscalationGroups)
	_ = e.resolveGroups(path+".notify_groups", n.NotifyGroups)
	for i, c := range n.NotifyChannels {
		if _, _, ok := SplitNotifyChannel(c); !ok {
			e.problem(fmt.Sprintf("%s.notify_channels[%d]", path, i),
				fmt.Sprintf("%q is not slack:CHANNEL_ID or teams:NAME", c))
		}
	}
}
