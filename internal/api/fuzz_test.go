package api

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
)

// FuzzCreateRequestBody feeds arbitrary bodies to the request input path of
// POST /api/v1/requests: JSON decoding (strict, size-limited) and the
// syntax validation. Invariants: no panic; every refusal is a user error
// (*access.Error, a client-error code, a non-empty message without Go
// internals); an accepted input has a positive duration and a trimmed
// permission set. Seed corpus: testdata/fuzz/FuzzCreateRequestBody.
func FuzzCreateRequestBody(f *testing.F) {
	f.Add([]byte(`{"account_ids":["prod"],"permission_set":"AdministratorAccess","duration":"1h","justification":"INC-1"}`))
	f.Add([]byte(`{"account_ids":["111111111111"],"permission_set":" ReadOnly ","duration":"90m","start":"2026-01-02T15:04:05Z","ticket":"T-1","break_glass":true}`))
	f.Add([]byte(`{"duration":-5}`))
	f.Add([]byte(`{"unknown":1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		req := httptest.NewRequest("POST", "/api/v1/requests", bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		var body createRequestBody
		err := decodeBody(httptest.NewRecorder(), req, &body, false)
		var in struct {
			ok  bool
			err error
		}
		if err == nil {
			got, serr := body.submitInput()
			in.err = serr
			if serr == nil {
				in.ok = true
				if got.Duration <= 0 {
					t.Fatalf("accepted duration %s from %q", got.Duration, data)
				}
				if got.PermissionSet != strings.TrimSpace(got.PermissionSet) {
					t.Fatalf("permission set not trimmed: %q", got.PermissionSet)
				}
			}
		} else {
			in.err = err
		}
		if in.ok {
			return
		}
		var ae *access.Error
		if !errors.As(in.err, &ae) {
			t.Fatalf("refusal is not a user error: %T %v", in.err, in.err)
		}
		switch ae.Code {
		case access.CodeInvalid, codeTooLarge, codeUnsupportedMedia:
		default:
			t.Fatalf("refusal code %s: %v", ae.Code, ae)
		}
		if statusOf(ae.Code) >= 500 || ae.Message == "" || !utf8.ValidString(ae.Message) && utf8.Valid(data) {
			t.Fatalf("unclean refusal %q (status %d)", ae.Message, statusOf(ae.Code))
		}
		for _, leak := range []string{"api.createRequestBody", "reflect.", "goroutine "} {
			if strings.Contains(ae.Message, leak) {
				t.Fatalf("refusal leaks Go internals: %q", ae.Message)
			}
		}
	})
}
