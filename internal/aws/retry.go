package aws

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// AWS error codes the provider acts on.
const (
	codeConflict      = "ConflictException"
	codeNotFound      = "ResourceNotFoundException"
	codeValidation    = "ValidationException"
	codeAccessDenied  = "AccessDeniedException"
	codeQuotaExceeded = "ServiceQuotaExceededException"
)

// newRetryer returns the retry policy of every SDK call: the SDK's standard
// retryer (throttling, 5xx, connection errors) plus ConflictException, which
// AWS documents as "retry with backoff" but the SDK does not retry; at most
// maxAttempts attempts; backoff base·2^n with jitter, capped at maxDelay; no
// client-side retry quota, so that MaxRetries alone bounds the attempts.
func newRetryer(maxAttempts int, base, maxDelay time.Duration, log *slog.Logger, st *stats) awssdk.RetryerV2 {
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxDelay
		o.Backoff = jitterBackoff{base: base, max: maxDelay}
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{
			Codes: map[string]struct{}{codeConflict: {}},
		})
		o.RateLimiter = ratelimit.None
	})
	return loggingRetryer{RetryerV2: std, log: log, stats: st}
}

// jitterBackoff is exponential backoff with "equal jitter": attempt n waits
// between d/2 and d, where d = min(max, base·2^(n-1)).
type jitterBackoff struct {
	base, max time.Duration
}

func (b jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	d := b.max
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 30 {
		if e := b.base << (attempt - 1); e > 0 && e < b.max {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(half+1), nil
}

// loggingRetryer logs every retry decision at debug level and counts it.
type loggingRetryer struct {
	awssdk.RetryerV2
	log   *slog.Logger
	stats *stats
}

func (r loggingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if r.stats != nil {
		r.stats.retries.Add(1)
	}
	r.log.Debug("retrying AWS call", "attempt", attempt, "error_code", errorCode(err), "delay", d)
	return d, derr
}

// errorCode returns the AWS error code in err's chain, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// errorMessage returns AWS's message for err: "Code: message", or err's text
// when it carries no API error.
func errorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := ae.ErrorMessage(); m != "" {
			return ae.ErrorCode() + ": " + m
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

// httpRequestID returns the x-amzn-RequestId of the response that carried
// err, or "".
func httpRequestID(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}
