package access_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// TestChainHashV2KnownAnswer: version 2 hashes the documented bytes, built
// here by hand: the time as Unix microseconds after a presence byte, the
// details as the stored text.
func TestChainHashV2KnownAnswer(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	e := access.Event{Type: access.EventApproved, RequestID: "req_1", GrantID: "grt_1", At: at,
		Actor: access.Actor{UserID: "u1", UserName: "alice", Email: "a@example.com", Via: access.ViaCLI}}
	details := `{"comment": "ok"}`
	for _, tc := range []struct {
		name string
		e    access.Event
		time []byte
	}{
		{"time", e, append([]byte{1}, binary.BigEndian.AppendUint64(nil, uint64(at.UnixMicro()))...)},
		{"no time", func() access.Event { e := e; e.At = time.Time{}; return e }(), []byte{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			b.WriteString("elevate-audit-v2")
			b.Write(filled(7))
			_ = binary.Write(&b, binary.BigEndian, uint64(42))
			b.Write(tc.time)
			for _, s := range []string{"request.approved", "req_1", "grt_1", "u1", "alice", "a@example.com", "cli", details} {
				_ = binary.Write(&b, binary.BigEndian, uint32(len(s)))
				b.WriteString(s)
			}
			want := sha256.Sum256(b.Bytes())
			if got := access.ChainHashV2(filled(7), 42, tc.e, details); !bytes.Equal(got, want[:]) {
				t.Errorf("ChainHashV2 = %x, want %x (the documented encoding)", got, want)
			}
			en := access.AuditEntry{Seq: 42, PrevHash: filled(7), Event: tc.e, Version: access.ChainV2, StoredDetails: details}
			var x access.ChainHasher
			if got := x.Entry(en); !bytes.Equal(got, want[:]) {
				t.Errorf("ChainHasher.Entry of a version 2 entry = %x, want %x", got, want)
			}
			if v1 := access.ChainHash(filled(7), 42, tc.e); bytes.Equal(v1, want[:]) {
				t.Error("version 1 and 2 hash the same entry alike")
			}
		})
	}
}

// TestChainLinkV2: the link's details are the canonical text its hash
// covers, and a different stored text (same map) hashes differently.
func TestChainLinkV2(t *testing.T) {
	t.Parallel()
	e := access.Event{Type: access.EventSubmitted, At: time.Date(2026, 1, 2, 3, 4, 5, 6789, time.FixedZone("x", 3600)),
		Details: map[string]string{"b": "2", "a": "1"}}
	seq, prev, h, details, err := access.ChainLinkV2(0, nil, e)
	if err != nil || seq != 1 || !bytes.Equal(prev, access.ChainGenesis) || details != `{"a": "1", "b": "2"}` {
		t.Fatalf("ChainLinkV2 = %d, %x, %s, %v", seq, prev, details, err)
	}
	e.At = access.NormalizeChainTime(e.At)
	if want := access.ChainHashV2(access.ChainGenesis, 1, e, details); !bytes.Equal(h, want) {
		t.Errorf("hash %x, want %x over the normalized time", h, want)
	}
	if other := access.ChainHashV2(access.ChainGenesis, 1, e, `{"a":"1","b":"2"}`); bytes.Equal(h, other) {
		t.Error("another spelling of the same details hashes alike")
	}
	if _, _, _, _, err := access.ChainLinkV2(0, nil, access.Event{Details: map[string]string{"\xff": "x"}}); err == nil {
		t.Error("a details key that is not UTF-8 was accepted")
	}
}

func TestCanonicalDetails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   map[string]string
		want string
	}{
		{nil, `{}`},
		{map[string]string{}, `{}`},
		{map[string]string{"bb": "2", "a": "1", "c": "3", "": "0"}, `{"": "0", "a": "1", "c": "3", "bb": "2"}`},
		{map[string]string{"q": `"x" \ /`}, `{"q": "\"x\" \\ /"}`},
		{map[string]string{"c": "\b\f\n\r\t\x00\x01\x1f\x7f"}, `{"c": "\b\f\n\r\t\u0000\u0001\u001f` + "\x7f" + `"}`},
		{map[string]string{"u": "é ✓ \u2028 <&>"}, `{"u": "é ✓ ` + "\u2028" + ` <&>"}`},
		{map[string]string{"bad": "a\xffb"}, `{"bad": "a` + "\uFFFD" + `b"}`},
	} {
		got, err := access.CanonicalDetails(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CanonicalDetails(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
		if !strings.Contains(got, `\u00`) && !access.IsCanonicalDetails(got) {
			t.Errorf("IsCanonicalDetails(%s) = false for canonical details", got)
		}
		var back map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil || len(back) != len(tc.in) {
			t.Errorf("CanonicalDetails(%q) = %s does not read back as JSON: %v", tc.in, got, err)
		}
	}
}

func TestIsCanonicalDetails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`{}`, true},
		{`{"a": "1", "b": "2", "aa": ""}`, true},
		{`{"a": "x\"y\\z\n"}`, true},
		{`{"a": "\u0001"}`, true},
		{`{"a": "1", "a": "2"}`, false}, // a key twice
		{`{"b": "1", "a": "2"}`, false}, // out of order
		{`{"aa": "1", "b": "2"}`, false},
		{`{"a":"1"}`, false},               // version 1's spelling
		{`{"a": 1}`, false},                // not a string
		{`{"a": "1",}`, false},             // trailing comma
		{`{"a": "1"} `, false},             // trailing space
		{`{"a": "\u000a"}`, false},         // \n has a short escape
		{`{"a": "\u0041"}`, false},         // no escape needed
		{`{"\u0001": "x"}`, false},         // an escaped key: read strictly
		{`{"a": "` + "\x01" + `"}`, false}, // a raw control byte
		{`{"a": "` + "\xff" + `"}`, false}, // not UTF-8
		{`["a"]`, false},
		{``, false},
		{`{"a": "1"`, false},
	} {
		if got := access.IsCanonicalDetails(tc.in); got != tc.want {
			t.Errorf("IsCanonicalDetails(%q) = %t, want %t", tc.in, got, tc.want)
		}
	}
}

// FuzzIsCanonicalDetails: whatever IsCanonicalDetails accepts is a JSON
// object of strings with unique keys whose canonical form is itself.
func FuzzIsCanonicalDetails(f *testing.F) {
	for _, s := range []string{`{}`, `{"a": "1", "bb": "2"}`, `{"a": "\"\u0001"}`, `{"a": "1", "a": "1"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !access.IsCanonicalDetails(s) {
			return
		}
		dec := json.NewDecoder(strings.NewReader(s))
		keys := map[string]bool{}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("%q: not an object", s)
		}
		m := map[string]string{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			v, err := dec.Token()
			vs, ok := v.(string)
			if err != nil || !ok {
				t.Fatalf("%q: a value is not a string", s)
			}
			if keys[k.(string)] {
				t.Fatalf("%q: key %q twice", s, k)
			}
			keys[k.(string)] = true
			m[k.(string)] = vs
		}
		if got, err := access.CanonicalDetails(m); err != nil || got != s {
			t.Fatalf("%q: canonical form %q, %v", s, got, err)
		}
	})
}
