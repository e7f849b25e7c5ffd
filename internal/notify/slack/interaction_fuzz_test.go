package slack

import (
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"
)

const fuzzSecret = "fuzz-signing-secret"

// fuzzNow is the fixed clock of FuzzParseInteraction; the seeds' timestamps
// are near it.
var fuzzNow = time.Unix(1767225600, 0)

// FuzzParseInteraction feeds arbitrary requests to the interaction
// endpoint's input path: the signature check, the form and payload parse,
// and the extraction of the Approve/Reject decision. signed=true signs the
// body with the right secret so the fuzzer reaches the parsers; otherwise
// the given signature is used. Invariants: no panic; every refusal is one of
// ParseInteraction's four errors; a body whose signature is not Slack's is
// always refused as unauthenticated before it is parsed; a decision is only
// ever an Approve or Reject press of a block_actions payload. Seed corpus:
// testdata/fuzz/FuzzParseInteraction.
func FuzzParseInteraction(f *testing.F) {
	ts := strconv.FormatInt(fuzzNow.Unix(), 10)
	approve := `{"type":"block_actions","user":{"id":"U1"},"response_url":"https://hooks.example/r",` +
		`"actions":[{"action_id":"approve","block_id":"b","value":"req-1","type":"button"}],` +
		`"state":{"values":{"elevate_comment":{"comment":{"type":"plain_text_input","value":"  ok  "}}}}}`
	f.Add(ts, true, "", []byte("payload="+url.QueryEscape(approve)))
	f.Add(ts, false, "v0=00", []byte("payload="+url.QueryEscape(approve)))
	f.Add("1", true, "", []byte("payload="+url.QueryEscape(approve)))
	f.Add(ts, true, "", []byte("payload=%zz"))
	f.Add(ts, true, "", []byte("payload={"))
	f.Add(ts, true, "", []byte(`payload={"type":"view_submission"}`))
	f.Add(ts, true, "", []byte(`payload={"type":"block_actions","actions":[null,{"action_id":"portal","block_id":"b"}]}`))
	f.Add("x", false, "", []byte(""))
	f.Fuzz(func(t *testing.T, timestamp string, signed bool, signature string, body []byte) {
		if signed {
			signature = Sign(fuzzSecret, timestamp, body)
		}
		genuine := signature == Sign(fuzzSecret, timestamp, body)
		cb, dec, err := ParseInteraction(fuzzSecret, timestamp, signature, body, fuzzNow)
		if !genuine {
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStale) {
				t.Fatalf("a body with a wrong signature was not refused as unauthenticated: %v", err)
			}
			return
		}
		if err != nil {
			for _, known := range []error{ErrBadSignature, ErrStale, ErrNotForm, ErrNotInteraction} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("refusal is not one of ParseInteraction's errors: %T %v", err, err)
		}
		if dec == nil {
			return
		}
		if cb.Type != goslack.InteractionTypeBlockActions {
			t.Fatalf("decision %+v from a %q payload", dec, cb.Type)
		}
		if dec.ActionID != ActionApprove && dec.ActionID != ActionReject {
			t.Fatalf("decision with action %q", dec.ActionID)
		}
	})
}

func TestParseInteractionExtractsTheDecision(t *testing.T) {
	ts := strconv.FormatInt(fuzzNow.Unix(), 10)
	payload := `{"type":"block_actions","user":{"id":"U7"},"actions":[{"action_id":"portal","block_id":"b","value":"x"},` +
		`{"action_id":"reject","block_id":"b","value":"req-9"}],` +
		`"state":{"values":{"elevate_comment":{"comment":{"type":"plain_text_input","value":"  not now "}}}}}`
	body := []byte("payload=" + url.QueryEscape(payload))
	_, dec, err := ParseInteraction(fuzzSecret, ts, Sign(fuzzSecret, ts, body), body, fuzzNow)
	if err != nil {
		t.Fatalf("ParseInteraction: %v", err)
	}
	want := Decision{ActionID: ActionReject, RequestID: "req-9", SlackUserID: "U7", Comment: "not now"}
	if dec == nil || *dec != want {
		t.Fatalf("decision = %+v, want %+v", dec, want)
	}
	if _, _, err := ParseInteraction(fuzzSecret, ts, Sign("other", ts, body), body, fuzzNow); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong secret: err = %v, want ErrBadSignature", err)
	}
	garbage := []byte("payload=%7B")
	if _, _, err := ParseInteraction(fuzzSecret, ts, Sign(fuzzSecret, ts, garbage), garbage, fuzzNow); !errors.Is(err, ErrNotInteraction) {
		t.Fatalf("garbage payload: err = %v, want ErrNotInteraction", err)
	}
}
