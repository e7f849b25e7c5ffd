package awsemu

import "time"

// Rate limits like AWS's Identity Center quotas: "IAM Identity
// Center APIs have a collective throttle maximum of 20 TPS.
// CreateAccountAssignment has a maximum rate of 10 outstanding async calls."

// throttleMessage is AWS's text for the collective rate limit.
const throttleMessage = "Rate exceeded"

// takeTokenLocked takes one token from the bucket shared by the sso-admin
// operations and reports whether there was one. The bucket refills at
// CallsPerSecond × TimeScale tokens per second of the emulator's clock.
func (e *Emulator) takeTokenLocked(now time.Time) bool {
	if elapsed := now.Sub(e.tokensAt); elapsed > 0 {
		e.tokens += elapsed.Seconds() * e.limit.CallsPerSecond * e.scale
		e.tokens = min(e.tokens, float64(e.limit.Burst))
		e.tokensAt = now
	}
	if e.tokens < 1 {
		return false
	}
	e.tokens--
	return true
}

// rateLimitLocked applies the token bucket to a request, if enabled.
func (e *Emulator) rateLimitLocked(op *operation, now time.Time) *apiError {
	if e.opts.RateLimit == nil || op.svc.prefix != prefixSSOAdmin {
		return nil
	}
	if e.takeTokenLocked(now) {
		return nil
	}
	return newError("ThrottlingException", throttleMessage)
}

// inFlightLimitLocked applies the cap on IN_PROGRESS provisioning
// requests, if enabled. Call it after settleLocked.
func (e *Emulator) inFlightLimitLocked() error {
	if e.opts.RateLimit == nil || len(e.pending) < e.limit.MaxInFlight {
		return nil
	}
	return newError("ThrottlingException",
		"Rate exceeded: CreateAccountAssignment and DeleteAccountAssignment allow at most %d outstanding asynchronous calls; %d are in progress. Retry after one finishes.",
		e.limit.MaxInFlight, len(e.pending))
}
