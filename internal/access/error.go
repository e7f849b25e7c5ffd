package access

import (
	"errors"
	"fmt"
)

// Code classifies an error that a user sees. The edge (API, CLI, portal) maps
// each code to a status exactly once.
type Code string

// Error codes.
const (
	CodeInvalid           Code = "invalid_argument"   // the input is malformed or out of range
	CodeNotFound          Code = "not_found"          // no such request, user, account, ...
	CodeUnauthenticated   Code = "unauthenticated"    // no or bad credentials
	CodeForbidden         Code = "forbidden"          // the actor may not do this
	CodeSelfApproval      Code = "self_approval"      // a requester tried to decide their own request
	CodeAlreadyDecided    Code = "already_decided"    // the actor already approved or rejected this request
	CodeIllegalTransition Code = "illegal_transition" // the request's status does not allow the action
	CodeNotEligible       Code = "not_eligible"       // no rule allows the request
	// CodeDelegatedAdminLimit: AWS does not let elevate, a delegated
	// administrator, assign the pair (the management account, or a
	// permission set managed there), whatever the policy says (422).
	CodeDelegatedAdminLimit Code = "delegated_admin_limit"
	CodeConflict            Code = "conflict" // a concurrent change won; retry
	// CodeApproverMFARequired: the request's rule accepts an approval only
	// from a portal session whose sign-in proved multi-factor
	// authentication recently; API tokens and Slack can't approve it (403).
	CodeApproverMFARequired Code = "approver_mfa_required"
	CodeInternal            Code = "internal" // anything else
	// Refusals of the sign-in and rate-limiting layers.
	CodeUserDisabled Code = "user_disabled" // the user is disabled in, or gone from, the directory (401)
	CodeRateLimited  Code = "rate_limited"  // too many attempts; retry after the Retry-After header (429)
)

// Error is an error meant for the user: a stable code and a message that says
// what is wrong and how to fix it.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ProvisioningError reports that AWS finished an assignment operation with
// status FAILED, or refused it permanently. Retrying the same call will not
// help; the reason is AWS's own.
type ProvisioningError struct {
	Op        string // "create" or "delete"
	RequestID string // AWS's request id for the operation, when known
	Reason    string // AWS's FailureReason or error message
}

func (e *ProvisioningError) Error() string {
	if e.RequestID != "" {
		return fmt.Sprintf("AWS %s of account assignment failed (request %s): %s", e.Op, e.RequestID, e.Reason)
	}
	return fmt.Sprintf("AWS %s of account assignment failed: %s", e.Op, e.Reason)
}
