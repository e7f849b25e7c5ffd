package awsemu

import (
	"strings"
	"time"
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
			_ = ae.with("RetryAfterSeconds", 1) // with returns ae itself, for chaining
		}
		if code == "TooManyRequestsException" {
			_ = ae.with("Type", "TooManyRequests") // with returns ae itself, for chaining
		}
	case "ConflictException":
		ae.Message = "The request could not be completed due to a conflict with a previous operation. Retry the request."
		if op.svc.prefix == prefixIdentityStore {
			_ = ae.with("Reason", "CONCURRENT_MODIFICATION") // with returns ae itself, for chaining
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

// Fault configures random faults for one operation. Rates are
// probabilities in [0, 1], drawn from the emulator's seeded RNG
// (Options.Seed), so a test that makes the same calls in the same order sees
// the same faults.
type Fault struct {
	// ThrottleRate answers ThrottlingException (TooManyRequestsException
	// for organizations), HTTP 429.
	ThrottleRate float64 `json:"throttle_rate,omitempty"`
	// ServerErrorRate answers InternalServerException (ServiceException for
	// organizations), HTTP 500.
	ServerErrorRate float64 `json:"server_error_rate,omitempty"`
	// ConflictRate answers ConflictException (ConcurrentModificationException
	// for organizations), HTTP 409.
	ConflictRate float64 `json:"conflict_rate,omitempty"`
	// NotFoundOnStatusRate makes DescribeAccountAssignment{Creation,
	// Deletion}Status answer ResourceNotFoundException, as AWS does when the
	// status call comes too early. It applies when set on the status
	// operation or on the matching Create/DeleteAccountAssignment.
	NotFoundOnStatusRate float64 `json:"not_found_on_status_rate,omitempty"`
	// NotFoundOnStatusCalls makes the first N status calls for every
	// request id answer ResourceNotFoundException (deterministic variant of
	// NotFoundOnStatusRate; same placement rules).
	NotFoundOnStatusCalls int `json:"not_found_on_status_calls,omitempty"`
	// FailRate makes Create/DeleteAccountAssignment requests end FAILED
	// with FailReason (asynchronously, like AWS).
	FailRate float64 `json:"fail_rate,omitempty"`
	// FailReason is the FailureReason of requests failed by FailRate.
	// Default: an IAM access-denied message as seen in the field.
	FailReason string `json:"fail_reason,omitempty"`
	// Latency delays every response of the operation (divided by
	// Options.TimeScale; waited with Options.Sleep).
	Latency time.Duration `json:"-"`
}

// defaultFailReason is what AWS reports when the IAM side of provisioning
// is denied (sso-elevator #15).
const defaultFailReason = "Received a 403 status error: Access denied by IAM. Make sure the service role has iam:UpdateSAMLProvider permission."

// SetFault configures random faults for operation op: a bare name such as
// "CreateAccountAssignment", a full X-Amz-Target, or "*" for every
// operation without its own setting. A zero Fault removes the setting.
func (e *Emulator) SetFault(op string, f Fault) {
	name := faultKey(op)
	e.mu.Lock()
	defer e.mu.Unlock()
	if f == (Fault{}) {
		delete(e.rateFaults, name)
		return
	}
	e.rateFaults[name] = f
}

// Faults returns the current fault settings by operation name.
func (e *Emulator) Faults() map[string]Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]Fault, len(e.rateFaults))
	for k, v := range e.rateFaults {
		out[k] = v
	}
	return out
}

// ClearFaults removes every fault: the SetFault settings, the InjectError
// queue and the FailNext queue.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.rateFaults)
	e.faults = nil
	clear(e.failNext)
}

// faultKey reduces an operation selector to the operation name.
func faultKey(op string) string {
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		return op[i+1:]
	}
	return op
}

// faultForLocked returns the fault settings that apply to the operation
// named name.
func (e *Emulator) faultForLocked(name string) (Fault, bool) {
	if f, ok := e.rateFaults[name]; ok {
		return f, true
	}
	f, ok := e.rateFaults["*"]
	return f, ok
}

// drawFaultLocked applies the operation's fault rates: it returns the
// latency to wait and the error to answer with, if any.
func (e *Emulator) drawFaultLocked(op *operation) (time.Duration, *apiError) {
	f, ok := e.faultForLocked(op.name)
	if !ok {
		return 0, nil
	}
	latency := e.scaled(f.Latency)
	total := f.ThrottleRate + f.ServerErrorRate + f.ConflictRate
	if total <= 0 {
		return latency, nil
	}
	r := e.rng.Float64()
	org := op.svc.prefix == prefixOrganizations
	switch {
	case r < f.ThrottleRate:
		if org {
			return latency, injectedError(op, "TooManyRequestsException")
		}
		return latency, injectedError(op, "ThrottlingException")
	case r < f.ThrottleRate+f.ServerErrorRate:
		if org {
			return latency, injectedError(op, "ServiceException")
		}
		return latency, injectedError(op, "InternalServerException")
	case r < total:
		if org {
			return latency, injectedError(op, "ConcurrentModificationException")
		}
		return latency, injectedError(op, "ConflictException")
	}
	return latency, nil
}

// statusFaultLocked decides whether a status call for p answers
// ResourceNotFoundException because it "came too early".
func (e *Emulator) statusFaultLocked(statusOp string, p *provisioning) bool {
	p.statusCalls++
	submitOp := "CreateAccountAssignment"
	if p.kind == kindDelete {
		submitOp = "DeleteAccountAssignment"
	}
	for _, name := range []string{statusOp, submitOp} {
		f, ok := e.faultForLocked(name)
		if !ok {
			continue
		}
		if f.NotFoundOnStatusCalls > 0 && p.statusCalls <= f.NotFoundOnStatusCalls {
			return true
		}
		if f.NotFoundOnStatusRate > 0 && e.rng.Float64() < f.NotFoundOnStatusRate {
			return true
		}
	}
	return false
}

// plannedFailureLocked draws FailRate for a new provisioning request.
func (e *Emulator) plannedFailureLocked(op string) string {
	f, ok := e.faultForLocked(op)
	if !ok || f.FailRate <= 0 || e.rng.Float64() >= f.FailRate {
		return ""
	}
	if f.FailReason != "" {
		return f.FailReason
	}
	return defaultFailReason
}

// Stats are the emulator's counters since New.
type Stats struct {
	// Calls counts requests by operation name, failed ones included.
	Calls map[string]int `json:"calls"`
	// Throttled counts ThrottlingException/TooManyRequestsException
	// answers: rate limit, in-flight cap and injected ones.
	Throttled int `json:"throttled"`
	// ThrottledByOp splits Throttled by operation name.
	ThrottledByOp map[string]int `json:"throttled_by_op"`
	// Errors counts error answers by error code.
	Errors map[string]int `json:"errors"`
	// InFlight is the number of provisioning requests IN_PROGRESS.
	InFlight int `json:"in_flight"`
}

// Stats returns the current counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked(e.now())
	s := Stats{Calls: map[string]int{}, ThrottledByOp: map[string]int{}, Errors: map[string]int{}, InFlight: len(e.pending)}
	for target, n := range e.calls {
		s.Calls[faultKey(target)] += n
	}
	for target, n := range e.throttled {
		s.ThrottledByOp[faultKey(target)] += n
		s.Throttled += n
	}
	for code, n := range e.errorCounts {
		s.Errors[code] = n
	}
	return s
}

// recordError counts an error answer.
func (e *Emulator) recordError(op *operation, code string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errorCounts[code]++
	if op != nil && (code == "ThrottlingException" || code == "TooManyRequestsException") {
		e.throttled[op.target]++
	}
}
