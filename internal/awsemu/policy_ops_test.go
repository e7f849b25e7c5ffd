package awsemu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

const testSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"T","Effect":"Deny","Action":"*","Resource":"*"}]}`

func init() {
	// The SCP and inline-policy operations' conformance calls (see
	// conformanceCalls).
	for name, fn := range map[string]func(ctx context.Context, f *fixture) error{
		"CreatePolicy": func(ctx context.Context, f *fixture) error {
			out, err := f.createSCP(ctx, "elevate")
			if err == nil && (!strings.HasPrefix(aws.ToString(out.Policy.PolicySummary.Id), "p-") || aws.ToString(out.Policy.Content) != testSCP) {
				err = fmt.Errorf("policy = %+v", out.Policy)
			}
			return err
		},
		"UpdatePolicy": func(ctx context.Context, f *fixture) error {
			c, err := f.createSCP(ctx, "elevate")
			if err != nil {
				return err
			}
			doc := strings.Replace(testSCP, `"T"`, `"U"`, 1)
			out, err := f.org.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: c.Policy.PolicySummary.Id, Content: aws.String(doc)})
			if err == nil && aws.ToString(out.Policy.Content) != doc {
				err = fmt.Errorf("policy = %+v", out.Policy)
			}
			return err
		},
		"DescribePolicy": func(ctx context.Context, f *fixture) error {
			c, err := f.createSCP(ctx, "elevate")
			if err != nil {
				return err
			}
			out, err := f.org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: c.Policy.PolicySummary.Id})
			if err == nil && (aws.ToString(out.Policy.PolicySummary.Name) != "elevate" || out.Policy.PolicySummary.Type != orgtypes.PolicyTypeServiceControlPolicy) {
				err = fmt.Errorf("policy = %+v", out.Policy)
			}
			return err
		},
		"AttachPolicy": func(ctx context.Context, f *fixture) error {
			c, err := f.createSCP(ctx, "elevate")
			if err != nil {
				return err
			}
			_, err = f.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: c.Policy.PolicySummary.Id, TargetId: aws.String(f.emu.AccountID("prod"))})
			return err
		},
		"ListPolicies": func(ctx context.Context, f *fixture) error {
			if _, err := f.createSCP(ctx, "elevate"); err != nil {
				return err
			}
			out, err := f.org.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
			if err == nil && (len(out.Policies) != 2 || !out.Policies[0].AwsManaged || aws.ToString(out.Policies[1].Name) != "elevate") {
				err = fmt.Errorf("policies = %+v", out.Policies)
			}
			return err
		},
		"ListPoliciesForTarget": func(ctx context.Context, f *fixture) error {
			out, err := f.org.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{
				TargetId: aws.String(f.emu.AccountID("prod")), Filter: orgtypes.PolicyTypeServiceControlPolicy})
			if err == nil && (len(out.Policies) != 1 || aws.ToString(out.Policies[0].Name) != "FullAWSAccess") {
				err = fmt.Errorf("policies = %+v", out.Policies)
			}
			return err
		},
		"PutInlinePolicyToPermissionSet": func(ctx context.Context, f *fixture) error {
			return f.putInline(ctx, "AdministratorAccess", testSCP)
		},
		"GetInlinePolicyForPermissionSet": func(ctx context.Context, f *fixture) error {
			if err := f.putInline(ctx, "AdministratorAccess", testSCP); err != nil {
				return err
			}
			out, err := f.sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("AdministratorAccess"))})
			if err == nil && aws.ToString(out.InlinePolicy) != testSCP {
				err = fmt.Errorf("inline policy = %q", aws.ToString(out.InlinePolicy))
			}
			return err
		},
		"DeleteInlinePolicyFromPermissionSet": func(ctx context.Context, f *fixture) error {
			if err := f.putInline(ctx, "AdministratorAccess", testSCP); err != nil {
				return err
			}
			_, err := f.sso.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN("AdministratorAccess"))})
			if err == nil && f.emu.InlinePolicy(f.emu.PermissionSetARN("AdministratorAccess")) != "" {
				err = fmt.Errorf("inline policy still set")
			}
			return err
		},
		"ProvisionPermissionSet": func(ctx context.Context, f *fixture) error {
			out, err := f.provision(ctx, "AdministratorAccess", "prod")
			if err == nil && (out.Status == "" || aws.ToString(out.RequestId) == "" || out.CreatedDate == nil) {
				err = fmt.Errorf("status = %+v", out)
			}
			return err
		},
		"DescribePermissionSetProvisioningStatus": func(ctx context.Context, f *fixture) error {
			p, err := f.provision(ctx, "AdministratorAccess", "prod")
			if err != nil {
				return err
			}
			out, err := f.sso.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
				InstanceArn: aws.String(f.emu.InstanceARN()), ProvisionPermissionSetRequestId: p.RequestId})
			if err == nil && (out.PermissionSetProvisioningStatus.Status != ssotypes.StatusValuesSucceeded || aws.ToString(out.PermissionSetProvisioningStatus.AccountId) != f.emu.AccountID("prod")) {
				err = fmt.Errorf("status = %+v", out.PermissionSetProvisioningStatus)
			}
			return err
		},
	} {
		conformanceCalls[name] = fn
	}
}

func (f *fixture) createSCP(ctx context.Context, name string) (*organizations.CreatePolicyOutput, error) {
	return f.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Content: aws.String(testSCP), Description: aws.String("test"),
		Name: aws.String(name), Type: orgtypes.PolicyTypeServiceControlPolicy})
}

func (f *fixture) putInline(ctx context.Context, ps, doc string) error {
	_, err := f.sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN(ps)), InlinePolicy: aws.String(doc)})
	return err
}

func (f *fixture) provision(ctx context.Context, ps, account string) (*ssotypes.PermissionSetProvisioningStatus, error) {
	out, err := f.sso.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
		InstanceArn: aws.String(f.emu.InstanceARN()), PermissionSetArn: aws.String(f.emu.PermissionSetARN(ps)),
		TargetId: aws.String(f.emu.AccountID(account)), TargetType: ssotypes.ProvisionTargetTypeAwsAccount})
	if err != nil {
		return nil, err
	}
	return out.PermissionSetProvisioningStatus, nil
}

// TestSCPSizeLimit: a service control policy over 5,120 characters is
// refused with the ConstraintViolationException AWS sends, by CreatePolicy
// and UpdatePolicy, and the stored policy is unchanged.
func TestSCPSizeLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	c, err := f.createSCP(ctx, "elevate")
	if err != nil {
		t.Fatal(err)
	}
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", 5100) + `","Effect":"Deny","Action":"*","Resource":"*"}]}`
	for name, call := range map[string]func() error{
		"create": func() error {
			_, err := f.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Content: aws.String(big), Description: aws.String("x"), Name: aws.String("big"), Type: orgtypes.PolicyTypeServiceControlPolicy})
			return err
		},
		"update": func() error {
			_, err := f.org.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: c.Policy.PolicySummary.Id, Content: aws.String(big)})
			return err
		},
	} {
		err := call()
		var cv *orgtypes.ConstraintViolationException
		if !errors.As(err, &cv) || cv.Reason != orgtypes.ConstraintViolationExceptionReasonPolicyContentLimitExceeded {
			t.Errorf("%s: error = %v, want ConstraintViolationException POLICY_CONTENT_LIMIT_EXCEEDED", name, err)
		}
	}
	out, err := f.org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: c.Policy.PolicySummary.Id})
	if err != nil || aws.ToString(out.Policy.Content) != testSCP {
		t.Fatalf("policy after refused update = %v, %v", out, err)
	}
	// Exactly 5,120 characters is accepted.
	exact := `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Deny","Action":"*","Resource":"*"}]}`
	exact = strings.Replace(exact, `"Sid":""`, `"Sid":"`+strings.Repeat("B", scpMaxChars-len(exact))+`"`, 1)
	if _, err := f.org.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: c.Policy.PolicySummary.Id, Content: aws.String(exact)}); err != nil {
		t.Fatalf("update with %d characters: %v", len(exact), err)
	}
	_, err = f.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: c.Policy.PolicySummary.Id, TargetId: aws.String(f.emu.AccountID("prod"))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: c.Policy.PolicySummary.Id, TargetId: aws.String(f.emu.AccountID("prod"))})
	var dup *orgtypes.DuplicatePolicyAttachmentException
	if !errors.As(err, &dup) {
		t.Fatalf("second attach: %v, want DuplicatePolicyAttachmentException", err)
	}
	levels := f.emu.EffectiveSCPs(f.emu.AccountID("prod"))
	last := levels[len(levels)-1]
	if levels[0].TargetID != f.emu.org.rootID || last.TargetID != f.emu.AccountID("prod") || last.Policies["elevate"] != exact {
		t.Fatalf("effective SCPs = %+v", levels)
	}
}

// TestInlinePolicyInForceAfterProvisioning: a changed inline policy is in
// force in an account only after ProvisionPermissionSet to that account
// succeeds; other accounts keep the version they had.
func TestInlinePolicyInForceAfterProvisioning(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	arn := f.emu.PermissionSetARN("AdministratorAccess")
	if err := f.putInline(ctx, "AdministratorAccess", testSCP); err != nil {
		t.Fatal(err)
	}
	if got := f.emu.InlinePolicyInForce(f.emu.AccountID("prod"), arn); got != "" {
		t.Fatalf("in force before provisioning: %q", got)
	}
	if _, err := f.provision(ctx, "AdministratorAccess", "prod"); err != nil {
		t.Fatal(err)
	}
	if got := f.emu.InlinePolicyInForce(f.emu.AccountID("prod"), arn); got != testSCP {
		t.Fatalf("in force after provisioning: %q", got)
	}
	if got := f.emu.InlinePolicyInForce(f.emu.AccountID("dev"), arn); got != "" {
		t.Fatalf("in force in another account: %q", got)
	}
	err := f.putInline(ctx, "AdministratorAccess", "not json")
	var ve *ssotypes.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("put of a malformed document: %v, want ValidationException", err)
	}
}

// TestOpenSession: a session needs the assignment and carries the issue
// time and the Identity Center role.
func TestOpenSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	arn := f.emu.PermissionSetARN("AdministratorAccess")
	if _, err := f.emu.OpenSession(f.emu.UserID("alice"), f.emu.AccountID("prod"), arn); err == nil {
		t.Fatal("session without an assignment opened")
	}
	if _, err := f.sso.CreateAccountAssignment(ctx, f.assignmentInput("prod", "AdministratorAccess", "alice")); err != nil {
		t.Fatal(err)
	}
	s, err := f.emu.OpenSession(f.emu.UserID("alice"), f.emu.AccountID("prod"), arn)
	if err != nil {
		t.Fatal(err)
	}
	if s.IssuedAt.IsZero() || !strings.Contains(s.RoleARN, ":role/aws-reserved/sso.amazonaws.com/") || !strings.Contains(s.RoleARN, "/AWSReservedSSO_AdministratorAccess_") {
		t.Fatalf("session = %+v", s)
	}
	if got := f.emu.Sessions(); len(got) != 1 || got[0] != s {
		t.Fatalf("sessions = %+v", got)
	}
}
