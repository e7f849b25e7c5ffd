package webhook

import (
	"strconv"
	"testing"
	"time"
)

// TestSignVerify checks the documented scheme: v1= hex HMAC-SHA256 over
// "timestamp.body", and a receiver's check of signature and age.
func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":"ntf_1"}`)
	now := time.Unix(1700000000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	// Computed independently: printf '1700000000.{"id":"ntf_1"}' | openssl dgst -sha256 -hmac secret
	const want = "v1=c668bd3191982f2bd3d6d7ceaad4c0f94dcf78833e62e9bab0a61f4e2f273402"
	sig := Sign("secret", ts, body)
	if sig != want {
		t.Fatalf("Sign = %q, want %q", sig, want)
	}
	if err := Verify("secret", ts, sig, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("Verify of a good delivery: %v", err)
	}
	for name, err := range map[string]error{
		"wrong secret": Verify("other", ts, sig, body, now, 5*time.Minute),
		"body changed": Verify("secret", ts, sig, []byte(`{"id":"ntf_2"}`), now, 5*time.Minute),
		"too old":      Verify("secret", ts, sig, body, now.Add(6*time.Minute), 5*time.Minute),
		"bad stamp":    Verify("secret", "x", sig, body, now, 5*time.Minute),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
