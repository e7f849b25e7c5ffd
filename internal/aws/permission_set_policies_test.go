package aws

import (
	"reflect"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

// TestPermissionSetPolicies reads a permission set's inline policy and
// managed policy references through the SDK from the emulator, across
// pages, and a permission set without any as empty.
func TestPermissionSetPolicies(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{PageSize: 1})
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:Describe*"],"Resource":"*"}]}`
	arn := env.emu.PermissionSetARN("PowerUserAccess")
	env.emu.SetInlinePolicy(arn, doc)
	for _, m := range []string{"arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"} {
		if err := env.emu.AttachManagedPolicy("PowerUserAccess", m); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.emu.AttachCustomerManagedPolicy("PowerUserAccess", "team-extra", "/elevate/"); err != nil {
		t.Fatal(err)
	}
	got, err := env.p.PermissionSetPolicies(t.Context(), arn)
	if err != nil {
		t.Fatal(err)
	}
	want := access.PermissionSetPolicies{PermissionSetARN: arn, Inline: doc,
		Managed: []access.ManagedPolicyRef{{Name: "PowerUserAccess", ARN: "arn:aws:iam::aws:policy/PowerUserAccess"},
			{Name: "ViewOnlyAccess", ARN: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}},
		CustomerManaged: []access.CustomerPolicyRef{{Name: "team-extra", Path: "/elevate/"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PermissionSetPolicies:\n got  %+v\n want %+v", got, want)
	}
	empty, err := env.p.PermissionSetPolicies(t.Context(), env.emu.PermissionSetARN("ReadOnlyAccess"))
	if err != nil || empty.Inline != "" || len(empty.Managed) != 0 || len(empty.CustomerManaged) != 0 {
		t.Errorf("a permission set without policies: %+v, %v", empty, err)
	}
	_, err = env.p.PermissionSetPolicies(t.Context(), arn[:len(arn)-4]+"0000")
	if err == nil || !strings.Contains(err.Error(), "inline policy of permission set") {
		t.Errorf("an unknown permission set: err = %v, want one naming the read", err)
	}
}
