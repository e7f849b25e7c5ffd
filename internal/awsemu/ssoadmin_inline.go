package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
)

// Permission sets' inline policies (PutInlinePolicyToPermissionSet,
// GetInlinePolicyForPermissionSet, DeleteInlinePolicyFromPermissionSet)
// and their provisioning to accounts (ProvisionPermissionSet,
// DescribePermissionSetProvisioningStatus). As in AWS, a changed inline
// policy takes effect in an account only once the permission set has been
// provisioned to it again: the emulator keeps the document in force per
// account, which InlinePolicyInForce returns.
//
// Sessions: OpenSession records a user's sign-in to an account through a
// permission set with its issue time, what a policy simulator needs to
// evaluate aws:TokenIssueTime.

// inlineState is guarded by e.mu.
type inlineState struct {
	policy   map[string]string            // permission set ARN -> current inline policy
	inForce  map[string]map[string]string // account id -> permission set ARN -> provisioned inline policy
	requests map[string]*psProvisioning   // by request id
	sessions []Session
}

// psProvisioning is one ProvisionPermissionSet request.
type psProvisioning struct {
	requestID string
	psARN     string
	accounts  []string
	policy    string // the inline policy at submission
	created   time.Time
	due       time.Time
	status    string
	failure   string
	planned   string
}

func (s *inlineState) init() {
	if s.policy == nil {
		s.policy = make(map[string]string)
		s.inForce = make(map[string]map[string]string)
		s.requests = make(map[string]*psProvisioning)
	}
}

// inlineInput is the input of the inline-policy operations and of
// ProvisionPermissionSet.
type inlineInput struct {
	InstanceArn, PermissionSetArn string
	InlinePolicy                  string
	TargetId, TargetType          string
}

// inlinePermissionSet decodes an inline-policy request and checks its
// instance and its permission set.
func (e *Emulator) inlinePermissionSet(c *call, raw []byte) (*permissionSet, inlineInput, error) {
	var in inlineInput
	if err := decode(raw, &in); err != nil {
		return nil, in, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, in, err
	}
	ps, err := e.findPermissionSet(in.PermissionSetArn)
	if err != nil {
		return nil, in, err
	}
	if e.delegated() && e.provisioned[e.org.mgmt.id][ps.arn] {
		return nil, in, e.accessDenied("sso:"+c.op.name, "a permission set provisioned to the management account")
	}
	e.inline.init()
	return ps, in, nil
}

func (e *Emulator) putInlinePolicy(c *call, raw []byte) (any, error) {
	ps, in, err := e.inlinePermissionSet(c, raw)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyJSON(in.InlinePolicy); err != nil {
		return nil, err
	}
	e.inline.policy[ps.arn] = in.InlinePolicy
	return map[string]any{}, nil
}

// checkPolicyJSON is IAM's first check of a policy document: a JSON object
// with a Statement.
func checkPolicyJSON(doc string) error {
	if err := checkSCPContent(doc); err != nil {
		if ae, ok := err.(*apiError); ok && ae.Code == "ConstraintViolationException" {
			return nil // the 5,120-character limit is an SCP's; the model caps inline policies at 32,768
		}
		return newError("ValidationException", "The policy document is not valid JSON with a Statement element.")
	}
	return nil
}

func (e *Emulator) getInlinePolicy(c *call, raw []byte) (any, error) {
	ps, _, err := e.inlinePermissionSet(c, raw)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if doc, ok := e.inline.policy[ps.arn]; ok {
		out["InlinePolicy"] = doc
	}
	return out, nil
}

func (e *Emulator) deleteInlinePolicy(c *call, raw []byte) (any, error) {
	ps, _, err := e.inlinePermissionSet(c, raw)
	if err != nil {
		return nil, err
	}
	delete(e.inline.policy, ps.arn)
	return map[string]any{}, nil
}

func (e *Emulator) provisionPermissionSet(c *call, raw []byte) (any, error) {
	ps, in, err := e.inlinePermissionSet(c, raw)
	if err != nil {
		return nil, err
	}
	var accounts []string
	switch in.TargetType {
	case "AWS_ACCOUNT":
		if in.TargetId == "" {
			return nil, newError("ValidationException", "TargetId is required when TargetType is AWS_ACCOUNT.")
		}
		if e.org.accountByID[in.TargetId] == nil {
			return nil, newError("ResourceNotFoundException", "Could not find account %s", in.TargetId)
		}
		if e.delegated() && in.TargetId == e.org.mgmt.id {
			return nil, e.accessDenied("sso:ProvisionPermissionSet", "the management account "+in.TargetId)
		}
		accounts = []string{in.TargetId}
	case "ALL_PROVISIONED_ACCOUNTS":
		if in.TargetId != "" {
			return nil, newError("ValidationException", "TargetId must not be set when TargetType is ALL_PROVISIONED_ACCOUNTS.")
		}
		for id, set := range e.provisioned {
			if set[ps.arn] {
				accounts = append(accounts, id)
			}
		}
		sort.Strings(accounts)
	}
	p := &psProvisioning{
		requestID: uuid.NewString(), psARN: ps.arn, accounts: accounts, policy: e.inline.policy[ps.arn],
		created: c.now, due: c.now.Add(e.provisioningDelayLocked()), status: "IN_PROGRESS",
		planned: e.plannedFailureLocked(c.op.name),
	}
	e.inline.requests[p.requestID] = p
	e.settlePSLocked(c.now)
	return map[string]any{"PermissionSetProvisioningStatus": p.json()}, nil
}

func (p *psProvisioning) json() map[string]any {
	out := map[string]any{"Status": p.status, "RequestId": p.requestID, "PermissionSetArn": p.psARN, "CreatedDate": epochPtr(p.created)}
	if len(p.accounts) == 1 {
		out["AccountId"] = p.accounts[0]
	}
	if p.failure != "" {
		out["FailureReason"] = p.failure
	}
	return out
}

// settlePSLocked finishes the permission-set provisioning requests that
// are due: the inline policy of the request is in force in its accounts.
func (e *Emulator) settlePSLocked(now time.Time) {
	for _, p := range e.inline.requests {
		if p.status != "IN_PROGRESS" || now.Before(p.due) {
			continue
		}
		if p.planned != "" {
			p.status, p.failure = "FAILED", p.planned
			continue
		}
		for _, acct := range p.accounts {
			m := e.inline.inForce[acct]
			if m == nil {
				m = make(map[string]string)
				e.inline.inForce[acct] = m
			}
			if p.policy == "" {
				delete(m, p.psARN)
			} else {
				m[p.psARN] = p.policy
			}
			e.markProvisioned(Assignment{AccountID: acct, PermissionSetARN: p.psARN})
		}
		p.status = "SUCCEEDED"
	}
}

func (e *Emulator) describePSProvisioningStatus(c *call, raw []byte) (any, error) {
	var in struct{ InstanceArn, ProvisionPermissionSetRequestId string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	e.inline.init()
	e.settlePSLocked(c.now)
	p := e.inline.requests[in.ProvisionPermissionSetRequestId]
	if p == nil {
		return nil, newError("ResourceNotFoundException", "The specified request ID %s was not found", in.ProvisionPermissionSetRequestId)
	}
	return map[string]any{"PermissionSetProvisioningStatus": p.json()}, nil
}

// InlinePolicy returns a permission set's current inline policy ("" when
// it has none).
func (e *Emulator) InlinePolicy(permissionSetARN string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inline.init()
	return e.inline.policy[permissionSetARN]
}

// SetInlinePolicy sets a permission set's inline policy and provisions it
// to every account it is provisioned to, as an operator would with the
// console; tests use it to give a permission set the operator's own
// statements.
func (e *Emulator) SetInlinePolicy(permissionSetARN, doc string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inline.init()
	e.inline.policy[permissionSetARN] = doc
	for acct, set := range e.provisioned {
		if set[permissionSetARN] {
			if e.inline.inForce[acct] == nil {
				e.inline.inForce[acct] = make(map[string]string)
			}
			e.inline.inForce[acct][permissionSetARN] = doc
		}
	}
}

// InlinePolicyInForce returns the inline policy of a permission set as
// last provisioned to an account ("" when none).
func (e *Emulator) InlinePolicyInForce(accountID, permissionSetARN string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inline.init()
	e.settlePSLocked(e.now())
	return e.inline.inForce[accountID][permissionSetARN]
}

// Session is a user's session in an account through a permission set: the
// role it assumed and when its credentials were issued.
type Session struct {
	UserID            string
	UserName          string
	AccountID         string
	PermissionSetARN  string
	PermissionSetName string
	RoleARN           string // arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<name>_<hash>
	AssumedRoleARN    string // arn:aws:sts::<account>:assumed-role/AWSReservedSSO_<name>_<hash>/<user name>
	IssuedAt          time.Time
}

// OpenSession signs a user in to an account through a permission set, as
// the AWS access portal does, and records the session with its issue time
// (the emulator's clock, whole seconds as in aws:TokenIssueTime). The user
// needs an assignment, directly or through a group.
func (e *Emulator) OpenSession(userID, accountID, permissionSetARN string) (Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.settleLocked(now)
	u := e.ids.userByID[userID]
	ps := e.sso.psByARN[permissionSetARN]
	if u == nil || ps == nil || e.org.accountByID[accountID] == nil {
		return Session{}, fmt.Errorf("awsemu: open session: unknown user %q, account %q or permission set %q", userID, accountID, permissionSetARN)
	}
	if u.disabled {
		return Session{}, fmt.Errorf("awsemu: open session: user %s is disabled", u.userName)
	}
	if !e.assignedLocked(userID, accountID, permissionSetARN) {
		return Session{}, fmt.Errorf("awsemu: open session: %s has no assignment of %s in %s", u.userName, ps.name, accountID)
	}
	sum := sha256.Sum256([]byte(accountID + ps.arn))
	role := "AWSReservedSSO_" + ps.name + "_" + hex.EncodeToString(sum[:8])
	s := Session{
		UserID: userID, UserName: u.userName, AccountID: accountID, PermissionSetARN: ps.arn, PermissionSetName: ps.name,
		RoleARN:        fmt.Sprintf("arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/%s/%s", accountID, e.region, role),
		AssumedRoleARN: fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", accountID, role, u.userName),
		IssuedAt:       now.UTC().Truncate(time.Second),
	}
	e.inline.init()
	e.inline.sessions = append(e.inline.sessions, s)
	return s, nil
}

// assignedLocked reports whether the user holds the permission set in the
// account, directly or through a group.
func (e *Emulator) assignedLocked(userID, accountID, psARN string) bool {
	if _, ok := e.assignments[Assignment{AccountID: accountID, PermissionSetARN: psARN, PrincipalType: "USER", PrincipalID: userID}]; ok {
		return true
	}
	for _, m := range e.ids.memberships {
		if m.userID != userID {
			continue
		}
		if _, ok := e.assignments[Assignment{AccountID: accountID, PermissionSetARN: psARN, PrincipalType: "GROUP", PrincipalID: m.groupID}]; ok {
			return true
		}
	}
	return false
}

// Sessions returns the sessions opened so far, in order.
func (e *Emulator) Sessions() []Session {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Session(nil), e.inline.sessions...)
}
