package awsemu

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Service control policies: CreatePolicy, UpdatePolicy, DescribePolicy,
// AttachPolicy, ListPolicies and ListPoliciesForTarget. The AWS-managed
// FullAWSAccess policy exists from the start and is attached to the root,
// every OU and every account, as in a new organization.

// scpMaxChars is the largest SCP AWS accepts: 5,120 characters, counted as
// sent (an API caller's whitespace counts; only the console minifies).
const scpMaxChars = 5120

// fullAWSAccessID is the id of the AWS-managed FullAWSAccess SCP.
const fullAWSAccessID = "p-FullAWSAccess"

const fullAWSAccessContent = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// orgPolicy is one Organizations policy.
type orgPolicy struct {
	id, arn, name, description string
	typ                        string
	content                    string
	awsManaged                 bool
}

// orgPolicies holds the policies and their attachments; e.mu guards it.
type orgPolicies struct {
	list     []*orgPolicy
	byID     map[string]*orgPolicy
	attached map[string]map[string]bool // policy id -> target id -> attached
}

// policiesLocked returns the policy state, creating FullAWSAccess on first use.
func (e *Emulator) policiesLocked() *orgPolicies {
	p := &e.orgPolicies
	if p.byID != nil {
		return p
	}
	p.byID = make(map[string]*orgPolicy)
	p.attached = make(map[string]map[string]bool)
	full := &orgPolicy{
		id: fullAWSAccessID, arn: "arn:aws:organizations::aws:policy/service_control_policy/" + fullAWSAccessID,
		name: "FullAWSAccess", description: "Allows access to every operation", typ: "SERVICE_CONTROL_POLICY",
		content: fullAWSAccessContent, awsManaged: true,
	}
	p.list = append(p.list, full)
	p.byID[full.id] = full
	return p
}

func policySummary(p *orgPolicy) map[string]any {
	return map[string]any{"Id": p.id, "Arn": p.arn, "Name": p.name, "Description": p.description, "Type": p.typ, "AwsManaged": p.awsManaged}
}

func policyJSON(p *orgPolicy) map[string]any {
	return map[string]any{"Policy": map[string]any{"PolicySummary": policySummary(p), "Content": p.content}}
}

// checkSCPContent applies AWS's checks to an SCP document: valid JSON and
// at most 5,120 characters.
func checkSCPContent(content string) error {
	if n := len([]rune(content)); n > scpMaxChars {
		return newError("ConstraintViolationException",
			"You have exceeded the maximum policy content size: the policy is %d characters long and the maximum for a SERVICE_CONTROL_POLICY is %d.", n, scpMaxChars).
			with("Reason", "POLICY_CONTENT_LIMIT_EXCEEDED")
	}
	var doc struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil || len(doc.Statement) == 0 {
		return newError("MalformedPolicyDocumentException", "The provided policy document does not meet the requirements of the specified policy type.")
	}
	return nil
}

func (e *Emulator) findPolicy(id string) (*orgPolicy, error) {
	p := e.policiesLocked().byID[id]
	if p == nil {
		return nil, newError("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
	}
	return p, nil
}

func (e *Emulator) createPolicy(_ *call, raw []byte) (any, error) {
	var in struct{ Content, Description, Name, Type string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if in.Type != "SERVICE_CONTROL_POLICY" {
		return nil, newError("PolicyTypeNotAvailableForOrganizationException", "The emulated organization supports only SERVICE_CONTROL_POLICY policies, not %s.", in.Type)
	}
	if err := checkSCPContent(in.Content); err != nil {
		return nil, err
	}
	ps := e.policiesLocked()
	for _, p := range ps.list {
		if p.typ == in.Type && p.name == in.Name {
			return nil, newError("DuplicatePolicyException", "A policy with the same name already exists.")
		}
	}
	id := fmt.Sprintf("p-%08x", e.rng.Uint32())
	p := &orgPolicy{
		id: id, arn: fmt.Sprintf("arn:aws:organizations::%s:policy/%s/service_control_policy/%s", e.org.mgmt.id, e.org.id, id),
		name: in.Name, description: in.Description, typ: in.Type, content: in.Content,
	}
	ps.list = append(ps.list, p)
	ps.byID[id] = p
	return policyJSON(p), nil
}

func (e *Emulator) updatePolicy(_ *call, raw []byte) (any, error) {
	var in struct {
		PolicyId                   string
		Name, Description, Content *string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	p, err := e.findPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if p.awsManaged {
		return nil, newError("AccessDeniedException", "You can't edit an AWS managed policy.")
	}
	if in.Content != nil {
		if err := checkSCPContent(*in.Content); err != nil {
			return nil, err
		}
		p.content = *in.Content
	}
	if in.Name != nil {
		p.name = *in.Name
	}
	if in.Description != nil {
		p.description = *in.Description
	}
	return policyJSON(p), nil
}

func (e *Emulator) describePolicy(_ *call, raw []byte) (any, error) {
	var in struct{ PolicyId string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	p, err := e.findPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	return policyJSON(p), nil
}

// targetExists reports whether id is the root, an OU or an account.
func (e *Emulator) targetExists(id string) bool {
	return id == e.org.rootID || e.org.ouByID[id] != nil || e.org.accountByID[id] != nil
}

func (e *Emulator) attachPolicy(_ *call, raw []byte) (any, error) {
	var in struct{ PolicyId, TargetId string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	p, err := e.findPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if !e.targetExists(in.TargetId) {
		return nil, newError("TargetNotFoundException", "We can't find a root, OU, account, or email that matches the TargetId that you specified.")
	}
	ps := e.policiesLocked()
	if p.id == fullAWSAccessID || ps.attached[p.id][in.TargetId] {
		return nil, newError("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")
	}
	n := 1 // FullAWSAccess
	for _, q := range ps.list {
		if q.id != fullAWSAccessID && q.typ == p.typ && ps.attached[q.id][in.TargetId] {
			n++
		}
	}
	if n >= 5 {
		return nil, newError("ConstraintViolationException", "You have attached the maximum number of policies of this type to the target.").
			with("Reason", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
	}
	if ps.attached[p.id] == nil {
		ps.attached[p.id] = make(map[string]bool)
	}
	ps.attached[p.id][in.TargetId] = true
	return map[string]any{}, nil
}

type policyListInput struct {
	pageInput
	Filter   string
	TargetId string
}

func (e *Emulator) listPolicies(c *call, raw []byte) (any, error) {
	var in policyListInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, p := range e.policiesLocked().list {
		if p.typ == in.Filter {
			items = append(items, policySummary(p))
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("Policies", page, next), nil
}

func (e *Emulator) listPoliciesForTarget(c *call, raw []byte) (any, error) {
	var in policyListInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if !e.targetExists(in.TargetId) {
		return nil, newError("TargetNotFoundException", "We can't find a root, OU, account, or email that matches the TargetId that you specified.")
	}
	items := []map[string]any{}
	for _, p := range e.policiesForTargetLocked(in.TargetId) {
		if p.typ == in.Filter {
			items = append(items, policySummary(p))
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("Policies", page, next), nil
}

// policiesForTargetLocked returns the policies attached directly to a
// target, FullAWSAccess first.
func (e *Emulator) policiesForTargetLocked(target string) []*orgPolicy {
	ps := e.policiesLocked()
	out := []*orgPolicy{ps.byID[fullAWSAccessID]}
	for _, p := range ps.list {
		if ps.attached[p.id][target] {
			out = append(out, p)
		}
	}
	return out
}

// OrgPolicyLevel is one level of an account's place in the organization
// (the root, each OU, the account) with the SCPs attached to it.
type OrgPolicyLevel struct {
	TargetID string
	Policies map[string]string // policy name -> content
}

// EffectiveSCPs returns the service control policies that apply to an
// account, the root first and the account last, as a policy simulator
// wants them. It returns nil for an unknown account.
func (e *Emulator) EffectiveSCPs(accountID string) []OrgPolicyLevel {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.org.accountByID[accountID]
	if a == nil {
		return nil
	}
	chain := []string{accountID}
	for parent := a.parentID; parent != ""; {
		chain = append(chain, parent)
		if parent == e.org.rootID {
			break
		}
		ou := e.org.ouByID[parent]
		if ou == nil {
			break
		}
		parent = ou.parentID
	}
	out := make([]OrgPolicyLevel, 0, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		lvl := OrgPolicyLevel{TargetID: chain[i], Policies: map[string]string{}}
		for _, p := range e.policiesForTargetLocked(chain[i]) {
			lvl.Policies[p.name] = p.content
		}
		out = append(out, lvl)
	}
	return out
}

// SCPNames returns the names of the customer-managed SCPs, sorted.
func (e *Emulator) SCPNames() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, p := range e.policiesLocked().list {
		if !p.awsManaged {
			out = append(out, p.name)
		}
	}
	sort.Strings(out)
	return out
}
