package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/elevate/elevate/internal/access"
)

// decodeCreate runs decodeBody on data as the body of POST /api/v1/requests.
func decodeCreate(data []byte) (createRequestBody, error) {
	req := httptest.NewRequest("POST", "/api/v1/requests", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	var body createRequestBody
	err := decodeBody(httptest.NewRecorder(), req, &body, false)
	return body, err
}

// TestStrictJSONBody: request bodies refuse, with a 400 naming the field,
// what encoding/json alone lets through: duplicate keys, names in another
// case, unknown names, NUL in strings and invalid UTF-8.
func TestStrictJSONBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string // want: "" accepted, else in the message
	}{
		{"valid", `{"account_ids":["prod"],"permission_set":"P","duration":"1h","justification":"x"}`, ""},
		{"duplicate key", `{"justification":"a","justification":"b"}`, `"justification" appears twice`},
		{"duplicate key, different escapes", `{"justification":"a","justific\u0061tion":"b"}`, `"justification" appears twice`},
		{"wrongly cased name", `{"Justification":"x"}`, `"Justification" is spelled "justification"`},
		{"wrongly cased name, all caps", `{"ACCOUNT_IDS":["prod"]}`, `"ACCOUNT_IDS" is spelled "account_ids"`},
		{"unknown field", `{"justification":"x","via":"cli"}`, `unknown field "via"`},
		{"NUL in a string", `{"justification":"a\u0000b"}`, `"justification" holds a NUL`},
		{"NUL in a list", `{"account_ids":["prod","x\u0000"]}`, `account_ids[1]`},
		{"invalid UTF-8", "{\"justification\":\"a\xffb\"}", "not valid UTF-8"},
		{"deep nesting", `{"account_ids":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "nests deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeCreate([]byte(tc.body))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if access.ErrorCode(err) != access.CodeInvalid || statusOf(access.ErrorCode(err)) != 400 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (%s), want a 400 invalid_argument containing %q", err, access.ErrorCode(err), tc.want)
			}
		})
	}
}

// topLevelKeys lists the keys of data's top-level object as sent, in
// order, or ok=false when data is not a JSON object.
func topLevelKeys(data []byte) (keys []string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, false
		}
	}
	return keys, true
}

// FuzzStrictJSON: whatever decodeBody accepts is valid UTF-8, names each
// top-level field once and exactly as documented, and holds no NUL in any
// string; whatever it refuses is a 4xx user error.
func FuzzStrictJSON(f *testing.F) {
	f.Add([]byte(`{"account_ids":["prod"],"permission_set":"P","duration":"1h","justification":"x"}`))
	f.Add([]byte(`{"justification":"a","justification":"b"}`))
	f.Add([]byte(`{"Justification":"x"}`))
	f.Add([]byte(`{"justification":"a\u0000b"}`))
	f.Add([]byte(`{"ticket":"\u001b[31m","start":"2026-01-02T15:04:05Z","break_glass":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := decodeCreate(data)
		if err != nil {
			if _, ok := errors.AsType[*access.Error](err); !ok || statusOf(access.ErrorCode(err)) >= 500 {
				t.Fatalf("refusal is not a user error: %T %v", err, err)
			}
			return
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("accepted invalid UTF-8 %q", data)
		}
		keys, ok := topLevelKeys(data)
		if !ok {
			t.Fatalf("accepted %q, which is not one JSON object", data)
		}
		names := jsonFields(&createRequestBody{})
		for i, k := range keys {
			if !slices.Contains(names, k) {
				t.Fatalf("accepted field %q of %q", k, data)
			}
			if slices.Contains(keys[:i], k) {
				t.Fatalf("accepted field %q twice in %q", k, data)
			}
		}
		for _, s := range append([]string{body.PermissionSet, body.Duration, body.Start, body.Justification, body.Ticket}, body.AccountIDs...) {
			if strings.ContainsRune(s, 0) {
				t.Fatalf("accepted a NUL in %q", data)
			}
		}
	})
}
