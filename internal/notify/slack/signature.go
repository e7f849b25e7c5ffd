package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// MaxSkew is how old (or how far in the future) a request's timestamp may
// be: older requests are refused as possible replays.
const MaxSkew = 5 * time.Minute

// Errors of Verify.
var (
	ErrBadSignature = errors.New("slack: the request signature does not match")
	ErrStale        = errors.New("slack: the request timestamp is more than 5 minutes from now")
)

// Sign returns Slack's signature of a request: "v0=" and the hex HMAC-SHA256
// of "v0:timestamp:body" keyed with the app's signing secret.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks the X-Slack-Request-Timestamp (timestamp) and
// X-Slack-Signature (signature) of a request with body, at time now.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not a number", ErrBadSignature, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return ErrStale
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}
