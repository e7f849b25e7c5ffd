package teamimport

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
)

const sampleDir = "testdata/team"

func testDir(t *testing.T) access.Directory {
	t.Helper()
	d, err := ReadDirectory("testdata/directory.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// validate feeds the YAML to what `elevate policy plan -f` runs on the
// server: Parse, then the engine's problems against the directory, then the
// plan from an empty policy. It returns the parsed document and the engine.
func validate(t *testing.T, yamlDoc []byte, dir access.Directory) (policy.Document, *policy.Engine) {
	t.Helper()
	src, err := policy.Parse(yamlDoc)
	if err != nil {
		t.Fatalf("policy.Parse: %v\n%s", err, yamlDoc)
	}
	e := policy.New(src.Doc, policy.NewIndex(dir))
	if ps := src.Locate(e.Problems()); len(ps) > 0 {
		t.Fatalf("the imported document has problems: %v\n%s", ps, yamlDoc)
	}
	plan := policy.Plan(policy.Document{}, src.Doc)
	if added := strings.Count(policy.FormatPlan(plan), " added"); added != len(src.Doc.Rules)+len(src.Doc.ApproverRules) {
		t.Errorf("plan adds %d rules and approver rules, want %d:\n%s", added, len(src.Doc.Rules)+len(src.Doc.ApproverRules), policy.FormatPlan(plan))
	}
	return src.Doc.Normalize(), e
}

// find returns the element of list called name.
func find[T any](t *testing.T, list []T, nameOf func(T) string, name string) T {
	t.Helper()
	for _, r := range list {
		if nameOf(r) == name {
			return r
		}
	}
	t.Fatalf("no %s in %+v", name, list)
	return *new(T)
}

func findRule(t *testing.T, doc policy.Document, name string) policy.Rule {
	t.Helper()
	return find(t, doc.Rules, func(r policy.Rule) string { return r.Name }, name)
}

func findApproverRule(t *testing.T, doc policy.Document, name string) policy.ApproverRule {
	t.Helper()
	return find(t, doc.ApproverRules, func(r policy.ApproverRule) string { return r.Name }, name)
}

// TestImportSample imports the sample export of every TEAM table (the
// directory holds a requests scan too, which is skipped) and checks the
// document, what was not imported, the notes, and the decisions the
// policy engine takes with it.
func TestImportSample(t *testing.T) {
	scans, skipped, err := ReadPaths([]string{sampleDir})
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], "requests-abc123-main.json") {
		t.Errorf("skipped = %v, want the requests scan", skipped)
	}
	dir := testDir(t)
	res, err := Import(scans, dir, policy.Settings{AdminsGroup: "elevate-admins"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Summary(), "4 rules, 4 approver rules; 11 items not imported"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	one := Result{NotImported: res.NotImported[:1]}
	one.Document.Rules, one.Document.ApproverRules = res.Document.Rules[:1], res.Document.ApproverRules[:1]
	if got, want := one.Summary(), "1 rule, 1 approver rule; 1 item not imported"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	out, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	doc, e := validate(t, out, dir)
	if strings.Contains(string(out), "xoxb") {
		t.Errorf("the document shows TEAM's Slack token:\n%s", out)
	}

	// Settings: the base's own kept, TEAM's expiry read, the ceiling raised
	// to the longest policy (12h, over TEAM's 9h).
	if s := doc.Settings; s.AdminsGroup != "elevate-admins" || s.ApprovalTimeout != 2*time.Hour || s.MaxDuration != 12*time.Hour {
		t.Errorf("settings = %+v", s)
	}
	oncall := findRule(t, doc, "team-group-platform-oncall")
	if !slices.Equal(oncall.Groups, []string{"platform-oncall"}) || !slices.Equal(oncall.Accounts, []string{"payments-prod"}) ||
		!slices.Equal(oncall.OUs, []string{"Sandbox"}) || oncall.NestedOUs || !slices.Equal(oncall.PermissionSets, []string{"AdministratorAccess"}) ||
		oncall.MaxDuration != 4*time.Hour || oncall.Approvals != 1 || oncall.TicketRequired {
		t.Errorf("group rule = %+v", oncall)
	}
	alice := findRule(t, doc, "team-user-alice")
	if !slices.Equal(alice.Users, []string{"alice"}) || !slices.Equal(alice.PermissionSets, []string{"ReadOnlyAccess"}) ||
		alice.Approvals != 0 || !alice.TicketRequired || alice.MaxDuration != time.Hour {
		t.Errorf("user rule = %+v", alice)
	}
	// "tools" names two accounts: the rule names carol's by id.
	if carol := findRule(t, doc, "team-user-carol"); !slices.Equal(carol.Accounts, []string{"555555555555"}) {
		t.Errorf("carol's rule = %+v, want the account by id", carol)
	}
	if ar := findApproverRule(t, doc, "team-approvers-account-payments-prod"); !slices.Equal(ar.Groups, []string{"sre-leads", "team-leads"}) {
		t.Errorf("account approver rule = %+v, want its groups and its parent OU's", ar)
	}
	if ar := findApproverRule(t, doc, "team-approvers-ou-sandbox"); !slices.Equal(ar.OUs, []string{"Sandbox"}) || ar.NestedOUs || !slices.Equal(ar.Groups, []string{"team-leads"}) {
		t.Errorf("OU approver rule = %+v", ar)
	}

	for _, want := range []string{
		`eligibility policy for group "old-team" (g-gone): group g-gone is not in the synced directory`,
		`account "closed-account" (999999999999): not in the organization`,
		`permission set "PowerUserAccess" (arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-power-old): no permission set has this ARN`,
		`attribute requireMFA: elevate has no equivalent`,
		`approver group old-approvers (g-gone): not in the synced directory`,
		`approver policy for account "closed-account" (999999999999): account 999999999999 is not in the organization`,
		`approver policy for account "billing-prod" (210987654321): ticket required`,
		`settings: approver comments required`,
		`attribute slackToken: a secret, neither imported nor shown`,
	} {
		if !slices.ContainsFunc(res.NotImported, func(n NotImported) bool { return strings.Contains(n.String(), want) }) {
			t.Errorf("not imported lacks %q:\n%v", want, res.NotImported)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("the document's comments lack %q", want)
		}
	}
	for _, want := range []string{"max_duration is raised from 9h0m0s to 12h0m0s", "rules team-user-alice (no approval, up to 1h) and team-group-engineers (approval, up to 12h)",
		"team-approvers-account-payments-prod also names the approver groups of the parent OU Prod"} {
		if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes lack %q: %v", want, res.Notes)
		}
	}

	// The decisions elevate takes with the document are TEAM's.
	for _, c := range []struct {
		user, account, set string
		allowed            bool
		rule               string
		approvers          []string
		max                time.Duration
		ticket             bool
	}{
		// An OU covers the accounts directly in it, not those of its child OUs.
		{"alice", "sandbox-a", "AdministratorAccess", true, "team-group-platform-oncall", []string{"carol"}, 4 * time.Hour, false},
		{"alice", "sandbox-deep", "AdministratorAccess", false, "", nil, 0, false},
		// The account's approvers and its parent OU's, united.
		{"alice", "payments-prod", "AdministratorAccess", true, "team-group-platform-oncall", []string{"bob", "carol"}, 4 * time.Hour, false},
		{"bob", "payments-prod", "ReadOnlyAccess", true, "team-group-engineers", []string{"carol"}, 12 * time.Hour, false},
		{"alice", "billing-prod", "ReadOnlyAccess", true, "team-user-alice", nil, time.Hour, true},
		{"carol", "555555555555", "PowerUserAccess", true, "team-user-carol", nil, 8 * time.Hour, false},
		{"carol", "666666666666", "PowerUserAccess", false, "", nil, 0, false},
		{"bob", "payments-prod", "AdministratorAccess", false, "", nil, 0, false}, // only old-team's policy, whose group is gone
	} {
		d := e.Decide(policy.Question{User: c.user, Account: c.account, PermissionSet: c.set})
		var approvers []string
		for _, a := range d.Approvers {
			approvers = append(approvers, a.UserName)
		}
		slices.Sort(approvers)
		if d.Allowed != c.allowed || d.Rule != c.rule || !slices.Equal(approvers, c.approvers) || d.MaxDuration != c.max || d.TicketRequired != c.ticket {
			t.Errorf("%s on %s with %s: allowed %v rule %q approvers %v max %s ticket %v (%s); want %v %q %v %s %v",
				c.user, c.account, c.set, d.Allowed, d.Rule, approvers, d.MaxDuration, d.TicketRequired, d.Reason, c.allowed, c.rule, c.approvers, c.max, c.ticket)
		}
	}
}

// item builds the DynamoDB JSON of one Eligibility or Approvers item from
// attribute JSON written by hand.
func scanOf(items ...string) string {
	return `{"Items":[` + strings.Join(items, ",") + `],"Count":` + string(rune('0'+len(items))) + `}`
}

func eligibilityItem(id, typ, extra string) string {
	return `{"id":{"S":"` + id + `"},"name":{"S":"x"},"type":{"S":"` + typ + `"},` + extra + `}`
}

const (
	adminPS   = `"permissions":{"L":[{"M":{"name":{"S":"AdministratorAccess"},"id":{"S":"arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-admin"}}}]}`
	prodAcct  = `"accounts":{"L":[{"M":{"name":{"S":"payments-prod"},"id":{"S":"123456789012"}}}]}`
	prodOU    = `"ous":{"L":[{"M":{"name":{"S":"Prod"},"id":{"S":"ou-prod-11111111"}}}]}`
	approval  = `"approvalRequired":{"BOOL":true}`
	noApprove = `"approvalRequired":{"BOOL":false}`
)

// TestImportCases imports one or two items at a time and checks the rule or
// approver rule each becomes, or what is listed as not imported.
func TestImportCases(t *testing.T) {
	dir := testDir(t)
	for _, c := range []struct {
		name      string
		table     string // scan content
		rule      *policy.Rule
		approver  *policy.ApproverRule
		skipped   string // substring of the one entry not imported
		ceilingAt time.Duration
	}{
		{name: "user policy, approval off, ticket",
			table: scanOf(eligibilityItem("u-bob", "User", prodAcct+","+adminPS+","+noApprove+`,"duration":{"S":"2"},"ticketNo":{"S":"true"}`)),
			rule: &policy.Rule{Name: "team-user-bob", Users: []string{"bob"}, Accounts: []string{"payments-prod"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 2 * time.Hour, TicketRequired: true}},
		{name: "group policy on an OU, approval on",
			table: scanOf(eligibilityItem("g-eng", "Group", prodOU+","+adminPS+","+approval+`,"duration":{"S":"8"},"ticketNo":{"S":""}`)),
			rule: &policy.Rule{Name: "team-group-engineers", Groups: []string{"engineers"}, OUs: []string{"Prod"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 8 * time.Hour, Approvals: 1}},
		{name: "a long duration raises the ceiling",
			table: scanOf(eligibilityItem("g-eng", "Group", prodOU+","+adminPS+","+approval+`,"duration":{"S":"720"}`)),
			rule: &policy.Rule{Name: "team-group-engineers", Groups: []string{"engineers"}, OUs: []string{"Prod"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 720 * time.Hour, Approvals: 1}, ceilingAt: 720 * time.Hour},
		{name: "deleted group",
			table:   scanOf(eligibilityItem("g-deleted", "Group", prodAcct+","+adminPS+","+approval+`,"duration":{"S":"1"}`)),
			skipped: "eligibility policy for group \"x\" (g-deleted): group g-deleted is not in the synced directory"},
		{name: "only unknown permission sets",
			table:   scanOf(eligibilityItem("g-eng", "Group", prodAcct+`,"permissions":{"L":[{"M":{"name":{"S":"Gone"},"id":{"S":"arn:aws:sso:::permissionSet/ssoins-1/ps-gone"}}}]},`+approval+`,"duration":{"S":"1"}`)),
			skipped: "none of its permission sets is in the directory"},
		{name: "no scope left",
			table:   scanOf(eligibilityItem("g-eng", "Group", `"accounts":{"L":[]},"ous":{"L":[]},`+adminPS+","+approval+`,"duration":{"S":"1"}`)),
			skipped: "no account or OU of it is in the organization"},
		{name: "approver policy for an account",
			table:    scanOf(`{"id":{"S":"333333333333"},"name":{"S":"sandbox-a"},"type":{"S":"Account"},"approvers":{"L":[{"S":"sre-leads"}]},"groupIds":{"L":[{"S":"g-sre"}]},"ticketNo":{"S":""}}`),
			approver: &policy.ApproverRule{Name: "team-approvers-account-sandbox-a", Accounts: []string{"sandbox-a"}, Groups: []string{"sre-leads"}, Approvals: 1}},
		{name: "approver policy for an OU",
			table:    scanOf(`{"id":{"S":"ou-expt-11111111"},"name":{"S":"Experiments"},"type":{"S":"OU"},"approvers":{"L":[{"S":"team-leads"}]},"groupIds":{"L":[{"S":"g-leads"}]}}`),
			approver: &policy.ApproverRule{Name: "team-approvers-ou-experiments", OUs: []string{"Experiments"}, Groups: []string{"team-leads"}, Approvals: 1}},
		{name: "approver policy whose only group is deleted",
			table:   scanOf(`{"id":{"S":"ou-prod-11111111"},"name":{"S":"Prod"},"type":{"S":"OU"},"approvers":{"L":[{"S":"gone"}]},"groupIds":{"L":[{"S":"g-gone"}]}}`),
			skipped: "approver group gone (g-gone): not in the synced directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, err := ParseScan("scan.json", []byte(c.table))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import([]Scan{sc}, dir, policy.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := res.YAML()
			if err != nil {
				t.Fatal(err)
			}
			doc, _ := validate(t, out, dir)
			if c.rule != nil {
				got := findRule(t, doc, c.rule.Name)
				got.Description = ""
				want := policy.Document{Rules: []policy.Rule{*c.rule}}.Normalize().Rules[0]
				if !equalRules(got, want) {
					t.Errorf("rule = %+v\nwant   %+v", got, want)
				}
			}
			if c.approver != nil {
				got := findApproverRule(t, doc, c.approver.Name)
				want := policy.Document{ApproverRules: []policy.ApproverRule{*c.approver}}.Normalize().ApproverRules[0]
				if len(policy.Plan(policy.Document{ApproverRules: []policy.ApproverRule{got}}, policy.Document{ApproverRules: []policy.ApproverRule{want}})) != 0 {
					t.Errorf("approver rule = %+v\nwant %+v", got, want)
				}
			}
			if c.ceilingAt != 0 && doc.Settings.MaxDuration != c.ceilingAt {
				t.Errorf("settings.max_duration = %s, want %s", doc.Settings.MaxDuration, c.ceilingAt)
			}
			switch {
			case c.skipped == "" && len(res.NotImported) > 0:
				t.Errorf("not imported: %v", res.NotImported)
			case c.skipped != "" && (len(res.NotImported) == 0 || !slices.ContainsFunc(res.NotImported, func(n NotImported) bool { return strings.Contains(n.String(), c.skipped) })):
				t.Errorf("not imported = %v, want one with %q", res.NotImported, c.skipped)
			}
		})
	}
}

// equalRules compares two normalized rules field by field, through the
// plan's difference so that a failure names the field.
func equalRules(a, b policy.Rule) bool {
	return len(policy.Plan(policy.Document{Rules: []policy.Rule{a}}, policy.Document{Rules: []policy.Rule{b}})) == 0
}

// TestGlobalApprovalOff: with TEAM's global approval switch off no request
// needed approval, so no imported rule asks for one, and a note says so.
func TestGlobalApprovalOff(t *testing.T) {
	dir := testDir(t)
	elig, err := ParseScan("e.json", []byte(scanOf(eligibilityItem("g-eng", "Group", prodOU+","+adminPS+","+approval+`,"duration":{"S":"3"}`))))
	if err != nil {
		t.Fatal(err)
	}
	set, err := ParseScan("s.json", []byte(scanOf(`{"id":{"S":"TeamSetting"},"approval":{"BOOL":false},"ticketNo":{"BOOL":true},"expiry":{"S":"1"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import([]Scan{elig, set}, dir, policy.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Document.Rules[0]; r.Approvals != 0 || !res.Document.Settings.TicketRequired || res.Document.Settings.ApprovalTimeout != time.Hour {
		t.Errorf("rule %+v, settings %+v", r, res.Document.Settings)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "global approval switch is off") {
		t.Errorf("notes = %v", res.Notes)
	}
}

// TestTableFromShape: the table of a scan is told from its items, not the
// file's name.
func TestTableFromShape(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sampleDir, "Approvers-abc123-main.json"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScan("Eligibility-misnamed.json", data)
	if err != nil || sc.Table != Approvers || len(sc.Items) != 5 {
		t.Fatalf("table %q, %d items, %v; want Approvers", sc.Table, len(sc.Items), err)
	}
	// Without Amplify's __typename the attributes tell.
	sc, err = ParseScan("x.json", []byte(scanOf(eligibilityItem("g-eng", "Group", adminPS))))
	if err != nil || sc.Table != Eligibility {
		t.Fatalf("table %q, %v; want Eligibility", sc.Table, err)
	}
	sc, err = ParseScan("empty.json", []byte(`{"Items":[],"Count":0,"ScannedCount":0}`))
	if err != nil || sc.Table != "" {
		t.Fatalf("empty scan: table %q, %v", sc.Table, err)
	}
}

// TestBadInput: bad files and items are errors that name the file and the
// item, and what is wrong.
func TestBadInput(t *testing.T) {
	good := eligibilityItem("g-eng", "Group", prodAcct+","+adminPS+","+approval+`,"duration":{"S":"4"}`)
	for _, c := range []struct {
		name, data string
		want       []string
	}{
		{"not JSON", "Items: [", []string{"bad.json", "not the JSON of `aws dynamodb scan --output json`"}},
		{"no Items", `{"Count":0}`, []string{"bad.json", `no "Items"`}},
		{"partial scan", `{"Items":[],"NextToken":"abc"}`, []string{"bad.json", "partial scan"}},
		{"untyped attribute", `{"Items":[{"id":"g-eng"}]}`, []string{"bad.json: item 1", `attribute "id"`, "not a DynamoDB typed value"}},
		{"requests table", `{"Items":[{"id":{"S":"r1"},"status":{"S":"ended"},"__typename":{"S":"requests"}}]}`,
			[]string{"bad.json: item 1 (id r1)", `__typename "requests"`, "not a scan of TEAM's Eligibility, Approvers or Settings table"}},
		{"unknown shape", `{"Items":[{"id":{"S":"r1"},"email":{"S":"a@example.com"}}]}`,
			[]string{"bad.json: item 1 (id r1)", "email, id", "not a scan of TEAM's"}},
		{"two tables in one file", scanOf(good, `{"id":{"S":"ou-prod-11111111"},"type":{"S":"OU"},"groupIds":{"L":[]}}`),
			[]string{"bad.json: item 2 (id ou-prod-11111111)", "an Approvers item in a scan whose first item", "is an Eligibility item"}},
		{"missing duration", scanOf(good, eligibilityItem("u-bob", "User", prodAcct+","+adminPS+","+approval)),
			[]string{"bad.json: item 2 (id u-bob)", "duration: missing"}},
		{"missing permissions", scanOf(eligibilityItem("u-bob", "User", prodAcct+","+approval+`,"duration":{"S":"4"}`)),
			[]string{"bad.json: item 1 (id u-bob)", "permissions: missing"}},
		{"missing id", scanOf(`{"type":{"S":"User"},` + adminPS + "," + approval + `,"duration":{"S":"4"}}`),
			[]string{"bad.json: item 1", "id: missing"}},
		{"bad duration", scanOf(eligibilityItem("u-bob", "User", prodAcct+","+adminPS+","+approval+`,"duration":{"S":"four"}`)),
			[]string{"bad.json: item 1 (id u-bob)", `duration: "four": want a whole number of hours`}},
		{"bad type", scanOf(`{"id":{"S":"x"},"type":{"S":"Role"},` + adminPS + `}`),
			[]string{"bad.json: item 1 (id x)", `type: "Role": an Eligibility item is for a User or Group`}},
		{"permission without id", scanOf(eligibilityItem("u-bob", "User", `"permissions":{"L":[{"M":{"name":{"S":"Admin"}}}]},`+approval+`,"duration":{"S":"4"}`)),
			[]string{"bad.json: item 1 (id u-bob)", "permissions[0]: no id"}},
		{"approver without groupIds", scanOf(`{"id":{"S":"123456789012"},"type":{"S":"Account"},"approvers":{"L":[{"S":"sre-leads"}]}}`),
			[]string{"bad.json: item 1 (id 123456789012)", "groupIds: missing"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(path, []byte(c.data), 0o600); err != nil {
				t.Fatal(err)
			}
			scans, _, err := ReadPaths([]string{path})
			if err == nil {
				_, err = Import(scans, testDir(t), policy.Settings{})
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
