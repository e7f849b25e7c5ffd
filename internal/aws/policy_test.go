package aws

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// providerActions returns the IAM action of every operation in the narrow
// SDK interfaces of provider.go, so that a new call without a policy entry
// fails TestIAMPolicyCoversProviderCalls.
func providerActions() []string {
	var actions []string
	for prefix, typ := range map[string]reflect.Type{
		"sso":           reflect.TypeFor[ssoAdminAPI](),
		"identitystore": reflect.TypeFor[identityStoreAPI](),
		"organizations": reflect.TypeFor[organizationsAPI](),
	} {
		for m := range typ.Methods() {
			actions = append(actions, prefix+":"+m.Name)
		}
	}
	slices.Sort(actions)
	return actions
}

func TestIAMPolicyCoversProviderCalls(t *testing.T) {
	const instance = "arn:aws-us-gov:sso:::instance/ssoins-1234567890abcdef"
	const store = "d-1234567890"
	out := IAMPolicy(instance, store)
	var doc struct {
		Version   string
		Statement []struct {
			Sid, Effect      string
			Action, Resource []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("IAMPolicy is not valid JSON: %v\n%s", err, out)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
		t.Fatalf("policy = %s", out)
	}
	granted := map[string]bool{}
	required := map[string]bool{} // actions of non-optional statements
	for _, st := range doc.Statement {
		if st.Effect != "Allow" || st.Sid == "" || len(st.Action) == 0 || len(st.Resource) == 0 {
			t.Errorf("statement %+v is incomplete", st)
		}
		for _, a := range st.Action {
			granted[a] = true
			if !strings.HasPrefix(st.Sid, "Optional") {
				required[a] = true
			}
		}
		for _, r := range st.Resource {
			if r != "*" && !strings.HasPrefix(r, "arn:aws-us-gov:") {
				t.Errorf("resource %s is not in the instance's partition", r)
			}
		}
	}
	used := providerActions()
	if len(used) < 15 {
		t.Fatalf("only %d provider actions found: %v", len(used), used)
	}
	for _, a := range used {
		if !granted[a] {
			t.Errorf("the provider calls %s but IAMPolicy does not grant it", a)
		}
	}
	// Least privilege: no required action the provider does not call.
	for a := range required {
		if !slices.Contains(used, a) {
			t.Errorf("IAMPolicy grants %s, which the provider never calls", a)
		}
	}
	for _, want := range []string{`"arn:aws-us-gov:sso:::instance/ssoins-1234567890abcdef"`, "permissionSet/ssoins-1234567890abcdef/*", "identitystore/" + store} {
		if !strings.Contains(out, want) {
			t.Errorf("policy does not scope to %s", want)
		}
	}
	// Optional statements carry their explanation.
	for _, st := range IAMPolicyDocument(instance, store).Statement {
		if st.Optional != strings.HasPrefix(st.Sid, "Optional") || st.Comment == "" {
			t.Errorf("statement %s: optional %v, comment %q", st.Sid, st.Optional, st.Comment)
		}
	}
	if empty := IAMPolicy("", ""); !strings.Contains(empty, "arn:aws:sso:::instance/*") || !json.Valid([]byte(empty)) {
		t.Errorf("policy without an instance:\n%s", empty)
	}
}
