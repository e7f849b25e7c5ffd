package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/elevate/elevate/internal/access"
)

// DefaultSessionDenySCPName is the name of the service control policy
// elevate creates and owns for the session-ending statements.
const DefaultSessionDenySCPName = "elevate-end-sessions"

const scpDescription = "Managed by elevate: denies the sessions of revoked users that were issued before the revocation. Edits are overwritten."

// scpCache remembers the id of elevate's SCP and the accounts it is known
// to be attached to, to spare calls; both are checked again when AWS says
// otherwise.
type scpCache struct {
	mu       sync.Mutex
	id       string
	attached map[string]bool
}

// partition returns the partition of the instance ARN ("aws" by default).
func (p *Provider) partition() string {
	if parts := strings.SplitN(p.instanceARN, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// ApplySCPDeny makes elevate's service control policy hold exactly the
// statements of denies and attaches it to their accounts. It fails with a
// *PolicyFullError when they do not fit the SCP's 5,120 characters, before
// writing anything. When it returns nil the statements are in force.
func (p *Provider) ApplySCPDeny(ctx context.Context, denies []access.SessionDeny) error {
	doc, err := RenderSCP(p.partition(), denies)
	if err != nil {
		return err
	}
	id, current, err := p.findSCP(ctx)
	if err != nil {
		return err
	}
	switch {
	case id == "":
		out, err := p.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{
			Content: awssdk.String(doc), Description: awssdk.String(scpDescription),
			Name: awssdk.String(p.scpName), Type: orgtypes.PolicyTypeServiceControlPolicy,
		})
		if err != nil {
			return scpError("create the service control policy "+p.scpName, err)
		}
		id = awssdk.ToString(out.Policy.PolicySummary.Id)
		p.log.Info("created the session-ending service control policy", "policy_id", id, "name", p.scpName)
	case current != doc:
		if _, err := p.org.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: awssdk.String(id), Content: awssdk.String(doc)}); err != nil {
			var nf *orgtypes.PolicyNotFoundException
			if errors.As(err, &nf) {
				p.scp.mu.Lock()
				p.scp.id = ""
				p.scp.mu.Unlock()
			}
			return scpError("update the service control policy "+p.scpName, err)
		}
	}
	p.scp.mu.Lock()
	p.scp.id = id
	p.scp.mu.Unlock()
	seen := map[string]bool{}
	for _, d := range denies {
		if seen[d.AccountID] {
			continue
		}
		seen[d.AccountID] = true
		if err := p.attachSCP(ctx, id, d.AccountID); err != nil {
			return err
		}
	}
	return nil
}

// scpError maps AWS's size refusal to a *PolicyFullError.
func scpError(what string, err error) error {
	var cv *orgtypes.ConstraintViolationException
	if errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonPolicyContentLimitExceeded {
		return fmt.Errorf("%s: %w: %w", what, &PolicyFullError{Mechanism: access.DenyViaSCP, Limit: SCPMaxChars}, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// findSCP returns the id and content of elevate's SCP, "" when it does not
// exist yet.
func (p *Provider) findSCP(ctx context.Context) (id, content string, err error) {
	p.scp.mu.Lock()
	id = p.scp.id
	p.scp.mu.Unlock()
	if id == "" {
		pages := organizations.NewListPoliciesPaginator(p.org, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
		for pages.HasMorePages() && id == "" {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return "", "", fmt.Errorf("find the service control policy %s: %w", p.scpName, err)
			}
			for _, s := range page.Policies {
				if awssdk.ToString(s.Name) == p.scpName && !s.AwsManaged {
					id = awssdk.ToString(s.Id)
					break
				}
			}
		}
		if id == "" {
			return "", "", nil
		}
	}
	out, err := p.org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: awssdk.String(id)})
	if err != nil {
		var nf *orgtypes.PolicyNotFoundException
		if errors.As(err, &nf) {
			p.scp.mu.Lock()
			p.scp.id = ""
			p.scp.mu.Unlock()
		}
		return "", "", fmt.Errorf("describe the service control policy %s (%s): %w", p.scpName, id, err)
	}
	return id, awssdk.ToString(out.Policy.Content), nil
}

// attachSCP attaches the policy to an account unless it is attached.
func (p *Provider) attachSCP(ctx context.Context, id, account string) error {
	p.scp.mu.Lock()
	done := p.scp.attached[account]
	p.scp.mu.Unlock()
	if done {
		return nil
	}
	_, err := p.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: awssdk.String(id), TargetId: awssdk.String(account)})
	var dup *orgtypes.DuplicatePolicyAttachmentException
	if err != nil && !errors.As(err, &dup) {
		return fmt.Errorf("attach the service control policy %s to account %s: %w", p.scpName, account, err)
	}
	p.scp.mu.Lock()
	if p.scp.attached == nil {
		p.scp.attached = map[string]bool{}
	}
	p.scp.attached[account] = true
	p.scp.mu.Unlock()
	return nil
}

// ApplyInlineDeny makes the permission set's inline policy hold exactly the
// statements of denies besides the operator's own, and provisions the
// permission set to every account whose statements changed and to
// provisionTo (the accounts of the denies added or removed, so that a run
// after a crash between the write and the provisioning still provisions).
// When it returns nil the statements are in force.
func (p *Provider) ApplyInlineDeny(ctx context.Context, permissionSetARN string, denies []access.SessionDeny, provisionTo []string) error {
	ps := awssdk.String(permissionSetARN)
	inst := awssdk.String(p.instanceARN)
	got, err := p.sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
	if err != nil {
		return fmt.Errorf("read the inline policy of permission set %s: %w", permissionSetARN, err)
	}
	m, err := MergeInline(awssdk.ToString(got.InlinePolicy), denies)
	if err != nil {
		return fmt.Errorf("permission set %s: %w", permissionSetARN, err)
	}
	if m.Changed {
		if m.Doc == "" {
			_, err = p.sso.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
		} else {
			_, err = p.sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, InlinePolicy: awssdk.String(m.Doc)})
		}
		if err != nil {
			return fmt.Errorf("write the inline policy of permission set %s: %w", permissionSetARN, err)
		}
	}
	accounts := map[string]bool{}
	for _, a := range append(m.Accounts, provisionTo...) {
		accounts[a] = true
	}
	for _, a := range sortedKeys(accounts) {
		if err := p.provisionPermissionSet(ctx, permissionSetARN, a); err != nil {
			return err
		}
	}
	return nil
}

// provisionPermissionSet provisions the permission set to one account and
// waits until AWS reports the outcome.
func (p *Provider) provisionPermissionSet(ctx context.Context, permissionSetARN, account string) error {
	ctx, cancel := context.WithTimeout(ctx, p.operationTimeout)
	defer cancel()
	out, err := p.sso.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
		InstanceArn: awssdk.String(p.instanceARN), PermissionSetArn: awssdk.String(permissionSetARN),
		TargetId: awssdk.String(account), TargetType: ssotypes.ProvisionTargetTypeAwsAccount,
	})
	if err != nil {
		return fmt.Errorf("provision permission set %s to account %s: %w", permissionSetARN, account, err)
	}
	st := out.PermissionSetProvisioningStatus
	delay := p.pollInterval
	for st != nil && st.Status == ssotypes.StatusValuesInProgress {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("provision permission set %s to account %s: still in progress: %w", permissionSetARN, account, ctx.Err())
		case <-t.C:
		}
		delay = min(delay+delay/2, p.maxPollInterval)
		d, err := p.sso.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
			InstanceArn: awssdk.String(p.instanceARN), ProvisionPermissionSetRequestId: st.RequestId,
		})
		if err != nil {
			return fmt.Errorf("provision permission set %s to account %s: status: %w", permissionSetARN, account, err)
		}
		st = d.PermissionSetProvisioningStatus
	}
	if st == nil || st.Status != ssotypes.StatusValuesSucceeded {
		reason := "no status"
		if st != nil {
			reason = reasonOrDefault(awssdk.ToString(st.FailureReason))
		}
		return fmt.Errorf("provision permission set %s to account %s failed: %s", permissionSetARN, account, reason)
	}
	return nil
}
