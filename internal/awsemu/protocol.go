package awsemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const (
	contentTypeJSON = "application/x-amz-json-1.1"
	maxBodyBytes    = 1 << 20
)

// service describes one AWS service served by the emulator.
type service struct {
	prefix     string // X-Amz-Target prefix
	defaultMax int    // default page size
	// invalid builds the service's error for violated input constraints.
	invalid func(msg, reason string) *apiError
}

// operation is one routable operation.
type operation struct {
	svc     *service
	target  string // prefix.Name
	name    string
	input   *shape
	handler func(c *call, body []byte) (any, error)
}

// call carries per-request context into a handler.
type call struct {
	op    *operation
	reqID string
	now   time.Time
}

// apiError is an AWS error response.
type apiError struct {
	Code    string
	Status  int
	Message string
	Fields  map[string]any // extra modeled members, e.g. Reason
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errorStatus maps AWS error names to the HTTP status of their Smithy
// httpError trait; unknown names are client errors unless they look like
// server faults.
func errorStatus(code string) int {
	switch code {
	case "ValidationException", "InvalidInputException", "SerializationException", "UnknownOperationException":
		return http.StatusBadRequest
	case "ServiceQuotaExceededException":
		return http.StatusPaymentRequired
	case "AccessDeniedException":
		return http.StatusForbidden
	case "ResourceNotFoundException", "AWSOrganizationsNotInUseException", "AccountNotFoundException",
		"ParentNotFoundException", "ChildNotFoundException":
		return http.StatusNotFound
	case "ConflictException", "ConcurrentModificationException":
		return http.StatusConflict
	case "ThrottlingException", "TooManyRequestsException":
		return http.StatusTooManyRequests
	case "InternalServerException", "ServiceException", "InternalFailure":
		return http.StatusInternalServerError
	case "ServiceUnavailableException", "ServiceUnavailable":
		return http.StatusServiceUnavailable
	}
	if strings.Contains(code, "Internal") || strings.Contains(code, "ServiceException") {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func newError(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: errorStatus(code), Message: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(key string, value any) *apiError {
	if e.Fields == nil {
		e.Fields = make(map[string]any)
	}
	e.Fields[key] = value
	return e
}

// epoch is a timestamp that encodes as a JSON number of epoch seconds, as
// the awsJson protocols require.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func epochPtr(t time.Time) *epoch {
	v := epoch(t)
	return &v
}

// ServeHTTP serves the awsJson1_1 protocol: POST / with an X-Amz-Target
// header naming the operation.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		e.serveAdmin(w, r)
		return
	}
	reqID := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", reqID)
	if isSTS(r) {
		e.serveSTS(w, r, reqID)
		return
	}
	if isS3(r) { // REST-XML (s3.go)
		w.Header().Del("x-amzn-RequestId")
		e.serveS3(w, r)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := e.ops[target]

	status, resp, err := e.serve(r, op, reqID)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			e.logger.Error("awsemu: internal error", "target", target, "request_id", reqID, "err", err)
			ae = newError("InternalServerException", "internal error: %v", err)
			if op != nil && op.svc.prefix == prefixOrganizations {
				ae = newError("ServiceException", "internal error: %v", err)
			}
		}
		e.recordError(op, ae.Code)
		e.writeError(w, op, reqID, ae)
		e.logger.Debug("awsemu request", "target", target, "request_id", reqID, "status", ae.Status, "error", ae.Code)
		return
	}
	var buf bytes.Buffer
	if resp == nil {
		resp = struct{}{}
	}
	if err := json.NewEncoder(&buf).Encode(resp); err != nil {
		e.writeError(w, op, reqID, newError("InternalServerException", "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	e.logger.Debug("awsemu request", "target", target, "request_id", reqID, "status", status)
}

// serve runs one request: routing, call counting, injected faults, input
// validation and the handler, in that order.
func (e *Emulator) serve(r *http.Request, op *operation, reqID string) (int, any, error) {
	if r.Method != http.MethodPost {
		return 0, nil, newError("UnknownOperationException", "method %s not allowed; use POST", r.Method)
	}
	if op == nil {
		return 0, nil, newError("UnknownOperationException", "unknown operation %q", r.Header.Get("X-Amz-Target"))
	}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return 0, nil, newError("SerializationException", "read request body: %v", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}

	e.mu.Lock()
	e.calls[op.target]++
	fault := e.rateLimitLocked(op, e.now())
	if fault == nil {
		fault = e.takeFaultLocked(op)
	}
	latency, drawn := e.drawFaultLocked(op)
	e.mu.Unlock()
	if latency > 0 {
		if err := e.sleep(r.Context(), latency); err != nil {
			return 0, nil, fmt.Errorf("%s: %w", op.name, err)
		}
	}
	if fault != nil {
		return 0, nil, fault
	}
	if drawn != nil {
		return 0, nil, drawn
	}

	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return 0, nil, newError("SerializationException", "request body is not a JSON object: %v", err)
	}
	if vs := validateInput(op.input, body); len(vs) > 0 {
		return 0, nil, op.svc.invalid(validationMessage(vs), vs[0].reason)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	c := &call{op: op, reqID: reqID, now: e.now()}
	e.settleLocked(c.now)
	resp, err := op.handler(c, raw)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", op.name, err)
	}
	return http.StatusOK, resp, nil
}

// writeError writes an awsJson error: the status, X-Amzn-ErrorType and a
// body with __type, Message and the modeled members.
func (e *Emulator) writeError(w http.ResponseWriter, op *operation, reqID string, ae *apiError) {
	body := map[string]any{"__type": ae.Code, "Message": ae.Message}
	if op != nil && op.svc.prefix == prefixIdentityStore {
		// Every identitystore error shape carries RequestId.
		body["RequestId"] = reqID
	}
	for k, v := range ae.Fields {
		body[k] = v
	}
	buf, err := json.Marshal(body)
	if err != nil {
		buf = []byte(`{"__type":"InternalServerException","Message":"encode error"}`)
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.Header().Set("X-Amzn-ErrorType", ae.Code)
	w.WriteHeader(ae.Status)
	_, _ = w.Write(buf)
}

// decode unmarshals a request body into a typed input.
func decode(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return newError("SerializationException", "decode request: %v", err)
	}
	return nil
}

// operations builds the routing table.
func (e *Emulator) operations() map[string]*operation {
	ssoInvalid := func(msg, _ string) *apiError { return newError("ValidationException", "%s", msg) }
	sso := &service{prefix: prefixSSOAdmin, defaultMax: 100, invalid: ssoInvalid}
	ids := &service{prefix: prefixIdentityStore, defaultMax: 100, invalid: ssoInvalid}
	org := &service{prefix: prefixOrganizations, defaultMax: 20, invalid: func(msg, reason string) *apiError {
		return newError("InvalidInputException", "%s", msg).with("Reason", reason)
	}}

	handlers := map[*service]map[string]func(*call, []byte) (any, error){
		sso: {
			"ListInstances":                           e.listInstances,
			"ListPermissionSets":                      e.listPermissionSets,
			"DescribePermissionSet":                   e.describePermissionSet,
			"CreateAccountAssignment":                 e.createAccountAssignment,
			"DeleteAccountAssignment":                 e.deleteAccountAssignment,
			"DescribeAccountAssignmentCreationStatus": e.describeCreationStatus,
			"DescribeAccountAssignmentDeletionStatus": e.describeDeletionStatus,
			"ListAccountAssignments":                  e.listAccountAssignments,
			"ListAccountAssignmentCreationStatus":     e.listCreationStatus,
			"ListAccountAssignmentDeletionStatus":     e.listDeletionStatus,
			"ListAccountAssignmentsForPrincipal":      e.listAccountAssignmentsForPrincipal,
			"ListPermissionSetsProvisionedToAccount":  e.listPermissionSetsProvisionedToAccount,
			"ListAccountsForProvisionedPermissionSet": e.listAccountsForProvisionedPermissionSet,
			"PutInlinePolicyToPermissionSet":          e.putInlinePolicy,
			"GetInlinePolicyForPermissionSet":         e.getInlinePolicy,
			"DeleteInlinePolicyFromPermissionSet":     e.deleteInlinePolicy,
			"ProvisionPermissionSet":                  e.provisionPermissionSet,
			"DescribePermissionSetProvisioningStatus": e.describePSProvisioningStatus,
		},
		ids: {
			"ListUsers":                     e.listUsers,
			"DescribeUser":                  e.describeUser,
			"ListGroups":                    e.listGroups,
			"DescribeGroup":                 e.describeGroup,
			"ListGroupMemberships":          e.listGroupMemberships,
			"ListGroupMembershipsForMember": e.listGroupMembershipsForMember,
			"GetUserId":                     e.getUserID,
			"IsMemberInGroups":              e.isMemberInGroups,
			"GetGroupId":                    e.getGroupID,
			"GetGroupMembershipId":          e.getGroupMembershipID,
			"CreateGroupMembership":         e.createGroupMembership,
			"DeleteGroupMembership":         e.deleteGroupMembership,
		},
		org: {
			"DescribeOrganization":             e.describeOrganization,
			"ListRoots":                        e.listRoots,
			"ListOrganizationalUnitsForParent": e.listOUsForParent,
			"ListAccounts":                     e.listAccounts,
			"ListAccountsForParent":            e.listAccountsForParent,
			"DescribeAccount":                  e.describeAccount,
			"ListParents":                      e.listParents,
			"CreatePolicy":                     e.createPolicy,
			"UpdatePolicy":                     e.updatePolicy,
			"DescribePolicy":                   e.describePolicy,
			"AttachPolicy":                     e.attachPolicy,
			"ListPolicies":                     e.listPolicies,
			"ListPoliciesForTarget":            e.listPoliciesForTarget,
		},
	}
	for name, h := range e.managedHandlers() { // managed policy references (ssoadmin_managed.go)
		handlers[sso][name] = h
	}
	inputs := inputShapes()
	ops := make(map[string]*operation)
	for svc, hs := range handlers {
		for name, h := range hs {
			target := svc.prefix + "." + name
			in := inputs[target]
			if in == nil {
				panic("awsemu: no input shape for " + target) // programming error, caught by every test
			}
			ops[target] = &operation{svc: svc, target: target, name: name, input: in, handler: h}
		}
	}
	for target, op := range e.trailOperations() { // CloudTrail Lake and CloudWatch Logs queries (trail.go)
		ops[target] = op
	}
	return ops
}
