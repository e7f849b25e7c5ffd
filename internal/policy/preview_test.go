package policy

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestPreview(t *testing.T) {
	t.Parallel()
	x := NewIndex(testDirectory())
	tests := []struct {
		name  string
		rules []Rule
		// want per rule: users, groups, accounts, permission sets
		reach            [][4]int
		users, offers    int
		breakGlassOffers int
		sampleUsers      []string // of the first rule
		firstOffer       Offer
	}{
		{
			name:  "a group on one account",
			rules: []Rule{{Name: "eng-prod", Groups: []string{"engineers"}, Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"}}},
			reach: [][4]int{{3, 1, 1, 1}},
			users: 3, offers: 3,
			sampleUsers: []string{"alice", "gina", "ivan"},
			firstOffer:  Offer{User: "alice", Account: "prod", AccountID: "111111111111", PermissionSet: "ReadOnlyAccess", Rule: "eng-prod"},
		},
		{
			name: "a disabled member and a named user are counted once each; suspended accounts are not",
			rules: []Rule{{Name: "appr-dev-ou", Groups: []string{"approvers"}, Users: []string{"bob", "dave"}, OUs: []string{"Dev"},
				PermissionSets: []string{"ReadOnlyAccess", "Billing"}}},
			reach: [][4]int{{3, 1, 1, 2}}, // bob, carol, dave (frank is disabled); dev (old is suspended)
			users: 3, offers: 6,
			sampleUsers: []string{"bob", "carol", "dave"},
			firstOffer:  Offer{User: "bob", Account: "dev", AccountID: "333333333333", PermissionSet: "Billing", Rule: "appr-dev-ou"},
		},
		{
			name: "overlapping rules offer each pair once; break-glass apart",
			rules: []Rule{
				{Name: "a", Users: []string{"alice"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}},
				{Name: "b", Users: []string{"alice"}, OUs: []string{"Prod"}, PermissionSets: []string{"ReadOnlyAccess"}, Approvals: 1},
				{Name: "bg", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, BreakGlass: true},
			},
			reach: [][4]int{{1, 0, 7, 1}, {1, 0, 2, 1}, {1, 0, 1, 1}},
			users: 1, offers: 7, breakGlassOffers: 1,
			sampleUsers: []string{"alice"},
			firstOffer:  Offer{User: "alice", Account: "audit", AccountID: "444444444444", PermissionSet: "ReadOnlyAccess", Rule: "a"},
		},
		{
			name:  "names the directory lacks reach nobody",
			rules: []Rule{{Name: "typo", Groups: []string{"enginers"}, Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"}}},
			reach: [][4]int{{0, 0, 1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := New(Document{Rules: tt.rules}, x).Preview(3)
			if len(p.Rules) != len(tt.reach) {
				t.Fatalf("%d rules previewed, want %d", len(p.Rules), len(tt.reach))
			}
			for i, want := range tt.reach {
				r := p.Rules[i]
				got := [4]int{r.Users, r.Groups, r.Accounts, r.PermissionSets}
				if got != want {
					t.Errorf("rule %s reaches users, groups, accounts, sets %v, want %v", r.Rule, got, want)
				}
				if r.Combinations != int64(want[0]*want[2]*want[3]) {
					t.Errorf("rule %s: %d combinations, want %d", r.Rule, r.Combinations, want[0]*want[2]*want[3])
				}
			}
			if p.Users != tt.users || p.Offers != int64(tt.offers) || p.BreakGlassOffers != int64(tt.breakGlassOffers) || !p.Exact {
				t.Errorf("totals: %d users, %d offers, %d break-glass, exact %v; want %d, %d, %d, exact", p.Users, p.Offers, p.BreakGlassOffers, p.Exact,
					tt.users, tt.offers, tt.breakGlassOffers)
			}
			if tt.sampleUsers != nil && !slices.Equal(p.Rules[0].SampleUsers, tt.sampleUsers) {
				t.Errorf("sample users %v, want %v", p.Rules[0].SampleUsers, tt.sampleUsers)
			}
			if tt.offers > 0 && (len(p.Sample) == 0 || p.Sample[0] != tt.firstOffer) {
				t.Errorf("first offer %+v, want %+v", p.Sample, tt.firstOffer)
			}
			if len(p.Sample) > 3 {
				t.Errorf("%d offers in the sample, asked for 3", len(p.Sample))
			}
		})
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	x := NewIndex(testDirectory())
	tests := []struct {
		kind, q string
		limit   int
		values  []string
		total   int
	}{
		{KindUsers, "AL", 10, []string{"alice"}, 1},
		{KindUsers, "example.com", 2, []string{"alice", "bob"}, 10},
		{KindGroups, "sec", 10, []string{"sec-leads", "security"}, 2},
		{KindGroups, "e", 10, []string{"engineers", "approvers", "sec-leads", "security", "sre"}, 5}, // prefix first
		{KindAccounts, "1111", 10, []string{"prod"}, 1},
		{KindAccounts, "*", 2, []string{"*"}, 1},
		{KindAccounts, "", 3, []string{"*", "audit", "dev"}, 9},
		{KindOUs, "prod", 10, []string{"Prod"}, 1},
		{KindPermissionSets, "read", 10, []string{"ReadOnlyAccess"}, 1},
		{KindPermissionSets, "al", 10, []string{"*"}, 1},
		{KindUsers, "nobody", 10, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.q, func(t *testing.T) {
			t.Parallel()
			got, total, err := x.Search(tt.kind, tt.q, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var values []string
			for _, e := range got {
				values = append(values, e.Value)
			}
			if !slices.Equal(values, tt.values) || total != tt.total {
				t.Errorf("Search(%s, %q) = %v of %d, want %v of %d", tt.kind, tt.q, values, total, tt.values, tt.total)
			}
		})
	}
	if _, _, err := x.Search("roles", "x", 5); err == nil {
		t.Error("an unknown kind is not refused")
	}
	ous, _, _ := x.Search(KindOUs, "Forensics", 1)
	if len(ous) != 1 || ous[0].Detail != "ou-for · Root/Security/Forensics" {
		t.Errorf("the OU's detail is %+v", ous)
	}
}

func TestConditionsBlock(t *testing.T) {
	t.Parallel()
	c := &Conditions{OnCall: &OnCallCondition{Provider: PagerDuty, Schedule: "P123", EscalationLevels: []int{1}},
		Ticket: &TicketCondition{System: Jira, Projects: []string{"OPS"}}, User: []AttributeCondition{{Attribute: "department", Equals: "SRE"}}}
	s, err := MarshalConditions(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConditions(s)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip of\n%s\ngave %+v (%v)", s, back, err)
	}
	if c, err := ParseConditions("  \n"); c != nil || err != nil {
		t.Fatalf("an empty block: %+v, %v", c, err)
	}
	if s, _ := MarshalConditions(nil); s != "" {
		t.Fatalf("no conditions marshal to %q", s)
	}
	for in, says := range map[string]string{"on_cal:\n  provider: pagerduty\n": "field on_cal not found", "ticket: [": "line 1", "user: 3": "cannot unmarshal"} {
		if _, err := ParseConditions(in); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseConditions(%q) = %v, want %q", in, err, says)
		}
	}
}
