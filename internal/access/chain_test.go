package access_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// entry is a decision-log entry spelled out field by field, in the order the
// chain's encoding takes them, so that the test can build the bytes by hand.
type entry struct {
	prev    []byte
	seq     int64
	time    string // already normalized and formatted, "" for the zero time
	typ     string
	request string
	grant   string
	userID  string
	user    string
	email   string
	via     string
	details [][2]string // in byte order of the keys
}

// encode builds the bytes the chain hashes, from the layout documented in
// chain.go, without using its code.
func encode(t *testing.T, en entry) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("elevate-audit-v1")
	b.Write(en.prev)
	put := func(v any) {
		if err := binary.Write(&b, binary.BigEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) {
		put(uint32(len(s)))
		b.WriteString(s)
	}
	put(uint64(en.seq))
	for _, s := range []string{en.time, en.typ, en.request, en.grant, en.userID, en.user, en.email, en.via} {
		str(s)
	}
	put(uint32(len(en.details)))
	for _, kv := range en.details {
		str(kv[0])
		str(kv[1])
	}
	return b.Bytes()
}

func handHash(t *testing.T, en entry) []byte {
	t.Helper()
	sum := sha256.Sum256(encode(t, en))
	return sum[:]
}

// filled is a hash of 32 bytes b.
func filled(b byte) []byte { return bytes.Repeat([]byte{b}, access.ChainHashSize) }

func TestChainGenesis(t *testing.T) {
	t.Parallel()
	if len(access.ChainGenesis) != access.ChainHashSize || access.ChainHashSize != 32 {
		t.Fatalf("ChainGenesis has %d bytes, ChainHashSize is %d; want 32 and 32", len(access.ChainGenesis), access.ChainHashSize)
	}
	if !bytes.Equal(access.ChainGenesis, make([]byte, 32)) {
		t.Errorf("ChainGenesis = %x, want 32 zero bytes", access.ChainGenesis)
	}
}

func TestChainHashKnownAnswer(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	for _, tc := range []struct {
		name  string
		prev  []byte
		seq   int64
		event access.Event
		want  entry
		// hex, when set, pins the digest as computed outside Go
		// (python3 hashlib over the same bytes).
		hex string
	}{
		{
			name:  "zero event after the genesis",
			prev:  access.ChainGenesis,
			seq:   1,
			event: access.Event{},
			want:  entry{prev: access.ChainGenesis, seq: 1},
			hex:   "388ec419e41cda7a1d6a53bdb52d27b22a488a6d3646c6c8811d1f543dc26b8a",
		},
		{
			name: "every field and details in byte order",
			prev: filled(0xab),
			seq:  1<<40 + 7,
			event: access.Event{
				Type:      access.EventApproved,
				RequestID: "req-1",
				GrantID:   "grant-9",
				Actor:     access.Actor{UserID: "u-1", UserName: "alice", Email: "alice@example.com", Via: access.ViaSlack, Admin: true, Groups: []string{"g"}},
				At:        at,
				Details:   map[string]string{"b": "2", "a": "1", "B": "upper", "approvals": ""},
			},
			want: entry{
				prev: filled(0xab), seq: 1<<40 + 7, time: "2026-03-04T05:06:07.123456Z",
				typ: "request.approved", request: "req-1", grant: "grant-9",
				userID: "u-1", user: "alice", email: "alice@example.com", via: "slack",
				details: [][2]string{{"B", "upper"}, {"a", "1"}, {"approvals", ""}, {"b", "2"}},
			},
			hex: "fea047dda4d3df8ef8e1b50b0040b907ef83e19c5c65dd2e2a1eb208b7dfce08",
		},
		{
			name:  "whole seconds format without a fraction",
			prev:  filled(1),
			seq:   2,
			event: access.Event{Type: access.EventSubmitted, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			want:  entry{prev: filled(1), seq: 2, time: "2026-01-02T03:04:05Z", typ: "request.submitted"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := access.ChainHash(tc.prev, tc.seq, tc.event)
			if want := handHash(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("ChainHash = %x, want %x (the documented encoding)", got, want)
			}
			if tc.hex != "" {
				if want, _ := hex.DecodeString(tc.hex); !bytes.Equal(got, want) {
					t.Errorf("ChainHash = %x, want the pinned %s", got, tc.hex)
				}
			}
		})
	}
}

func TestChainHashLengthPrefixes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a, b access.Event
	}{
		{"request id and grant id",
			access.Event{RequestID: "ab", GrantID: "c"},
			access.Event{RequestID: "a", GrantID: "bc"}},
		{"type and request id",
			access.Event{Type: "request.x", RequestID: "y"},
			access.Event{Type: "request.", RequestID: "xy"}},
		{"actor name and email",
			access.Event{Actor: access.Actor{UserName: "alice@", Email: "example.com"}},
			access.Event{Actor: access.Actor{UserName: "alice", Email: "@example.com"}}},
		{"detail key and value",
			access.Event{Details: map[string]string{"ab": "c"}},
			access.Event{Details: map[string]string{"a": "bc"}}},
		{"one detail or two",
			access.Event{Details: map[string]string{"a": "bc"}},
			access.Event{Details: map[string]string{"a": "b", "c": ""}}},
		{"empty detail or none",
			access.Event{Details: map[string]string{"": ""}},
			access.Event{}},
		{"last field or first detail",
			access.Event{Actor: access.Actor{Via: "portalk"}},
			access.Event{Actor: access.Actor{Via: "portal"}, Details: map[string]string{"k": ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ha := access.ChainHash(access.ChainGenesis, 1, tc.a)
			hb := access.ChainHash(access.ChainGenesis, 1, tc.b)
			if bytes.Equal(ha, hb) {
				t.Errorf("%+v and %+v hash alike (%x)", tc.a, tc.b, ha)
			}
		})
	}
}

func TestChainHashDetailsOrder(t *testing.T) {
	t.Parallel()
	keys := []string{"zeta", "alpha", "Mid", "beta", "b", "a", "approvals", "reason", "ticket", "10", "9"}
	forward := map[string]string{}
	for i, k := range keys {
		forward[k] = k + "=" + string(rune('a'+i))
	}
	backward := map[string]string{}
	for i := len(keys) - 1; i >= 0; i-- {
		backward[keys[i]] = forward[keys[i]]
	}
	want := access.ChainHash(access.ChainGenesis, 3, access.Event{Details: forward})
	for i := range 20 { // map iteration order differs from run to run
		for name, d := range map[string]map[string]string{"forward": forward, "backward": backward} {
			if got := access.ChainHash(access.ChainGenesis, 3, access.Event{Details: d}); !bytes.Equal(got, want) {
				t.Fatalf("run %d, %s: hash %x, want %x", i, name, got, want)
			}
		}
	}
}

func TestChainHashTimeNormalization(t *testing.T) {
	t.Parallel()
	utc := time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)
	kolkata := time.FixedZone("IST", 5*3600+1800)
	now := time.Now() // carries a monotonic clock reading
	for _, tc := range []struct {
		name string
		at   time.Time
		want time.Time // the normalized time it must hash like
	}{
		{"UTC at microseconds", utc, utc},
		{"another zone", utc.In(kolkata), utc},
		{"nanoseconds below the microsecond", utc.Add(789 * time.Nanosecond), utc},
		{"another zone and nanoseconds", utc.Add(999 * time.Nanosecond).In(kolkata), utc},
		{"a monotonic clock reading", now, now.Round(0).UTC().Truncate(time.Microsecond)},
		{"the zero time", time.Time{}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			at, want := tc.at, tc.want
			if got := access.NormalizeChainTime(at); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("NormalizeChainTime(%v) = %v (%v), want %v in UTC", at, got, got.Location(), want)
			}
			e := access.Event{Type: access.EventSubmitted, At: at}
			n := access.Event{Type: access.EventSubmitted, At: want}
			if got, w := access.ChainHash(access.ChainGenesis, 1, e), access.ChainHash(access.ChainGenesis, 1, n); !bytes.Equal(got, w) {
				t.Errorf("time %v hashes as %x, its normalized form %v as %x", at, got, want, w)
			}
		})
	}
	// A different microsecond is a different entry.
	a := access.ChainHash(access.ChainGenesis, 1, access.Event{At: utc})
	b := access.ChainHash(access.ChainGenesis, 1, access.Event{At: utc.Add(time.Microsecond)})
	if bytes.Equal(a, b) {
		t.Error("times a microsecond apart hash alike")
	}
}

func TestNormalizeChainTimeZero(t *testing.T) {
	t.Parallel()
	if got := access.NormalizeChainTime(time.Time{}); !got.IsZero() {
		t.Errorf("NormalizeChainTime(zero) = %#v, want the zero time", got)
	}
	// A zero time in another zone is still the zero time.
	if got := access.NormalizeChainTime(time.Time{}.In(time.FixedZone("X", 3600))); !got.IsZero() {
		t.Errorf("NormalizeChainTime(zero in a zone) = %v, want the zero time", got)
	}
}

func TestChainLink(t *testing.T) {
	t.Parallel()
	e := access.Event{Type: access.EventSubmitted, RequestID: "r1", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	head := access.ChainHash(access.ChainGenesis, 41, access.Event{Type: access.EventApproved})
	for _, tc := range []struct {
		name     string
		headSeq  int64
		headHash []byte
		wantSeq  int64
		wantPrev []byte
	}{
		{"empty log", 0, nil, 1, access.ChainGenesis},
		{"empty log after a pruning", 41, nil, 42, access.ChainGenesis},
		{"after the head", 41, head, 42, head},
		{"after the first entry", 1, filled(7), 2, filled(7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seq, prev, h := access.ChainLink(tc.headSeq, tc.headHash, e)
			if seq != tc.wantSeq {
				t.Errorf("seq = %d, want %d", seq, tc.wantSeq)
			}
			if !access.ChainEqual(prev, tc.wantPrev) {
				t.Errorf("prev = %x, want %x", prev, tc.wantPrev)
			}
			if want := access.ChainHash(tc.wantPrev, tc.wantSeq, e); !access.ChainEqual(h, want) {
				t.Errorf("hash = %x, want ChainHash(prev, seq, e) = %x", h, want)
			}
		})
	}
}

func TestChainLinkChains(t *testing.T) {
	t.Parallel()
	events := []access.Event{
		{Type: access.EventSubmitted, RequestID: "r1"},
		{Type: access.EventApproved, RequestID: "r1", Details: map[string]string{"approvals": "1"}},
		{Type: access.EventSubmitted, RequestID: "r2"},
	}
	var seq int64
	var head []byte
	for i, e := range events {
		s, prev, h := access.ChainLink(seq, head, e)
		wantPrev := head
		if head == nil {
			wantPrev = access.ChainGenesis
		}
		if s != int64(i+1) || !access.ChainEqual(prev, wantPrev) {
			t.Fatalf("entry %d: seq %d prev %x, want seq %d prev %x", i, s, prev, i+1, wantPrev)
		}
		seq, head = s, h
	}
}

func TestChainHasherReuse(t *testing.T) {
	t.Parallel()
	events := []access.Event{
		{Type: access.EventSubmitted, RequestID: "r1", Details: map[string]string{"a": "1", "b": "2", "c": "3"}},
		{},
		{Type: access.EventApproved, Actor: access.Actor{UserName: "bob"}, Details: map[string]string{"z": "9"}},
		{Type: access.EventSubmitted, RequestID: "a much longer request id than the others, to grow the buffer"},
		{Type: access.EventSubmitted, RequestID: "r1", Details: map[string]string{"a": "1", "b": "2", "c": "3"}},
	}
	var x access.ChainHasher
	var got [][]byte
	prev := access.ChainGenesis
	for i, e := range events {
		h := x.Hash(prev, int64(i+1), e)
		if want := access.ChainHash(prev, int64(i+1), e); !bytes.Equal(h, want) {
			t.Errorf("entry %d: reused ChainHasher gives %x, ChainHash %x", i, h, want)
		}
		got = append(got, h)
		prev = h
	}
	// Later calls leave the hashes already returned as they were.
	prev = access.ChainGenesis
	for i, e := range events {
		want := access.ChainHash(prev, int64(i+1), e)
		if !bytes.Equal(got[i], want) {
			t.Errorf("entry %d: hash became %x, want %x", i, got[i], want)
		}
		prev = want
	}
}
