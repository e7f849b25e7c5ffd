package sqlstore

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// TestDecodeDetails: details as elevate writes them decode on the fast
// path, to what encoding/json reads; anything else takes the general path,
// which refuses what is not an object of strings with unique keys.
func TestDecodeDetails(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]string{
		{},
		{"justification": "real"},
		{"a": "", "b": "é, ✓", "comment": "line one\nline two \"quoted\" <b>&amp;</b> \\ tab\t"},
		{"k": strings.Repeat("x", 10_000), "\u2028": "\u2029"},
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeDetails(string(b))
		if err != nil || !maps.Equal(got, m) {
			t.Errorf("decodeDetails(%s) = %v, %v; want %v", b, got, err, m)
		}
		plain := !strings.Contains(string(b), `\`)
		if _, fast := decodeCanonicalDetails(string(b)); fast != plain {
			t.Errorf("decodeCanonicalDetails(%s): fast path %t, want %t", b, fast, plain)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"a":"1","a":"2"}`, `key "a" appears twice`},
		{`{"a":1}`, `the value of key "a" is not a string`},
		{`["a"]`, `not a JSON object`},
		{`not json`, `not JSON`},
		{`{"a":"1"} {}`, `more than one JSON value`},
		{`{"a":"1"`, `not JSON`},
		{`{"a":"\u0000","a":"x"}`, `appears twice`},
	} {
		if _, err := decodeDetails(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("decodeDetails(%s) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	// Spacing and escapes are valid JSON elevate does not write: the
	// general path reads them as encoding/json does.
	for _, in := range []string{`{ "a" : "1" }`, `{"a":"\u0041\n"}`} {
		var want map[string]string
		_ = json.Unmarshal([]byte(in), &want)
		if got, err := decodeDetails(in); err != nil || !maps.Equal(got, want) {
			t.Errorf("decodeDetails(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// FuzzDecodeDetails: whatever decodeDetails accepts, encoding/json reads
// the same, and the fast path never accepts what the general path refuses.
func FuzzDecodeDetails(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":"b","c":"d"}`, `{"a":"\n"}`, `{"a":"1","a":"2"}`, `{"a":1}`, "{\"a\":\"\xff\"}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := decodeDetails(s)
		if m, ok := decodeCanonicalDetails(s); ok && (err != nil || !maps.Equal(m, got)) {
			t.Fatalf("fast path accepted %q as %v; general path: %v, %v", s, m, got, err)
		}
		if err != nil {
			return
		}
		var want map[string]string
		if jerr := json.Unmarshal([]byte(s), &want); jerr != nil || !maps.Equal(got, want) {
			t.Fatalf("decodeDetails(%q) = %v; encoding/json: %v, %v", s, got, want, jerr)
		}
	})
}
