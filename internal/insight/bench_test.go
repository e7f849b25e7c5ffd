package insight

import (
	"fmt"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// BenchmarkBuild builds a report of 10,000 grants (8 kinds of call each,
// over 5 permission sets, a third of them unused) against 50,000 eligible
// pairs (500 users × 100 pairs) and 2,000 requested pairs.
func BenchmarkBuild(b *testing.B) {
	in := Input{Since: t0.Add(-90 * 24 * time.Hour), Until: t0, Scope: "all", AccountNames: map[string]string{}}
	names := []string{"s3:GetObject", "s3:ListObjectsV2", "ec2:DescribeInstances", "lambda:ListFunctions20150331",
		"logs:FilterLogEvents", "monitoring:GetMetricData", "dynamodb:Query", "sts:AssumeRoleWithSAML"}
	for i := range 10_000 {
		g := access.GrantUsage{GrantID: fmt.Sprint("g", i), RequesterID: fmt.Sprint("u", i%500), AccountID: fmt.Sprint(100000000000 + i%100),
			PermissionSetARN: fmt.Sprint("ps-", i%5), PermissionSetName: fmt.Sprint("PS", i%5), ActivatedAt: t0.Add(-time.Duration(i) * time.Minute),
			RevokedAt: t0, ActivityStatus: access.ActivityFetched}
		if i%3 != 0 {
			for _, n := range names {
				src, name, _ := cut(n)
				g.Calls = append(g.Calls, access.CallCount{Source: src + ".amazonaws.com", Name: name, Count: 3, Last: t0})
			}
		}
		in.Grants = append(in.Grants, g)
	}
	for u := range 500 {
		for p := range 100 {
			in.Eligible = append(in.Eligible, Eligible{UserID: fmt.Sprint("u", u), AccountID: fmt.Sprint(100000000000 + p), PermissionSetARN: fmt.Sprint("ps-", p%5)})
		}
	}
	for i := range 2_000 {
		in.Requested = append(in.Requested, access.RequestedPair{RequesterID: fmt.Sprint("u", i%500), AccountID: fmt.Sprint(100000000000 + i%100),
			PermissionSetARN: fmt.Sprint("ps-", i%5), Requests: 5, Last: t0})
	}
	in.Policies = map[string]access.PermissionSetPolicies{}
	for p := range 5 {
		in.Policies[fmt.Sprint("ps-", p)] = access.PermissionSetPolicies{Inline: `{"Statement":[{"Effect":"Allow","Action":["s3:*","ec2:*","lambda:*","rds:*"]}]}`}
	}
	b.ReportAllocs()
	for b.Loop() {
		r := Build(in)
		if len(r.Grants) != 10_000 || len(r.PermissionSets) != 5 {
			b.Fatalf("report: %d grants, %d permission sets", len(r.Grants), len(r.PermissionSets))
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
