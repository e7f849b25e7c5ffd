package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/say"
)

// fieldErrors are the messages shown beside a form's fields, by the field's
// name ("" for the form as a whole).
type fieldErrors map[string]string

// add records msg for field, after any message already there.
func (fe fieldErrors) add(field, msg string) {
	if old := fe[field]; old != "" {
		msg = old + " " + msg
	}
	fe[field] = msg
}

// Has reports whether field has a message (templates: aria-invalid).
func (fe fieldErrors) Has(field string) bool { return fe[field] != "" }

// ruleForm is the rule editor's fields as the admin sees and types them:
// lists one entry per line, durations as people write them ("4h", "1d"),
// the conditions as the YAML blocks they are under require: and
// auto_approve_if: in the document.
type ruleForm struct {
	Name, Description                          string
	Users, Groups, Accounts, OUs               string
	PermissionSets                             string
	NestedOUs                                  bool
	MaxDuration, Approvals                     string
	ApproverUsers, ApproverGroups              string
	TicketRequired, BreakGlass, EndWhenClosing bool
	EndSessions                                string // "", "yes" or "no": the installation's default, always, never
	// Reminders, escalation and who else is told.
	RemindBefore, ExtendStep, EscalateAfter        string // "none" for RemindBefore: no reminder
	EscalationGroups, NotifyGroups, NotifyChannels string
	// The conditions, as YAML blocks, and in one line each (the hints).
	Require, AutoApproveIf         string
	RequireText, AutoApproveIfText string
}

// approverRuleForm is the approver rule editor's fields.
type approverRuleForm struct {
	Name                     string
	Accounts, OUs            string
	NestedOUs                bool
	PermissionSets           string
	Users, Groups, Approvals string
}

// lines writes a list one entry per line.
func lines(list []string) string { return strings.Join(list, "\n") }

// splitLines reads a list written one entry per line, dropping blank lines
// and surrounding spaces (names may hold commas, so lines separate them).
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// durationField shows a duration for its input ("" for none) the way
// people write it ("4h", "1h 30m", "1d"), with every unit it has, so that
// reading the field back gives the same duration (say.Duration shortens
// long durations; sub-second parts, which no one writes, are kept in Go's
// form).
func durationField(d time.Duration) string {
	if d == 0 {
		return ""
	}
	if d < 0 || d%time.Second != 0 {
		return d.String()
	}
	var parts []string
	for _, u := range []struct {
		n    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if k := d / u.n; k > 0 {
			parts = append(parts, strconv.FormatInt(int64(k), 10)+u.unit)
			d -= k * u.n
		}
	}
	return strings.Join(parts, " ")
}

// ruleFormOf shows a rule in the editor.
func ruleFormOf(r policy.Rule) ruleForm {
	f := ruleForm{Name: r.Name, Description: r.Description, Users: lines(r.Users), Groups: lines(r.Groups),
		Accounts: lines(r.Accounts), OUs: lines(r.OUs), PermissionSets: lines(r.PermissionSets), NestedOUs: r.NestedOUs,
		MaxDuration: durationField(r.MaxDuration), ApproverUsers: lines(r.ApproverUsers), ApproverGroups: lines(r.ApproverGroups),
		TicketRequired: r.TicketRequired, BreakGlass: r.BreakGlass, EndWhenClosing: r.EndWhenTicketCloses,
		ExtendStep: durationField(r.ExtendStep), EscalateAfter: durationField(r.EscalateAfter),
		EscalationGroups: lines(r.EscalationGroups), NotifyGroups: lines(r.NotifyGroups), NotifyChannels: lines(r.NotifyChannels),
		RequireText: conditionsText(r.Require), AutoApproveIfText: conditionsText(r.AutoApproveIf)}
	f.RemindBefore = durationField(r.RemindBefore)
	if r.RemindBefore < 0 {
		f.RemindBefore = "none"
	}
	// Conditions the document could hold always marshal; the field is
	// empty otherwise, and the YAML view still shows them.
	f.Require, _ = policy.MarshalConditions(r.Require)
	f.AutoApproveIf, _ = policy.MarshalConditions(r.AutoApproveIf)
	if r.Approvals != 0 {
		f.Approvals = strconv.Itoa(r.Approvals)
	}
	if r.EndSessions != nil {
		f.EndSessions = map[bool]string{true: "yes", false: "no"}[*r.EndSessions]
	}
	return f
}

func conditionsText(c *policy.Conditions) string {
	if c == nil {
		return ""
	}
	if s := c.String(); s != "none" {
		return s
	}
	return ""
}

// readRuleForm reads the rule editor's posted fields.
func readRuleForm(v url.Values) ruleForm {
	return ruleForm{Name: strings.TrimSpace(v.Get("name")), Description: strings.TrimSpace(v.Get("description")),
		Users: v.Get("users"), Groups: v.Get("groups"), Accounts: v.Get("accounts"), OUs: v.Get("ous"),
		PermissionSets: v.Get("permission_sets"), NestedOUs: v.Get("nested_ous") != "",
		MaxDuration: strings.TrimSpace(v.Get("max_duration")), Approvals: strings.TrimSpace(v.Get("approvals")),
		ApproverUsers: v.Get("approver_users"), ApproverGroups: v.Get("approver_groups"),
		TicketRequired: v.Get("ticket_required") != "", BreakGlass: v.Get("break_glass") != "",
		EndWhenClosing: v.Get("end_when_ticket_closes") != "", EndSessions: v.Get("end_sessions"),
		RemindBefore: strings.TrimSpace(v.Get("remind_before")), ExtendStep: strings.TrimSpace(v.Get("extend_step")),
		EscalateAfter: strings.TrimSpace(v.Get("escalate_after")), EscalationGroups: v.Get("escalation_groups"),
		NotifyGroups: v.Get("notify_groups"), NotifyChannels: v.Get("notify_channels"),
		Require: v.Get("require"), AutoApproveIf: v.Get("auto_approve_if")}
}

// readApproverRuleForm reads the approver rule editor's posted fields.
func readApproverRuleForm(v url.Values) approverRuleForm {
	return approverRuleForm{Name: strings.TrimSpace(v.Get("name")), Accounts: v.Get("accounts"), OUs: v.Get("ous"),
		NestedOUs: v.Get("nested_ous") != "", PermissionSets: v.Get("permission_sets"),
		Users: v.Get("users"), Groups: v.Get("groups"), Approvals: strings.TrimSpace(v.Get("approvals"))}
}

// approverRuleFormOf shows an approver rule in the editor.
func approverRuleFormOf(r policy.ApproverRule) approverRuleForm {
	f := approverRuleForm{Name: r.Name, Accounts: lines(r.Accounts), OUs: lines(r.OUs), NestedOUs: r.NestedOUs,
		PermissionSets: lines(r.PermissionSets), Users: lines(r.Users), Groups: lines(r.Groups)}
	if r.Approvals != 0 {
		f.Approvals = strconv.Itoa(r.Approvals)
	}
	return f
}

// readDuration reads a duration field ("" is 0), with the message beside
// the field saying the accepted forms and what empty means.
func readDuration(s, field, empty string, fe fieldErrors) time.Duration {
	if s == "" {
		return 0
	}
	d, err := say.ParseDuration(s)
	if err != nil {
		fe.add(field, capitalize(err.Error())+" ("+empty+").")
		return 0
	}
	return d
}

// maxApprovals bounds the approvals a form may ask for.
const maxApprovals = 20

func readApprovals(s string, fe fieldErrors) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxApprovals {
		fe.add("approvals", fmt.Sprintf("%q is not a number of approvals: write 0 to %d (0 or empty: no approval).", s, maxApprovals))
		return 0
	}
	return n
}

// checkScope refuses a scope that names nothing.
func checkScope(accounts, ous []string, fe fieldErrors) {
	if len(accounts) == 0 && len(ous) == 0 {
		fe.add("accounts", `Name at least one account or OU (or * for the whole organization).`)
	}
}

// applyRuleForm returns base with the form's fields in it: what the form
// does not show (conditions, reminders, notify lists) stays as it was. The
// errors name the fields that are wrong, with how to fix them.
func applyRuleForm(base policy.Rule, f ruleForm) (policy.Rule, fieldErrors) {
	fe := fieldErrors{}
	r := base
	r.Name, r.Description = f.Name, f.Description
	if r.Name == "" {
		fe.add("name", "Give the rule a name (letters, digits, dashes): plans and the decision log name rules by it.")
	}
	r.Users, r.Groups = splitLines(f.Users), splitLines(f.Groups)
	if len(r.Users) == 0 && len(r.Groups) == 0 {
		fe.add("groups", "Name at least one group or user who may request.")
	}
	r.Accounts, r.OUs, r.NestedOUs = splitLines(f.Accounts), splitLines(f.OUs), f.NestedOUs
	checkScope(r.Accounts, r.OUs, fe)
	r.PermissionSets = splitLines(f.PermissionSets)
	if len(r.PermissionSets) == 0 {
		fe.add("permission_sets", "Name at least one permission set (or * for all of them).")
	}
	r.MaxDuration = readDuration(f.MaxDuration, "max_duration", "empty: the policy's maximum", fe)
	switch f.RemindBefore {
	case "none":
		if base.RemindBefore >= 0 {
			r.RemindBefore = -time.Second // negative: no reminder
		}
	default:
		r.RemindBefore = readDuration(f.RemindBefore, "remind_before", `empty: the server's default; "none": no reminder`, fe)
	}
	r.ExtendStep = readDuration(f.ExtendStep, "extend_step", "empty: 1h", fe)
	r.EscalateAfter = readDuration(f.EscalateAfter, "escalate_after", "empty: never", fe)
	r.EscalationGroups, r.NotifyGroups, r.NotifyChannels = splitLines(f.EscalationGroups), splitLines(f.NotifyGroups), splitLines(f.NotifyChannels)
	for field, c := range map[string]**policy.Conditions{"require": &r.Require, "auto_approve_if": &r.AutoApproveIf} {
		text := f.Require
		if field == "auto_approve_if" {
			text = f.AutoApproveIf
		}
		cond, err := policy.ParseConditions(text)
		if err != nil {
			fe.add(field, capitalize(err.Error())+": write the keys on_call, ticket or user as under "+field+": in the YAML view.")
			continue
		}
		*c = cond
	}
	r.Approvals = readApprovals(f.Approvals, fe)
	r.ApproverUsers, r.ApproverGroups = splitLines(f.ApproverUsers), splitLines(f.ApproverGroups)
	r.TicketRequired, r.BreakGlass, r.EndWhenTicketCloses = f.TicketRequired, f.BreakGlass, f.EndWhenClosing
	if r.BreakGlass && r.Approvals > 0 {
		fe.add("approvals", "A break-glass rule activates without approval: set approvals to 0, or untick break-glass.")
	}
	if r.EndWhenTicketCloses && (r.Require == nil || r.Require.Ticket == nil) && fe["require"] == "" {
		fe.add("end_when_ticket_closes", "Ending when the ticket closes needs a ticket condition under Requires (ticket:), or untick this.")
	}
	switch f.EndSessions {
	case "":
		r.EndSessions = nil
	case "yes", "no":
		v := f.EndSessions == "yes"
		r.EndSessions = &v
	default:
		fe.add("end_sessions", "Choose the default, yes or no.")
	}
	if len(fe) == 0 {
		fe = nil
	}
	return r, fe
}

// applyApproverRuleForm returns base with the approver rule form's fields.
func applyApproverRuleForm(base policy.ApproverRule, f approverRuleForm) (policy.ApproverRule, fieldErrors) {
	fe := fieldErrors{}
	r := base
	r.Name = f.Name
	if r.Name == "" {
		fe.add("name", "Give the approver rule a name: plans name approver rules by it.")
	}
	r.Accounts, r.OUs, r.NestedOUs = splitLines(f.Accounts), splitLines(f.OUs), f.NestedOUs
	checkScope(r.Accounts, r.OUs, fe)
	r.PermissionSets = splitLines(f.PermissionSets)
	r.Users, r.Groups = splitLines(f.Users), splitLines(f.Groups)
	if len(r.Users) == 0 && len(r.Groups) == 0 {
		fe.add("groups", "Name at least one group or user who approves.")
	}
	r.Approvals = readApprovals(f.Approvals, fe)
	if len(fe) == 0 {
		fe = nil
	}
	return r, fe
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// problemPath matches a problem's path under a rule: rules[3].groups[0].
var problemPath = regexp.MustCompile(`^(rules|approver_rules)\[(\d+)\](?:\.([a-z_]+))?`)

// problemFields maps the policy engine's problems with the rule at index i
// of list ("rules" or "approver_rules") to the editor's fields; a problem
// of a part the form does not show goes to "" (the form as a whole).
func problemFields(ps []policy.Problem, list string, i int) fieldErrors {
	fe := fieldErrors{}
	shown := map[string]bool{"name": true, "description": true, "users": true, "groups": true, "accounts": true, "ous": true,
		"permission_sets": true, "max_duration": true, "approvals": true, "approver_users": true, "approver_groups": true,
		"end_when_ticket_closes": true, "remind_before": true, "extend_step": true, "escalate_after": true,
		"escalation_groups": true, "notify_groups": true, "notify_channels": true, "require": true, "auto_approve_if": true}
	for _, p := range ps {
		m := problemPath.FindStringSubmatch(p.Path)
		if m == nil || m[1] != list || m[2] != strconv.Itoa(i) {
			continue
		}
		field := m[3]
		switch {
		case field == "":
			// A problem of the whole rule: its scope or its subjects.
			field = ""
			if strings.Contains(p.Message, "accounts or ous") {
				field = "accounts"
			} else if strings.Contains(p.Message, "users or groups") {
				field = "groups"
			}
		case !shown[field]:
			field = ""
		}
		fe.add(field, capitalize(p.Message)+".")
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// pickerView is a list field the editor's script turns into a picker that
// searches the directory: the textarea (one entry per line) stays the
// field the form posts, so the form works without the script.
type pickerView struct {
	Name, Kind, Label, Hint, Value string
	F                              fieldView
}

// pick builds a pickerView for the templates; the directory kind searched
// follows from the field's name.
func pick(name, label, hint, value string, f fieldView) pickerView {
	kind := name
	switch name {
	case "approver_groups":
		kind = policy.KindGroups
	case "approver_users":
		kind = policy.KindUsers
	case "escalation_groups", "notify_groups":
		kind = policy.KindGroups
	}
	return pickerView{Name: name, Kind: kind, Label: label, Hint: hint, Value: value, F: f}
}
