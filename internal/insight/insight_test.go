package insight

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

func TestActionOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		source, name string
		want         string
		governed     bool
	}{
		{"s3.amazonaws.com", "GetObject", "s3:GetObject", true},
		{"s3.amazonaws.com", "ListBuckets", "s3:ListAllMyBuckets", true},
		{"s3.amazonaws.com", "ListObjectsV2", "s3:ListBucket", true},
		{"s3.amazonaws.com", "HeadObject", "s3:GetObject", true},
		{"ec2.amazonaws.com", "DescribeInstances", "ec2:DescribeInstances", true},
		{"monitoring.amazonaws.com", "GetMetricData", "cloudwatch:GetMetricData", true},
		{"lambda.amazonaws.com", "ListFunctions20150331", "lambda:ListFunctions", true},
		{"lambda.amazonaws.com", "GetFunction20150331v2", "lambda:GetFunction", true},
		{"sts.amazonaws.com", "AssumeRoleWithSAML", "sts:AssumeRoleWithSAML", false},
		{"signin.amazonaws.com", "ConsoleLogin", "signin:ConsoleLogin", false},
		{"sso.amazonaws.com", "GetRoleCredentials", "sso:GetRoleCredentials", false},
		{"sts.amazonaws.com", "GetCallerIdentity", "sts:GetCallerIdentity", false},
		{"sts.amazonaws.com", "AssumeRole", "sts:AssumeRole", true},
		{"EC2.AMAZONAWS.COM", "RunInstances", "ec2:RunInstances", true},
	} {
		got, governed := ActionOf(tc.source, tc.name)
		if got != tc.want || governed != tc.governed {
			t.Errorf("ActionOf(%q, %q) = %q, %v; want %q, %v", tc.source, tc.name, got, governed, tc.want, tc.governed)
		}
	}
}

func TestMatchAction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, action string
		want            bool
	}{
		{"*", "s3:GetObject", true},
		{"s3:*", "s3:GetObject", true},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:get*", "S3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"ec2:Describe?nstances", "ec2:DescribeInstances", true},
		{"ec2:Describe?nstances", "ec2:DescribeXXnstances", false},
		{"s3:GetObject", "s3:GetObjectAcl", false},
		{"*:Get*", "dynamodb:GetItem", true},
		{"s3:*Object*", "s3:GetObjectTagging", true},
		{"", "s3:GetObject", false},
	} {
		if got := MatchAction(tc.pattern, tc.action); got != tc.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

var (
	t0  = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	end = t0.Add(time.Hour)
)

func calls(cs ...access.CallCount) []access.CallCount { return cs }

func call(source, name, code string, n int) access.CallCount {
	return access.CallCount{Source: source, Name: name, ErrorCode: code, Count: n, Last: t0}
}

func TestGrantOfState(t *testing.T) {
	t.Parallel()
	signIn := call("sts.amazonaws.com", "AssumeRoleWithSAML", "", 1)
	for _, tc := range []struct {
		name     string
		status   string
		revoked  time.Time
		calls    []access.CallCount
		want     string
		services []Service
		denied   []string
	}{
		{"fetched with calls: used", access.ActivityFetched, end,
			calls(signIn, call("s3.amazonaws.com", "GetObject", "", 3), call("s3.amazonaws.com", "ListObjects", "", 1), call("ec2.amazonaws.com", "DescribeInstances", "", 2)),
			Used, []Service{{"ec2", []string{"ec2:DescribeInstances"}, 2}, {"s3", []string{"s3:GetObject", "s3:ListBucket"}, 4}}, []string{}},
		{"fetched, nothing: unused", access.ActivityFetched, end, nil, Unused, []Service{}, []string{}},
		{"signed in only: used, no actions", access.ActivityFetched, end, calls(signIn), Used, []Service{}, []string{}},
		{"refused calls are denied, not used actions", access.ActivityFetched, end,
			calls(signIn, call("iam.amazonaws.com", "CreateUser", "AccessDenied", 2), call("ec2.amazonaws.com", "RunInstances", "Client.UnauthorizedOperation", 1),
				call("s3.amazonaws.com", "GetObject", "NoSuchKey", 1)),
			Used, []Service{{"s3", []string{"s3:GetObject"}, 1}}, []string{"ec2:RunInstances", "iam:CreateUser"}},
		{"pending, nothing yet", access.ActivityPending, end, nil, Pending, []Service{}, []string{}},
		{"pending with earlier events: used", access.ActivityPending, end, calls(signIn), Used, []Service{}, []string{}},
		{"still active, never fetched", "", time.Time{}, nil, Pending, []Service{}, []string{}},
		{"failed, nothing: unknown", access.ActivityFailed, end, nil, Unknown, []Service{}, []string{}},
		{"ended, never fetched (activity off): unknown", "", end, nil, Unknown, []Service{}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := GrantOf(access.GrantUsage{GrantID: "g1", AccountID: "111", ActivatedAt: t0, RevokedAt: tc.revoked, ActivityStatus: tc.status, Calls: tc.calls}, "prod")
			if g.State != tc.want {
				t.Errorf("state = %s, want %s", g.State, tc.want)
			}
			if !reflect.DeepEqual(g.Services, tc.services) {
				t.Errorf("services = %+v, want %+v", g.Services, tc.services)
			}
			if !reflect.DeepEqual(g.Denied, tc.denied) {
				t.Errorf("denied = %v, want %v", g.Denied, tc.denied)
			}
			if (g.EndedAt == nil) != tc.revoked.IsZero() {
				t.Errorf("ended at = %v for revoked %v", g.EndedAt, tc.revoked)
			}
		})
	}
}

func TestUnusedEligibility(t *testing.T) {
	t.Parallel()
	el := func(user, acct, ps string) Eligible {
		return Eligible{UserID: user, UserName: user, AccountID: acct, PermissionSetARN: ps, Rule: "r"}
	}
	g := func(user, acct, ps, state string) Grant {
		return Grant{RequesterID: user, AccountID: acct, PermissionSetARN: ps, State: state}
	}
	req := func(user, acct, ps string, n int) access.RequestedPair {
		return access.RequestedPair{RequesterID: user, AccountID: acct, PermissionSetARN: ps, Requests: n, Last: t0}
	}
	for _, tc := range []struct {
		name      string
		eligible  []Eligible
		requested []access.RequestedPair
		grants    []Grant
		want      []string // user/account/ps=state
	}{
		{"never requested", []Eligible{el("u", "a", "p")}, nil, nil, []string{"u/a/p=never_requested"}},
		{"used: left out", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("u", "a", "p", 1)}, []Grant{g("u", "a", "p", Used)}, nil},
		{"granted, unused", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("u", "a", "p", 2)},
			[]Grant{g("u", "a", "p", Unused), g("u", "a", "p", Unused)}, []string{"u/a/p=never_used"}},
		{"one of two used: left out", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("u", "a", "p", 2)},
			[]Grant{g("u", "a", "p", Unused), g("u", "a", "p", Used)}, nil},
		{"requested, rejected: never used", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("u", "a", "p", 1)}, nil, []string{"u/a/p=never_used"}},
		{"pending: can't tell, left out", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("u", "a", "p", 1)}, []Grant{g("u", "a", "p", Pending)}, nil},
		{"unknown: can't tell, left out", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("u", "a", "p", 1)}, []Grant{g("u", "a", "p", Unknown)}, nil},
		{"another user's use does not count", []Eligible{el("u", "a", "p")}, []access.RequestedPair{req("v", "a", "p", 1)}, []Grant{g("v", "a", "p", Used)},
			[]string{"u/a/p=never_requested"}},
		{"a pair offered twice is listed once; never used first", []Eligible{el("u", "a", "p"), el("u", "b", "p"), el("u", "a", "p")},
			[]access.RequestedPair{req("u", "b", "p", 1)}, []Grant{g("u", "b", "p", Unused)}, []string{"u/b/p=never_used", "u/a/p=never_requested"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, u := range UnusedEligibilityOf(tc.eligible, tc.requested, tc.grants) {
				got = append(got, u.UserID+"/"+u.AccountID+"/"+u.PermissionSetARN+"="+u.State)
				if u.State == NeverUsed && u.Requests > 0 && u.LastRequested == nil {
					t.Errorf("%s: requested but no last requested time", u.UserID)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInlineAllows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		doc   string
		want  []string
		notes int
		err   bool
	}{
		{"none", "", nil, 0, false},
		{"one statement object, string action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, []string{"s3:*"}, 0, false},
		{"list, denies skipped", `{"Statement":[{"Effect":"Allow","Action":["ec2:Describe*","s3:Get*"],"Resource":"*"},
			{"Sid":"ElevateEndSessions","Effect":"Deny","Action":"*","Resource":"*"}]}`, []string{"ec2:Describe*", "s3:Get*"}, 0, false},
		{"NotAction noted", `{"Statement":[{"Sid":"All","Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, nil, 1, false},
		{"not JSON", `{"Statement":`, nil, 0, true},
		{"bad action", `{"Statement":[{"Effect":"Allow","Action":42}]}`, nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notes, err := InlineAllows(tc.doc)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if len(got) == 0 && len(tc.want) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) || len(notes) != tc.notes {
				t.Errorf("got %v (notes %v), want %v (%d notes)", got, notes, tc.want, tc.notes)
			}
		})
	}
}

func TestPermissionSetSuggestion(t *testing.T) {
	t.Parallel()
	grants := []Grant{
		{PermissionSetARN: "ps-power", State: Used, Services: []Service{{"s3", []string{"s3:GetObject", "s3:ListBucket"}, 5}}},
		{PermissionSetARN: "ps-power", State: Used, Services: []Service{{"ec2", []string{"ec2:DescribeInstances"}, 1}, {"s3", []string{"s3:GetObject"}, 1}}},
		{PermissionSetARN: "ps-power", State: Unused, Services: []Service{}},
		{PermissionSetARN: "ps-other", State: Used, Services: []Service{{"iam", []string{"iam:ListUsers"}, 1}}},
	}
	pol := &access.PermissionSetPolicies{
		Inline:          `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:Describe*","lambda:*"],"Resource":"*"}]}`,
		Managed:         []access.ManagedPolicyRef{{Name: "PowerUserAccess", ARN: "arn:aws:iam::aws:policy/PowerUserAccess"}},
		CustomerManaged: []access.CustomerPolicyRef{{Name: "team-extra"}},
	}
	ps := PermissionSetOf("ps-power", "PowerUserAccess", grants, pol, nil)
	if ps.Grants != 3 || ps.UsedGrants != 2 {
		t.Errorf("grants = %d used %d, want 3 and 2", ps.Grants, ps.UsedGrants)
	}
	if !reflect.DeepEqual(ps.UnusedPatterns, []string{"lambda:*"}) {
		t.Errorf("unused patterns = %v, want [lambda:*]", ps.UnusedPatterns)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Sid, Effect, Resource string
			Action                []string
		}
	}
	if err := json.Unmarshal([]byte(ps.Suggestion), &doc); err != nil {
		t.Fatalf("suggestion is not JSON: %v\n%s", err, ps.Suggestion)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 2 {
		t.Fatalf("suggestion = %s", ps.Suggestion)
	}
	if s := doc.Statement[0]; s.Sid != "UsedEc2" || s.Effect != "Allow" || s.Resource != "*" || !reflect.DeepEqual(s.Action, []string{"ec2:DescribeInstances"}) {
		t.Errorf("statement 1 = %+v", s)
	}
	if s := doc.Statement[1]; s.Sid != "UsedS3" || !reflect.DeepEqual(s.Action, []string{"s3:GetObject", "s3:ListBucket"}) {
		t.Errorf("statement 2 = %+v", s)
	}
	caveats := strings.Join(ps.Caveats, "\n")
	for _, want := range []string{"AWS managed policy PowerUserAccess: not expanded", "customer managed policy /team-extra: not expanded", "Resource is \"*\"", "2 used grant(s) of 3"} {
		if !strings.Contains(caveats, want) {
			t.Errorf("caveats miss %q:\n%s", want, caveats)
		}
	}

	none := PermissionSetOf("ps-power", "PowerUserAccess", []Grant{{PermissionSetARN: "ps-power", State: Unused}}, pol, nil)
	if none.Suggestion != "" || len(none.Caveats) != 1 || !strings.Contains(none.Caveats[0], "no suggestion") {
		t.Errorf("nothing used: suggestion %q, caveats %v", none.Suggestion, none.Caveats)
	}
	failed := PermissionSetOf("ps-power", "PowerUserAccess", grants, nil, errors.New("AccessDenied: sso:GetInlinePolicyForPermissionSet"))
	if !strings.Contains(failed.Error, "AccessDenied") || failed.Suggestion == "" {
		t.Errorf("policies unreadable: error %q, suggestion %q (the used actions still make one)", failed.Error, failed.Suggestion)
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	r := Build(Input{
		Since: t0.Add(-24 * time.Hour), Until: end, Scope: "all",
		Grants: []access.GrantUsage{
			{GrantID: "old", AccountID: "111", PermissionSetARN: "ps-b", PermissionSetName: "B", ActivatedAt: t0, RevokedAt: end, ActivityStatus: access.ActivityFetched},
			{GrantID: "new", AccountID: "222", PermissionSetARN: "ps-a", PermissionSetName: "A", ActivatedAt: t0.Add(time.Minute), RevokedAt: end,
				ActivityStatus: access.ActivityFetched, Calls: calls(call("s3.amazonaws.com", "GetObject", "", 1))},
		},
		AccountNames: map[string]string{"111": "prod"},
	})
	if r.ActivitySource != "none" || len(r.Grants) != 2 || r.Grants[0].GrantID != "new" || r.Grants[1].AccountName != "prod" {
		t.Errorf("report grants = %+v (source %s)", r.Grants, r.ActivitySource)
	}
	if len(r.PermissionSets) != 2 || r.PermissionSets[0].PermissionSetName != "A" || r.PermissionSets[0].Suggestion == "" || r.PermissionSets[1].Suggestion != "" {
		t.Errorf("permission sets = %+v", r.PermissionSets)
	}
}
