package insight

import (
	"sort"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// DefaultWindow is how far back insight looks unless told otherwise.
const DefaultWindow = 90 * 24 * time.Hour

// Report is usage insight over one window.
type Report struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Scope is "all" for auditors and admins, "own" for a user who sees
	// their own grants and eligibility only.
	Scope          string              `json:"scope"`
	Grants         []Grant             `json:"grants"`
	Unused         []UnusedEligibility `json:"unused_eligibility"`
	PermissionSets []PermissionSet     `json:"permission_sets"`
	// ActivitySource is the configured session-activity source, "none"
	// when off (every grant is then Unknown).
	ActivitySource string `json:"activity_source"`
}

// Input is what Build reads.
type Input struct {
	Since, Until   time.Time
	Scope          string
	ActivitySource string
	Grants         []access.GrantUsage
	AccountNames   map[string]string // account id -> name
	Eligible       []Eligible
	Requested      []access.RequestedPair
	// Policies are the policies of each permission set the grants name,
	// by ARN; PolicyErrors why one could not be read.
	Policies     map[string]access.PermissionSetPolicies
	PolicyErrors map[string]error
}

// Build makes the report: the grants newest first, the unused eligibility,
// and one comparison per permission set the grants name, by name.
func Build(in Input) Report {
	r := Report{Since: in.Since.UTC(), Until: in.Until.UTC(), Scope: in.Scope, ActivitySource: in.ActivitySource,
		Grants: make([]Grant, 0, len(in.Grants)), PermissionSets: []PermissionSet{}}
	if r.ActivitySource == "" {
		r.ActivitySource = "none"
	}
	names := map[string]string{}
	for _, g := range in.Grants {
		r.Grants = append(r.Grants, GrantOf(g, in.AccountNames[g.AccountID]))
		names[g.PermissionSetARN] = g.PermissionSetName
	}
	sort.SliceStable(r.Grants, func(i, j int) bool {
		if !r.Grants[i].ActivatedAt.Equal(r.Grants[j].ActivatedAt) {
			return r.Grants[i].ActivatedAt.After(r.Grants[j].ActivatedAt)
		}
		return r.Grants[i].GrantID < r.Grants[j].GrantID
	})
	r.Unused = UnusedEligibilityOf(in.Eligible, in.Requested, r.Grants)
	for _, arn := range sortedKeys(names) {
		var pol *access.PermissionSetPolicies
		if p, ok := in.Policies[arn]; ok {
			pol = &p
		}
		r.PermissionSets = append(r.PermissionSets, PermissionSetOf(arn, names[arn], r.Grants, pol, in.PolicyErrors[arn]))
	}
	sort.SliceStable(r.PermissionSets, func(i, j int) bool {
		return r.PermissionSets[i].PermissionSetName < r.PermissionSets[j].PermissionSetName
	})
	return r
}
