package aws

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// activityActions returns the IAM actions of the narrow SDK interfaces a
// source calls, so that a new call without a policy entry fails
// TestActivityPolicyCoversSourceCalls.
func activityActions(source string) []string {
	prefix, typ := "cloudtrail", reflect.TypeFor[cloudTrailAPI]()
	if source == ActivitySourceLogs {
		prefix, typ = "logs", reflect.TypeFor[logsAPI]()
	}
	var out []string
	for m := range typ.Methods() {
		out = append(out, prefix+":"+m.Name)
	}
	slices.Sort(out)
	return out
}

// TestActivityPolicyCoversSourceCalls: for each source, the statements
// grant exactly the operations its SDK interface has (least privilege),
// scoped to the configured event data store or log group in the
// partition; source none needs nothing.
func TestActivityPolicyCoversSourceCalls(t *testing.T) {
	const eds = "arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
	for _, tc := range []struct {
		source, resource string
	}{
		{ActivitySourceLake, eds},
		{ActivitySourceLogs, "arn:aws-us-gov:logs:*:*:log-group:org-trail"},
	} {
		sts := ActivityPolicyStatements(tc.source, eds, "org-trail", "aws-us-gov")
		var granted []string
		var resources []string
		for _, st := range sts {
			if st.Effect != "Allow" || st.Sid == "" || strings.HasPrefix(st.Sid, "Optional") || st.Optional {
				t.Errorf("%s: statement %+v must be a required Allow", tc.source, st)
			}
			granted = append(granted, st.Action...)
			resources = append(resources, st.Resource...)
		}
		slices.Sort(granted)
		want := activityActions(tc.source)
		if len(want) < 2 || !slices.Equal(granted, want) {
			t.Errorf("%s: granted %v, the source calls %v", tc.source, granted, want)
		}
		if !slices.Contains(resources, tc.resource) {
			t.Errorf("%s: resources %v lack %s", tc.source, resources, tc.resource)
		}
		for _, r := range resources {
			if r != "*" && !strings.HasPrefix(r, "arn:aws-us-gov:") {
				t.Errorf("%s: resource %s is not in the partition", tc.source, r)
			}
		}
	}
	if got := ActivityPolicyStatements(ActivitySourceLake, "my-store-id", "", ""); got[0].Resource[0] != "arn:aws:cloudtrail:*:*:eventdatastore/my-store-id" {
		t.Errorf("an event data store id is scoped as %v", got[0].Resource)
	}
	if got := ActivityPolicyStatements(ActivitySourceNone, eds, "g", ""); len(got) != 0 {
		t.Errorf("source none needs %v, want nothing", got)
	}
}
