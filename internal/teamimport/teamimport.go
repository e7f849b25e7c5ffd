// Package teamimport turns the policies of AWS's open-source TEAM sample
// (Temporary Elevated Access Management) into an elevate policy document.
//
// Its input is TEAM's Eligibility and Approvers DynamoDB tables (and,
// optionally, its Settings table) as `aws dynamodb scan --output json`
// writes them, and the directory elevate synced from Identity Center, which
// turns TEAM's ids into the names a policy document uses. It is pure: no
// database and no AWS. Whatever does not map (a policy naming a deleted
// group, an unknown permission set, a TEAM feature elevate lacks) is listed
// with the reason, never dropped silently.
package teamimport

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
)

// NotImported is a TEAM item, or a part of one, that the document does not
// carry, and why.
type NotImported struct {
	Where  string `json:"where"`  // file and item
	What   string `json:"what"`   // the policy or the part of it
	Reason string `json:"reason"` // why it does not map
}

func (n NotImported) String() string {
	return fmt.Sprintf("%s: %s: %s", n.Where, n.What, n.Reason)
}

// Result is an import: the document, what was left out and why, and notes
// on where elevate will behave differently from TEAM with it.
type Result struct {
	Document    policy.Document
	Sources     []string // the scan files, with their tables
	NotImported []NotImported
	Notes       []string
}

// Summary is the one line an operator reads first.
func (r Result) Summary() string {
	return fmt.Sprintf("%s, %s; %s not imported", access.Plural(len(r.Document.Rules), "rule", ""),
		access.Plural(len(r.Document.ApproverRules), "approver rule", ""), access.Plural(len(r.NotImported), "item", ""))
}

// Import builds the policy document from TEAM's scans. base is the settings
// to start from (the policy in effect), so that applying the document does
// not change elevate's own settings such as the admins group; TEAM's
// Settings table, when given, and the rules' durations adjust it. An error
// means bad input: a file that is not what it should be, or an item that
// lacks a field TEAM always writes.
func Import(scans []Scan, dir access.Directory, base policy.Settings) (Result, error) {
	im := &importer{dir: newNames(dir), ruleNames: map[string]bool{}}
	im.res.Document.Settings = base.WithDefaults()
	// Files are read in the order of their names, whatever the order they
	// were given in, so that two runs give the same document and lists.
	scans = slices.Clone(scans)
	slices.SortStableFunc(scans, func(a, b Scan) int { return cmp.Compare(a.File, b.File) })
	var settings []Item
	for _, sc := range scans {
		if sc.Table == "" {
			im.res.Sources = append(im.res.Sources, sc.File+" (empty)")
			continue
		}
		im.res.Sources = append(im.res.Sources, fmt.Sprintf("%s (%s, %d items)", sc.File, sc.Table, len(sc.Items)))
		for _, it := range sc.Items {
			var err error
			switch sc.Table {
			case Eligibility:
				err = im.eligibility(it)
			case Approvers:
				err = im.approver(it)
			case Settings:
				settings = append(settings, it)
			}
			if err != nil {
				return Result{}, err
			}
		}
	}
	if len(settings) > 1 {
		return Result{}, fmt.Errorf("%s: a second Settings item (the first is %s): TEAM keeps one", settings[1].Where(), settings[0].Where())
	}
	if len(settings) == 1 {
		if err := im.settings(settings[0]); err != nil {
			return Result{}, err
		}
	}
	im.finish()
	doc := &im.res.Document
	if ps := policy.New(*doc, policy.NewIndex(dir)).Problems(); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.String()
		}
		return Result{}, fmt.Errorf("the imported document does not validate against the directory:\n  %s", strings.Join(msgs, "\n  "))
	}
	return im.res, nil
}

type importer struct {
	dir       *names
	res       Result
	ruleNames map[string]bool // lower-cased names taken by rules and approver rules
	// ouApprovers are the imported OU approver items by OU id, and
	// acctApprovers the account ones by account id, for the merge of an
	// account's approvers with its parent OU's.
	ouApprovers   map[string]*approverItem
	acctApprovers []*approverItem
	maxHours      int  // the longest imported rule
	approvalOff   bool // TEAM's global approval switch is off
	// eligible records, per rule, which TEAM item it came from, for notes.
	eligible []eligibleRule
}

type approverItem struct {
	index  int    // in Document.ApproverRules
	id     string // account or OU id
	groups []string
}

// eligibleRule is what an imported rule covers, by directory id, for
// finding the rules whose combination elevate decides unlike TEAM.
type eligibleRule struct {
	index    int             // in Document.Rules
	users    map[string]bool // user ids, group members included
	accounts map[string]bool // account ids, the OUs' direct accounts included
	sets     map[string]bool // permission set ARNs
}

func (im *importer) skip(it Item, what, format string, args ...any) {
	im.res.NotImported = append(im.res.NotImported, NotImported{Where: it.Where(), What: what, Reason: fmt.Sprintf(format, args...)})
}

// notImportedAttrs lists the attributes of an item that the import does not
// read. Their values are not shown: they may be secrets.
func (im *importer) notImportedAttrs(it Item, what string, known []string, reason func(attr string) string) {
	for _, a := range attrNames(it.Attrs) {
		if !slices.Contains(known, a) {
			im.skip(it, fmt.Sprintf("%s: attribute %s", what, a), "%s", reason(a))
		}
	}
}

// bookkeeping attributes Amplify and TEAM add to every item; they carry no
// policy.
var bookkeeping = []string{"id", "name", "type", "createdAt", "updatedAt", "__typename", "modifiedBy", "_version", "_lastChangedAt", "_deleted"}

func noEquivalent(string) string {
	return "elevate has no equivalent; the attribute is not one TEAM's policies are known to have"
}

// eligibility turns one Eligibility item into a rule.
func (im *importer) eligibility(it Item) error {
	rd := reader{it: it}
	id, typ, teamName := rd.header(Eligibility, "User", "Group")
	accounts, ous, perms := rd.refs("accounts", false), rd.refs("ous", false), rd.refs("permissions", true)
	hours, approval, ticket := rd.hours("duration", true), rd.boolean("approvalRequired", true), rd.boolean("ticketNo", false)
	if rd.err != nil {
		return rd.err
	}
	what := fmt.Sprintf("eligibility policy for %s %s", strings.ToLower(typ), orID(teamName, id))
	im.notImportedAttrs(it, what, append([]string{"accounts", "ous", "permissions", "duration", "approvalRequired", "ticketNo"}, bookkeeping...), noEquivalent)

	r := policy.Rule{MaxDuration: time.Duration(hours) * time.Hour, TicketRequired: ticket}
	if approval {
		r.Approvals = 1
	}
	cover := eligibleRule{users: map[string]bool{}, accounts: map[string]bool{}, sets: map[string]bool{}}
	var subject string
	if typ == "User" {
		u, ok := im.dir.users[id]
		if !ok {
			im.skip(it, what, "user %s is not in the synced directory (deleted from Identity Center, or not synced yet)", id)
			return nil
		}
		subject = u.UserName
		r.Users = []string{im.dir.userRef(u)}
		cover.users[id] = true
	} else {
		g, ok := im.dir.groups[id]
		if !ok {
			im.skip(it, what, "group %s is not in the synced directory (deleted from Identity Center, or not synced yet)", id)
			return nil
		}
		subject = g.Name
		r.Groups = []string{im.dir.groupRef(g)}
		for _, u := range im.dir.members[id] {
			cover.users[u] = true
		}
	}
	for _, a := range accounts {
		if acct, ok := im.dir.accounts[a.ID]; ok {
			r.Accounts = append(r.Accounts, im.dir.accountRef(acct))
			cover.accounts[a.ID] = true
		} else {
			im.skip(it, fmt.Sprintf("%s: account %s", what, orID(a.Name, a.ID)), "not in the organization as last synced (closed or moved out?)")
		}
	}
	for _, o := range ous {
		if ou, ok := im.dir.ous[o.ID]; ok {
			r.OUs = append(r.OUs, im.dir.ouRef(ou))
			for _, a := range im.dir.direct[o.ID] {
				cover.accounts[a] = true
			}
		} else {
			im.skip(it, fmt.Sprintf("%s: OU %s", what, orID(o.Name, o.ID)), "not in the organization as last synced (deleted?)")
		}
	}
	for _, p := range perms {
		if ps, ok := im.dir.sets[p.ID]; ok {
			r.PermissionSets = append(r.PermissionSets, im.dir.setRef(ps))
			cover.sets[p.ID] = true
			continue
		}
		reason := "no permission set has this ARN in the synced directory (deleted?)"
		if same, ok := im.dir.setsByName[strings.ToLower(p.Name)]; ok && p.Name != "" {
			reason += fmt.Sprintf("; a permission set named %s exists with ARN %s: add it by hand if it is the same one recreated", same.Name, same.ARN)
		}
		im.skip(it, fmt.Sprintf("%s: permission set %s", what, orID(p.Name, p.ID)), "%s", reason)
	}
	switch {
	case len(r.Accounts) == 0 && len(r.OUs) == 0:
		im.skip(it, what, "no account or OU of it is in the organization: a rule needs a scope")
		return nil
	case len(r.PermissionSets) == 0:
		im.skip(it, what, "none of its permission sets is in the directory: a rule needs one")
		return nil
	}
	r.Name = im.uniqueName("team-" + strings.ToLower(typ) + "-" + slug(subject, id))
	r.Description = fmt.Sprintf("TEAM eligibility policy for %s %s (%s)%s", strings.ToLower(typ), subject, id, modified(it))
	im.maxHours = max(im.maxHours, hours)
	cover.index = len(im.res.Document.Rules)
	im.eligible = append(im.eligible, cover)
	im.res.Document.Rules = append(im.res.Document.Rules, r)
	return nil
}

// approver turns one Approvers item into an approver rule.
func (im *importer) approver(it Item) error {
	rd := reader{it: it}
	id, typ, teamName := rd.header(Approvers, "Account", "OU")
	groupIDs, groupNames, ticket := rd.strList("groupIds", true), rd.strList("approvers", false), rd.boolean("ticketNo", false)
	if rd.err != nil {
		return rd.err
	}
	what := fmt.Sprintf("approver policy for %s %s", map[string]string{"Account": "account", "OU": "OU"}[typ], orID(teamName, id))
	im.notImportedAttrs(it, what, append([]string{"groupIds", "approvers", "ticketNo"}, bookkeeping...), noEquivalent)
	if ticket {
		im.skip(it, what+": ticket required", "elevate's approver rules cannot require a ticket: set ticket_required on the rules that cover %s", orID(teamName, id))
	}
	ar := policy.ApproverRule{Approvals: 1}
	var scopeName string
	if typ == "Account" {
		acct, ok := im.dir.accounts[id]
		if !ok {
			im.skip(it, what, "account %s is not in the organization as last synced (closed or moved out?)", id)
			return nil
		}
		scopeName = "account-" + slug(acct.Name, id)
		ar.Accounts = []string{im.dir.accountRef(acct)}
	} else {
		ou, ok := im.dir.ous[id]
		if !ok {
			im.skip(it, what, "OU %s is not in the organization as last synced (deleted?)", id)
			return nil
		}
		scopeName = "ou-" + slug(ou.Name, id)
		ar.OUs = []string{im.dir.ouRef(ou)}
	}
	for i, gid := range groupIDs {
		if g, ok := im.dir.groups[gid]; ok {
			ar.Groups = append(ar.Groups, im.dir.groupRef(g))
			continue
		}
		name := gid
		if i < len(groupNames) && groupNames[i] != "" {
			name = fmt.Sprintf("%s (%s)", groupNames[i], gid)
		}
		im.skip(it, fmt.Sprintf("%s: approver group %s", what, name), "not in the synced directory (deleted from Identity Center?)")
	}
	if len(ar.Groups) == 0 {
		im.skip(it, what, "none of its approver groups is in the directory: requests that need approval there would find no approver")
		return nil
	}
	ar.Name = im.uniqueName("team-approvers-" + scopeName)
	a := &approverItem{index: len(im.res.Document.ApproverRules), id: id, groups: slices.Clone(ar.Groups)}
	im.res.Document.ApproverRules = append(im.res.Document.ApproverRules, ar)
	if typ == "OU" {
		if im.ouApprovers == nil {
			im.ouApprovers = map[string]*approverItem{}
		}
		im.ouApprovers[id] = a
	} else {
		im.acctApprovers = append(im.acctApprovers, a)
	}
	return nil
}

// settings reads TEAM's Settings item into the document's settings.
func (im *importer) settings(it Item) error {
	rd := reader{it: it}
	hours, expiry := rd.hours("duration", false), rd.hours("expiry", false)
	ticket, comments, approval := rd.boolean("ticketNo", false), rd.boolean("comments", false), rd.boolean("approval", false)
	if rd.err != nil {
		return rd.err
	}
	s := &im.res.Document.Settings
	if _, ok := it.Attrs["approval"]; ok {
		im.approvalOff = !approval
	}
	if hours > 0 {
		s.MaxDuration = time.Duration(hours) * time.Hour
	}
	if expiry > 0 {
		s.ApprovalTimeout = time.Duration(expiry) * time.Hour
	}
	s.TicketRequired = s.TicketRequired || ticket
	if comments {
		im.skip(it, "settings: approver comments required", "elevate does not require a comment to approve")
	}
	im.notImportedAttrs(it, "settings", []string{"id", "createdAt", "updatedAt", "__typename", "modifiedBy", "duration", "expiry", "ticketNo", "comments", "approval"},
		func(a string) string {
			switch {
			case a == "slackToken":
				return "a secret, neither imported nor shown: configure elevate's Slack app in its configuration file"
			case strings.Contains(strings.ToLower(a), "notification") || strings.Contains(strings.ToLower(a), "slack") || strings.Contains(strings.ToLower(a), "ses") || strings.Contains(strings.ToLower(a), "sns"):
				return "notifications are configured in elevate's configuration file (notify section), not in the policy"
			}
			return "elevate has no equivalent setting"
		})
	return nil
}

// finish applies what needs every item: the approvers of an account united
// with its parent OU's, TEAM's global approval switch, a ceiling that no
// imported rule exceeds, and the order of the rules.
func (im *importer) finish() {
	doc := &im.res.Document
	// TEAM's approvers for an account are the groups of the account's item
	// together with those of its immediate parent OU's item. elevate uses
	// the most specific level alone, so the account's rule gets both.
	for _, a := range im.acctApprovers {
		parent := im.dir.accounts[a.id].ParentID
		ou, ok := im.ouApprovers[parent]
		if !ok {
			continue
		}
		r := &doc.ApproverRules[a.index]
		for _, g := range ou.groups {
			if !slices.Contains(r.Groups, g) {
				r.Groups = append(r.Groups, g)
			}
		}
		im.res.Notes = append(im.res.Notes, fmt.Sprintf("approver rule %s also names the approver groups of the parent OU %s (%s), which TEAM adds to an account's approvers; if the account moves to another OU, change them by hand", r.Name, im.dir.ous[parent].Name, strings.Join(ou.groups, ", ")))
	}
	if im.approvalOff {
		n := 0
		for i := range doc.Rules {
			if doc.Rules[i].Approvals > 0 {
				doc.Rules[i].Approvals = 0
				n++
			}
		}
		im.res.Notes = append(im.res.Notes, fmt.Sprintf("TEAM's global approval switch is off: no request needed approval, so the %d rule(s) whose policy asked for approval have approvals: 0; set approvals: 1 on those that should need it", n))
	}
	if ceiling := time.Duration(im.maxHours) * time.Hour; ceiling > doc.Settings.MaxDuration {
		im.res.Notes = append(im.res.Notes, fmt.Sprintf("settings.max_duration is raised from %s to %s, the longest TEAM policy, so that no imported rule is cut short", doc.Settings.MaxDuration, ceiling))
		doc.Settings.MaxDuration = ceiling
	}
	if doc.Settings.MinDuration > doc.Settings.MaxDuration {
		doc.Settings.MinDuration = doc.Settings.MaxDuration
	}
	im.res.Notes = append(im.res.Notes, im.combinationNotes()...)
	slices.SortFunc(doc.Rules, func(a, b policy.Rule) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(doc.ApproverRules, func(a, b policy.ApproverRule) int { return cmp.Compare(a.Name, b.Name) })
}

// uniqueName returns name, or name-2, name-3, ... when it is taken by a
// rule or an approver rule already.
func (im *importer) uniqueName(name string) string {
	out := name
	for n := 2; im.ruleNames[strings.ToLower(out)]; n++ {
		out = fmt.Sprintf("%s-%d", name, n)
	}
	im.ruleNames[strings.ToLower(out)] = true
	return out
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a readable part of a rule name from a directory name, or
// from the id when the name has nothing readable.
func slug(name, id string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if s == "" {
		s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(id), "-"), "-")
	}
	return s
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%q (%s)", name, id)
}

func modified(it Item) string {
	by, _ := it.Attrs["modifiedBy"].(string)
	at, _ := it.Attrs["updatedAt"].(string)
	switch {
	case by != "" && at != "":
		return fmt.Sprintf(", last changed by %s at %s", by, at)
	case by != "":
		return ", last changed by " + by
	}
	return ""
}
