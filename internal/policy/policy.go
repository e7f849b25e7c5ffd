// Package policy evaluates elevate's rules: who may
// request which permission set on which account, for how long, with how many
// approvals from whom, whether a ticket is needed, and whether the request is
// break-glass. It is pure: the caller passes the policy document (rules,
// approver rules, settings) and the facts of the synced directory (accounts,
// OU tree, permission sets, users, groups, memberships); New compiles them
// into an Engine whose indexes make one decision cost microseconds.
//
// The package also reads and writes the policy as one YAML document (with
// line numbers for errors) and computes the readable difference between two
// documents, for `elevate policy plan`.
package policy

import (
	"slices"
	"strings"
	"time"
)

// All is the wildcard of accounts (the whole organization) and of
// permission sets (every permission set).
const All = "*"

// Rule is an eligibility rule: the subjects it names may request the
// permission sets it names on the accounts in its scope.
type Rule struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Users       []string `yaml:"users,omitempty" json:"users,omitempty"`   // user names, emails or ids
	Groups      []string `yaml:"groups,omitempty" json:"groups,omitempty"` // group names or ids
	// Accounts are account ids or names; "*" is the whole organization.
	Accounts []string `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	// OUs are organizational unit ids or names (the root too). An account
	// is in scope when its parent is one of them, or, with NestedOUs, any
	// of its ancestors.
	OUs       []string `yaml:"ous,omitempty" json:"ous,omitempty"`
	NestedOUs bool     `yaml:"nested_ous,omitempty" json:"nested_ous,omitempty"`
	// PermissionSets are names or ARNs; "*" for all.
	PermissionSets []string      `yaml:"permission_sets" json:"permission_sets"`
	MaxDuration    time.Duration `yaml:"max_duration,omitempty" json:"max_duration,omitempty"` // 0: the global ceiling
	Approvals      int           `yaml:"approvals,omitempty" json:"approvals,omitempty"`       // approvals needed; 0: none
	// ApproverUsers and ApproverGroups are the rule's own approvers: when
	// either is set they replace the approver rules for this rule.
	ApproverUsers  []string `yaml:"approver_users,omitempty" json:"approver_users,omitempty"`
	ApproverGroups []string `yaml:"approver_groups,omitempty" json:"approver_groups,omitempty"`
	TicketRequired bool     `yaml:"ticket_required,omitempty" json:"ticket_required,omitempty"`
	// BreakGlass rules allow self-activation without approval, for
	// emergencies: they apply only to requests that ask for break-glass.
	BreakGlass bool `yaml:"break_glass,omitempty" json:"break_glass,omitempty"`

	// Reminders, escalation and who else is told (RuleNotify, notice.go).
	RuleNotify `yaml:",inline"`
	// Require narrows the rule to requests whose conditions hold (an
	// unknown condition refuses, with the reason); AutoApproveIf approves
	// a request on its own when its conditions hold (an unknown condition
	// falls back to the approvers). See conditions.go.
	Require       *Conditions `yaml:"require,omitempty" json:"require,omitempty"`
	AutoApproveIf *Conditions `yaml:"auto_approve_if,omitempty" json:"auto_approve_if,omitempty"`
	// EndWhenTicketCloses ends the access when the ticket Require.Ticket
	// checks closes.
	EndWhenTicketCloses bool `yaml:"end_when_ticket_closes,omitempty" json:"end_when_ticket_closes,omitempty"`
	// EndSessions says whether revoking a grant of this rule also ends the
	// user's sessions opened before the revocation; nil: the installation's
	// default (end_sessions.default).
	EndSessions *bool `yaml:"end_sessions,omitempty" json:"end_sessions,omitempty"`
	// ApproverMFA accepts an approval of the rule's requests only from a
	// portal session whose sign-in proved multi-factor authentication
	// within MaxAge (API tokens and Slack can't approve them).
	ApproverMFA *ApproverMFA `yaml:"approver_mfa,omitempty" json:"approver_mfa,omitempty"`
}

// ApproverMFA is a rule's demand on its approvers' sign-in: multi-factor
// authentication (the OIDC amr or acr, the SAML AuthnContextClassRef the
// configuration accepts) at most MaxAge before the approval.
type ApproverMFA struct {
	MaxAge time.Duration `yaml:"max_age" json:"max_age"`
}

// String shows the demand in plans: "max_age 15m0s", or "none".
func (m *ApproverMFA) String() string {
	if m == nil {
		return "none"
	}
	return "max_age " + m.MaxAge.String()
}

// MaxApproverMFAAge bounds approver_mfa.max_age: a longer window is no
// longer a fresh sign-in, and it is the longest step-up elevate asks for.
const MaxApproverMFAAge = 24 * time.Hour

// ApproverRule says who approves requests on the accounts in its scope,
// optionally only for some permission sets. The most specific scope wins:
// the account itself, then its nearest OU, then the parents, then the root.
type ApproverRule struct {
	Name      string   `yaml:"name" json:"name"`
	Accounts  []string `yaml:"accounts,omitempty" json:"accounts,omitempty"` // "*": the whole organization (root level)
	OUs       []string `yaml:"ous,omitempty" json:"ous,omitempty"`
	NestedOUs bool     `yaml:"nested_ous,omitempty" json:"nested_ous,omitempty"`
	// PermissionSets filters the rule to these permission sets; empty: all.
	PermissionSets []string `yaml:"permission_sets,omitempty" json:"permission_sets,omitempty"`
	Users          []string `yaml:"users,omitempty" json:"users,omitempty"`         // approver users
	Groups         []string `yaml:"groups,omitempty" json:"groups,omitempty"`       // approver groups
	Approvals      int      `yaml:"approvals,omitempty" json:"approvals,omitempty"` // approvals needed; 0 means 1
}

// Settings are the global settings.
type Settings struct {
	ApprovalTimeout time.Duration `yaml:"approval_timeout" json:"approval_timeout"` // default 3h
	MaxDuration     time.Duration `yaml:"max_duration" json:"max_duration"`         // ceiling of every rule; default 9h
	MinDuration     time.Duration `yaml:"min_duration" json:"min_duration"`         // default 15m
	TicketRequired  bool          `yaml:"ticket_required" json:"ticket_required"`   // every request needs a ticket
	AdminsGroup     string        `yaml:"admins_group" json:"admins_group"`         // default admins
	AuditorsGroup   string        `yaml:"auditors_group" json:"auditors_group"`     // default auditors
	// Admins are users (names, emails or ids) who are admins besides the
	// members of AdminsGroup: the entry `elevate admin recover` adds when a
	// change of the admins group locked every admin out.
	Admins               []string `yaml:"admins,omitempty" json:"admins,omitempty"`
	NotificationChannels []string `yaml:"notification_channels,omitempty" json:"notification_channels,omitempty"`
}

// Setting defaults.
const (
	DefaultApprovalTimeout = 3 * time.Hour
	DefaultMaxDuration     = 9 * time.Hour
	DefaultMinDuration     = 15 * time.Minute
	DefaultAdminsGroup     = "admins"
	DefaultAuditorsGroup   = "auditors"
)

// WithDefaults fills the zero fields with their defaults.
func (s Settings) WithDefaults() Settings {
	if s.ApprovalTimeout == 0 {
		s.ApprovalTimeout = DefaultApprovalTimeout
	}
	if s.MaxDuration == 0 {
		s.MaxDuration = DefaultMaxDuration
	}
	if s.MinDuration == 0 {
		s.MinDuration = DefaultMinDuration
	}
	if s.AdminsGroup == "" {
		s.AdminsGroup = DefaultAdminsGroup
	}
	if s.AuditorsGroup == "" {
		s.AuditorsGroup = DefaultAuditorsGroup
	}
	return s
}

// Document is the whole policy: settings, eligibility rules and approver
// rules. It is what `elevate policy export` writes and `apply` reads.
type Document struct {
	Settings      Settings       `yaml:"settings" json:"settings"`
	Rules         []Rule         `yaml:"rules" json:"rules"`
	ApproverRules []ApproverRule `yaml:"approver_rules,omitempty" json:"approver_rules,omitempty"`
}

// Normalize returns the document in canonical form: settings defaults
// filled in, names trimmed, empty lists nil. Two documents that mean the
// same thing normalize to equal values.
func (d Document) Normalize() Document {
	d.Settings = d.Settings.WithDefaults()
	d.Settings.NotificationChannels = clean(d.Settings.NotificationChannels)
	d.Settings.Admins = clean(d.Settings.Admins)
	rules := make([]Rule, len(d.Rules))
	for i, r := range d.Rules {
		r.Name = strings.TrimSpace(r.Name)
		r.Users, r.Groups, r.Accounts, r.OUs = clean(r.Users), clean(r.Groups), clean(r.Accounts), clean(r.OUs)
		r.PermissionSets, r.ApproverUsers, r.ApproverGroups = clean(r.PermissionSets), clean(r.ApproverUsers), clean(r.ApproverGroups)
		r.RuleNotify = r.normalize()
		r.Require, r.AutoApproveIf = r.Require.normalize(), r.AutoApproveIf.normalize()
		rules[i] = r
	}
	d.Rules = rules
	if len(d.ApproverRules) == 0 {
		d.ApproverRules = nil
	} else {
		ars := make([]ApproverRule, len(d.ApproverRules))
		for i, r := range d.ApproverRules {
			r.Name = strings.TrimSpace(r.Name)
			r.Accounts, r.OUs, r.PermissionSets = clean(r.Accounts), clean(r.OUs), clean(r.PermissionSets)
			r.Users, r.Groups = clean(r.Users), clean(r.Groups)
			if r.Approvals == 0 {
				r.Approvals = 1
			}
			ars[i] = r
		}
		d.ApproverRules = ars
	}
	return d
}

func clean(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// EffectiveMax is the rule's maximum duration capped by the global ceiling.
func EffectiveMax(ruleMax, ceiling time.Duration) time.Duration {
	if ruleMax <= 0 || (ceiling > 0 && ruleMax > ceiling) {
		return ceiling
	}
	return ruleMax
}
