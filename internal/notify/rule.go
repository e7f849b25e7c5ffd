package notify

import (
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Channels for the notify lists' channels.
const (
	ChannelSlackChannel = "slack_channel" // a message in a Slack channel (RecipientName is its id)
	ChannelTeams        = "teams"         // an Adaptive Card to a Teams channel (RecipientName is its configured name)
)

// EventEscalated is a pending request that waited past its rule's
// escalate_after: Details["added"] are the user ids (comma separated) now
// approvers too, Details["groups"] the groups they came from.
const EventEscalated access.EventType = "request.escalated"

// Details keys the planner and the messages read.
const (
	// DetailExtendStep on the reminder: what its extend button asks for.
	DetailExtendStep = "extend_step"
	// DetailAskedBecause + a user id: why that user was asked to approve
	// ("alice is away until …").
	DetailAskedBecause = "asked_because."
)

// RuleSettings are the request's rule's reminder and notify lists, read
// from the policy by the caller.
type RuleSettings struct {
	// RemindBefore overrides Config.WarnBefore; 0 keeps it, negative: no reminder.
	RemindBefore time.Duration
	// ExtendStep is what the reminder's extend button asks for (default 1h).
	ExtendStep time.Duration
	// NotifyGroups are told about requests and decisions; Facts.Members
	// holds their members.
	NotifyGroups []string
	// NotifyChannels are "slack:ID" and "teams:NAME" entries.
	NotifyChannels []string
}

// watched reports whether the notify lists hear about ev: requests and
// their decisions.
func watched(ev access.Event) bool {
	switch ev.Type {
	case access.EventSubmitted, access.EventApproved, access.EventRejected, access.EventCancelled, access.EventExpired, EventEscalated:
		return true
	}
	return false
}

// channelEvent reports whether channels (the notify_channels and the Teams
// channels that hear every request) hear about ev: submitted, decided,
// active, ending soon and ended.
func channelEvent(ev access.Event) bool {
	switch ev.Type {
	case access.EventSubmitted, access.EventApproved, access.EventRejected, access.EventCancelled, access.EventExpired,
		access.EventActivated, EventEndingSoon, access.EventEnded, access.EventRevoked, EventEscalated:
		return true
	}
	return false
}

// NotifyGroups names the notify-list groups whose members hear about ev.
func (p Planner) NotifyGroups(ev access.Event, rs RuleSettings) []string {
	if ev.RequestID == "" || !watched(ev) || isBreakGlass(ev) {
		return nil
	}
	return rs.NotifyGroups
}

// watchers are the members of the rule's notify groups told about ev:
// never the requester or an approver, who hear as such.
func (p Planner) watchers(ev access.Event, r access.Request, f Facts) []string {
	var out []string
	for _, g := range p.NotifyGroups(ev, f.Rule) {
		for _, uid := range f.Members[g] {
			if uid != r.RequesterID && !r.IsApprover(uid) {
				out = append(out, uid)
			}
		}
	}
	return dedupe(out)
}

// listChannels plans ev for the rule's notify_channels and the Teams
// channels that hear every request.
func (p Planner) listChannels(ev access.Event, rs RuleSettings, add func(channel, name string)) {
	if !channelEvent(ev) {
		return
	}
	var teams []string
	for _, c := range rs.NotifyChannels {
		kind, name, ok := strings.Cut(c, ":")
		if !ok || name == "" {
			continue
		}
		switch {
		case kind == "slack" && p.Channels.Slack:
			add(ChannelSlackChannel, name)
		case kind == "teams" && slices.Contains(p.Channels.Teams, name):
			teams = append(teams, name)
		}
	}
	teams = append(teams, p.Channels.TeamsAll...)
	for _, name := range dedupe(teams) {
		add(ChannelTeams, name)
	}
}

// escalated are the user ids an escalation added.
func escalated(ev access.Event) []string {
	if ev.Type != EventEscalated || ev.Details["added"] == "" {
		return nil
	}
	return strings.Split(ev.Details["added"], ",")
}

// remindBefore is how long before the end the requester of a request of
// this rule is reminded; 0 or less: never.
func (p Planner) remindBefore(rs RuleSettings) time.Duration {
	if rs.RemindBefore != 0 {
		return rs.RemindBefore
	}
	return p.Config.WarnBefore
}

// AskedBecause is why uid was asked to approve, from the event's details
// ("" when they are an approver in their own right).
func AskedBecause(ev access.Event, uid string) string {
	if uid == "" {
		return ""
	}
	return ev.Details[DetailAskedBecause+uid]
}
