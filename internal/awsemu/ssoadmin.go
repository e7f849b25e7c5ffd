package awsemu

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// provisionKind is the kind of an asynchronous account-assignment request.
type provisionKind string

const (
	kindCreate provisionKind = "create"
	kindDelete provisionKind = "delete"
)

// provisioning is one CreateAccountAssignment or DeleteAccountAssignment
// request and its outcome.
type provisioning struct {
	requestID string
	kind      provisionKind
	key       Assignment
	created   time.Time
	due       time.Time
	status    string // IN_PROGRESS, SUCCEEDED or FAILED
	failure   string // FailureReason once FAILED
	planned   string // failure chosen at submission by FailNext or a FailRate
	// statusCalls counts Describe…Status calls, for
	// Fault.NotFoundOnStatusCalls.
	statusCalls int
}

// settleLocked finishes every provisioning request that is due at now, in
// submission order.
func (e *Emulator) settleLocked(now time.Time) {
	kept := e.pending[:0]
	for _, p := range e.pending {
		if now.Before(p.due) {
			kept = append(kept, p)
			continue
		}
		e.completeLocked(p)
	}
	clear(e.pending[len(kept):])
	e.pending = kept
}

func (e *Emulator) completeLocked(p *provisioning) {
	if p.planned != "" {
		p.status, p.failure = "FAILED", p.planned
		return
	}
	switch p.kind {
	case kindCreate:
		if _, ok := e.assignments[p.key]; !ok {
			e.assignments[p.key] = p.due
		}
		e.markProvisioned(p.key)
		e.addSessionEventsLocked(p.key, p.due)
		p.status = "SUCCEEDED"
	case kindDelete:
		if _, ok := e.assignments[p.key]; !ok {
			p.status = "FAILED"
			p.failure = fmt.Sprintf("Received a 404 status error: EntitlementItem doesn't exist with the given entitlement key %s:%s:%s:%s:%s",
				e.sso.instanceID, p.key.AccountID, p.key.PermissionSetARN, p.key.PrincipalType, p.key.PrincipalID)
			return
		}
		delete(e.assignments, p.key)
		p.status = "SUCCEEDED"
	}
}

// markProvisioned records that a permission set has been provisioned to an
// account. Like in AWS, it stays provisioned when assignments go away.
func (e *Emulator) markProvisioned(a Assignment) {
	set := e.provisioned[a.AccountID]
	if set == nil {
		set = make(map[string]bool)
		e.provisioned[a.AccountID] = set
	}
	set[a.PermissionSetARN] = true
}

// Wire types.

type assignmentInput struct {
	InstanceArn      string
	TargetId         string
	TargetType       string
	PermissionSetArn string
	PrincipalType    string
	PrincipalId      string
}

type operationStatus struct {
	Status           string
	RequestId        string
	FailureReason    string `json:",omitempty"`
	TargetId         string
	TargetType       string
	PermissionSetArn string
	PrincipalType    string
	PrincipalId      string
	CreatedDate      *epoch
}

func statusOf(p *provisioning) *operationStatus {
	return &operationStatus{
		Status:           p.status,
		RequestId:        p.requestID,
		FailureReason:    p.failure,
		TargetId:         p.key.AccountID,
		TargetType:       "AWS_ACCOUNT",
		PermissionSetArn: p.key.PermissionSetARN,
		PrincipalType:    p.key.PrincipalType,
		PrincipalId:      p.key.PrincipalID,
		CreatedDate:      epochPtr(p.created),
	}
}

type operationStatusMetadata struct {
	Status      string
	RequestId   string
	CreatedDate *epoch
}

type accountAssignment struct {
	AccountId        string
	PermissionSetArn string
	PrincipalType    string
	PrincipalId      string
}

func (e *Emulator) checkInstance(arn string) error {
	if arn != e.sso.instanceARN {
		return newError("ResourceNotFoundException", "Could not find instance %s", arn)
	}
	return nil
}

func (e *Emulator) findPermissionSet(arn string) (*permissionSet, error) {
	ps := e.sso.psByARN[arn]
	if ps == nil {
		return nil, newError("ResourceNotFoundException", "Could not find PermissionSet with id %s", arnSuffix(arn))
	}
	return ps, nil
}

func arnSuffix(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

// resolveAssignment checks that everything an assignment request names
// exists and returns the assignment key.
func (e *Emulator) resolveAssignment(in assignmentInput) (Assignment, error) {
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return Assignment{}, err
	}
	if _, err := e.findPermissionSet(in.PermissionSetArn); err != nil {
		return Assignment{}, err
	}
	if e.org.accountByID[in.TargetId] == nil {
		return Assignment{}, newError("ValidationException", "The target account %s is not a member of the organization", in.TargetId)
	}
	switch in.PrincipalType {
	case "USER":
		if e.ids.userByID[in.PrincipalId] == nil {
			return Assignment{}, newError("ResourceNotFoundException", "Could not find USER with id %s in identity store %s", in.PrincipalId, e.ids.storeID)
		}
	case "GROUP":
		if e.ids.groupByID[in.PrincipalId] == nil {
			return Assignment{}, newError("ResourceNotFoundException", "Could not find GROUP with id %s in identity store %s", in.PrincipalId, e.ids.storeID)
		}
	}
	return Assignment{AccountID: in.TargetId, PermissionSetARN: in.PermissionSetArn, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalId}, nil
}

// pendingFor returns the first IN_PROGRESS request for key, of the given
// kind or of any kind when kind is "".
func (e *Emulator) pendingFor(key Assignment, kind provisionKind) *provisioning {
	for _, p := range e.pending {
		if p.key == key && (kind == "" || p.kind == kind) {
			return p
		}
	}
	return nil
}

// submitLocked records a new provisioning request.
func (e *Emulator) submitLocked(c *call, kind provisionKind, key Assignment) *provisioning {
	p := &provisioning{
		requestID: uuid.NewString(),
		kind:      kind,
		key:       key,
		created:   c.now,
		due:       c.now.Add(e.provisioningDelayLocked()),
		status:    "IN_PROGRESS",
	}
	if q := e.failNext[kind]; len(q) > 0 {
		p.planned, e.failNext[kind] = q[0], q[1:]
	} else {
		p.planned = e.plannedFailureLocked(c.op.name)
	}
	e.requests[p.requestID] = p
	e.history[kind] = append(e.history[kind], p)
	e.pending = append(e.pending, p)
	return p
}

func (e *Emulator) createAccountAssignment(c *call, raw []byte) (any, error) {
	var in assignmentInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	key, err := e.resolveAssignment(in)
	if err != nil {
		return nil, err
	}
	if err := e.checkManagementRules(c, key); err != nil {
		return nil, err
	}
	if e.opts.ConflictOnPending && e.pendingFor(key, "") != nil {
		return nil, newError("ConflictException", "Another account assignment operation is in progress for this principal, permission set and account. Retry the request.")
	}
	if err := e.inFlightLimitLocked(); err != nil {
		return nil, err
	}
	p := e.submitLocked(c, kindCreate, key)
	return map[string]any{"AccountAssignmentCreationStatus": statusOf(p)}, nil
}

func (e *Emulator) deleteAccountAssignment(c *call, raw []byte) (any, error) {
	var in assignmentInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	key, err := e.resolveAssignment(in)
	if err != nil {
		return nil, err
	}
	if err := e.checkManagementRules(c, key); err != nil {
		return nil, err
	}
	if e.opts.ConflictOnPending && e.pendingFor(key, "") != nil {
		return nil, newError("ConflictException", "Another account assignment operation is in progress for this principal, permission set and account. Retry the request.")
	}
	if err := e.inFlightLimitLocked(); err != nil {
		return nil, err
	}
	if e.opts.DeleteMissingSync {
		if _, ok := e.assignments[key]; !ok && e.pendingFor(key, kindCreate) == nil {
			return nil, newError("ResourceNotFoundException", "Could not find account assignment for principal %s with permission set %s in account %s",
				key.PrincipalID, arnSuffix(key.PermissionSetARN), key.AccountID)
		}
	}
	p := e.submitLocked(c, kindDelete, key)
	return map[string]any{"AccountAssignmentDeletionStatus": statusOf(p)}, nil
}

func (e *Emulator) describeStatus(c *call, raw []byte, kind provisionKind, outMember string) (any, error) {
	var in struct {
		InstanceArn                        string
		AccountAssignmentCreationRequestId string
		AccountAssignmentDeletionRequestId string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	id := in.AccountAssignmentCreationRequestId
	if kind == kindDelete {
		id = in.AccountAssignmentDeletionRequestId
	}
	p := e.requests[id]
	if p == nil || p.kind != kind || e.statusFaultLocked(c.op.name, p) {
		return nil, newError("ResourceNotFoundException", "The specified request ID %s was not found", id)
	}
	return map[string]any{outMember: statusOf(p)}, nil
}

func (e *Emulator) describeCreationStatus(c *call, raw []byte) (any, error) {
	return e.describeStatus(c, raw, kindCreate, "AccountAssignmentCreationStatus")
}

func (e *Emulator) describeDeletionStatus(c *call, raw []byte) (any, error) {
	return e.describeStatus(c, raw, kindDelete, "AccountAssignmentDeletionStatus")
}

type statusListInput struct {
	pageInput
	InstanceArn string
	Filter      *struct{ Status string }
}

func (e *Emulator) listStatus(c *call, raw []byte, kind provisionKind, outMember string) (any, error) {
	var in statusListInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	items := []operationStatusMetadata{}
	for _, p := range e.history[kind] {
		if in.Filter != nil && in.Filter.Status != "" && in.Filter.Status != p.status {
			continue
		}
		items = append(items, operationStatusMetadata{Status: p.status, RequestId: p.requestID, CreatedDate: epochPtr(p.created)})
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult(outMember, page, next), nil
}

func (e *Emulator) listCreationStatus(c *call, raw []byte) (any, error) {
	return e.listStatus(c, raw, kindCreate, "AccountAssignmentsCreationStatus")
}

func (e *Emulator) listDeletionStatus(c *call, raw []byte) (any, error) {
	return e.listStatus(c, raw, kindDelete, "AccountAssignmentsDeletionStatus")
}

func (e *Emulator) sortedAssignmentsLocked(keep func(Assignment) bool) []accountAssignment {
	var as []Assignment
	for a := range e.assignments {
		if keep(a) {
			as = append(as, a)
		}
	}
	sortAssignments(as)
	out := make([]accountAssignment, len(as))
	for i, a := range as {
		out[i] = accountAssignment{AccountId: a.AccountID, PermissionSetArn: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalId: a.PrincipalID}
	}
	return out
}

func (e *Emulator) listAccountAssignments(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		InstanceArn, AccountId, PermissionSetArn string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if _, err := e.findPermissionSet(in.PermissionSetArn); err != nil {
		return nil, err
	}
	items := e.sortedAssignmentsLocked(func(a Assignment) bool {
		return a.AccountID == in.AccountId && a.PermissionSetARN == in.PermissionSetArn
	})
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("AccountAssignments", page, next), nil
}

func (e *Emulator) listAccountAssignmentsForPrincipal(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		InstanceArn, PrincipalId, PrincipalType string
		Filter                                  *struct{ AccountId string }
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	items := e.sortedAssignmentsLocked(func(a Assignment) bool {
		if in.Filter != nil && in.Filter.AccountId != "" && a.AccountID != in.Filter.AccountId {
			return false
		}
		return a.PrincipalID == in.PrincipalId && a.PrincipalType == in.PrincipalType
	})
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("AccountAssignments", page, next), nil
}

func (e *Emulator) listPermissionSetsProvisionedToAccount(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		InstanceArn, AccountId, ProvisioningStatus string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	items := []string{}
	// Provisioning always brings the latest version in the emulator, so
	// nothing is ever LATEST_PERMISSION_SET_NOT_PROVISIONED.
	if in.ProvisioningStatus != "LATEST_PERMISSION_SET_NOT_PROVISIONED" {
		for _, ps := range e.sso.psList {
			if e.provisioned[in.AccountId][ps.arn] {
				items = append(items, ps.arn)
			}
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("PermissionSets", page, next), nil
}

func (e *Emulator) listInstances(c *call, raw []byte) (any, error) {
	var in pageInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	items := []map[string]any{{
		"InstanceArn":     e.sso.instanceARN,
		"IdentityStoreId": e.ids.storeID,
		"OwnerAccountId":  e.org.mgmt.id,
		"Name":            e.sso.name,
		"CreatedDate":     epochPtr(e.created),
		"Status":          "ACTIVE",
		"PrimaryRegion":   e.region,
	}}
	page, next, err := paginate(e, c, in, items)
	if err != nil {
		return nil, err
	}
	return listResult("Instances", page, next), nil
}

func (e *Emulator) listPermissionSets(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		InstanceArn string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	items := make([]string, len(e.sso.psList))
	for i, ps := range e.sso.psList {
		items[i] = ps.arn
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("PermissionSets", page, next), nil
}

func (e *Emulator) describePermissionSet(_ *call, raw []byte) (any, error) {
	var in struct{ InstanceArn, PermissionSetArn string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	ps, err := e.findPermissionSet(in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if e.delegated() && e.provisioned[e.org.mgmt.id][ps.arn] {
		return nil, e.accessDenied("sso:DescribePermissionSet", "a permission set provisioned to the management account")
	}
	out := map[string]any{
		"Name":             ps.name,
		"PermissionSetArn": ps.arn,
		"CreatedDate":      epochPtr(ps.created),
		"SessionDuration":  ps.sessionDuration,
	}
	if ps.description != "" {
		out["Description"] = ps.description
	}
	return map[string]any{"PermissionSet": out}, nil
}

// accessDenied is the AccessDeniedException a delegated administrator gets
// for what only the management account may do.
func (e *Emulator) accessDenied(action, what string) *apiError {
	return newError("AccessDeniedException",
		"User: arn:aws:sts::%s:assumed-role/elevate/emulator is not authorized to perform: %s on %s: a delegated administrator cannot manage the management account or permission sets provisioned to it",
		e.caller, action, what)
}

// checkManagementRules applies the delegated-administrator restrictions
// to a Create/DeleteAccountAssignment request.
func (e *Emulator) checkManagementRules(c *call, key Assignment) error {
	if !e.delegated() {
		return nil
	}
	action := "sso:" + c.op.name
	mgmt := e.org.mgmt.id
	if key.AccountID == mgmt {
		return e.accessDenied(action, "the management account "+mgmt)
	}
	if c.op.name == "CreateAccountAssignment" && e.provisioned[mgmt][key.PermissionSetARN] {
		return e.accessDenied(action, "permission set "+arnSuffix(key.PermissionSetARN)+", which is provisioned to the management account")
	}
	return nil
}

func (e *Emulator) listAccountsForProvisionedPermissionSet(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		InstanceArn, PermissionSetArn, ProvisioningStatus string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if _, err := e.findPermissionSet(in.PermissionSetArn); err != nil {
		return nil, err
	}
	items := []string{}
	// As in ListPermissionSetsProvisionedToAccount, every provisioned
	// permission set is at its latest version.
	if in.ProvisioningStatus != "LATEST_PERMISSION_SET_NOT_PROVISIONED" {
		for _, a := range e.org.accounts {
			if e.provisioned[a.id][in.PermissionSetArn] {
				items = append(items, a.id)
			}
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("AccountIds", page, next), nil
}
