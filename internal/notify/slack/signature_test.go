package slack

import (
	"errors"
	"testing"
	"time"
)

// The example of Slack's "Verifying requests from Slack" documentation
// (https://api.slack.com/authentication/verifying-requests-from-slack).
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSignMatchesSlackDocumentation(t *testing.T) {
	if got := Sign(docSecret, docTimestamp, []byte(docBody)); got != docSignature {
		t.Fatalf("Sign = %s, want %s", got, docSignature)
	}
}

func TestVerifySlackDocumentationExample(t *testing.T) {
	sent := time.Unix(1531420618, 0)
	for _, tc := range []struct {
		name      string
		secret    string
		ts        string
		sig       string
		body      string
		now       time.Time
		wantError error
	}{
		{"valid at send time", docSecret, docTimestamp, docSignature, docBody, sent, nil},
		{"valid 4 minutes later", docSecret, docTimestamp, docSignature, docBody, sent.Add(4 * time.Minute), nil},
		{"replayed 6 minutes later", docSecret, docTimestamp, docSignature, docBody, sent.Add(6 * time.Minute), ErrStale},
		{"timestamp 6 minutes ahead", docSecret, docTimestamp, docSignature, docBody, sent.Add(-6 * time.Minute), ErrStale},
		{"wrong secret", "another-secret", docTimestamp, docSignature, docBody, sent, ErrBadSignature},
		{"body changed", docSecret, docTimestamp, docSignature, docBody + "&x=1", sent, ErrBadSignature},
		{"timestamp changed", docSecret, "1531420619", docSignature, docBody, sent, ErrBadSignature},
		{"no signature", docSecret, docTimestamp, "", docBody, sent, ErrBadSignature},
		{"timestamp not a number", docSecret, "soon", docSignature, docBody, sent, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.ts, tc.sig, []byte(tc.body), tc.now)
			if !errors.Is(err, tc.wantError) || (tc.wantError == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantError)
			}
		})
	}
}
