package awsemu

import (
	"strings"
)

// injectedFault makes the next calls of one operation fail.
type injectedFault struct {
	op        string // operation name ("CreateAccountAssignment") or full X-Amz-Target
	code      string
	remaining int
}

// matchesOp reports whether an operation selector (a bare operation name or
// a full X-Amz-Target) names op.
func matchesOp(selector string, op *operation) bool {
	return selector == op.name || selector == op.target
}

// InjectError makes the next times calls of operation op fail with the AWS
// error errName, before any validation or state change. op is an operation
// name such as "CreateAccountAssignment" (or a full X-Amz-Target such as
// "SWBExternalService.CreateAccountAssignment"). The HTTP status follows the
// error: ThrottlingException 429, ConflictException 409,
// InternalServerException 500, ResourceNotFoundException 404, and so on.
// Injections for the same operation queue up in the order they were made.
// times <= 0 removes every pending injection for op.
func (e *Emulator) InjectError(op string, errName string, times int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if times <= 0 {
		kept := e.faults[:0]
		for _, f := range e.faults {
			if f.op != op {
				kept = append(kept, f)
			}
		}
		e.faults = kept
		return
	}
	e.faults = append(e.faults, &injectedFault{op: op, code: errName, remaining: times})
}

// takeFaultLocked consumes one injected fault for op, if any, and returns the
// error to answer with.
func (e *Emulator) takeFaultLocked(op *operation) *apiError {
	for i, f := range e.faults {
		if !matchesOp(f.op, op) {
			continue
		}
		f.remaining--
		if f.remaining <= 0 {
			e.faults = append(e.faults[:i], e.faults[i+1:]...)
		}
		return injectedError(op, f.code)
	}
	return nil
}

func injectedError(op *operation, code string) *apiError {
	ae := newError(code, "injected %s for %s", code, op.name)
	switch code {
	case "ThrottlingException", "TooManyRequestsException":
		ae.Message = "Rate exceeded"
		if op.svc.prefix == prefixIdentityStore {
			ae.with("RetryAfterSeconds", 1)
		}
		if code == "TooManyRequestsException" {
			ae.with("Type", "TooManyRequests")
		}
	case "ConflictException":
		ae.Message = "The request could not be completed due to a conflict with a previous operation. Retry the request."
		if op.svc.prefix == prefixIdentityStore {
			ae.with("Reason", "CONCURRENT_MODIFICATION")
		}
	case "InternalServerException":
		ae.Message = "The request processing has failed because of an unknown error, exception or failure."
	}
	return ae
}

// FailNext makes the next provisioning request of the given kind ("create"
// for CreateAccountAssignment, "delete" for DeleteAccountAssignment) end
// FAILED with reason as its FailureReason instead of taking effect. Calls
// queue up: two FailNext("create", …) fail the next two creations.
func (e *Emulator) FailNext(op string, reason string) {
	var kind provisionKind
	switch strings.ToLower(op) {
	case "create", "createaccountassignment":
		kind = kindCreate
	case "delete", "deleteaccountassignment":
		kind = kindDelete
	default:
		panic("awsemu: FailNext op must be \"create\" or \"delete\", got " + op)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNext[kind] = append(e.failNext[kind], reason)
}

// Calls returns how many requests named operation op (a bare name such as
// "CreateAccountAssignment" or a full X-Amz-Target) has received, including
// the ones that failed.
func (e *Emulator) Calls(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for target, count := range e.calls {
		if target == op || strings.HasSuffix(target, "."+op) {
			n += count
		}
	}
	return n
}
