package access

// The decision log's hash chain, which every store engine extends in
// AppendEvent (ChainLink).
//
// Each entry of the decision log (table events) has a sequence number seq,
// the previous entry's hash prev_hash (32 zero bytes for the first entry)
// and its own hash:
//
//	hash = SHA-256( "elevate-audit-v1"
//	              || prev_hash (32 bytes)
//	              || seq (8 bytes, big endian)
//	              || str(time) || str(type) || str(request id) || str(grant id)
//	              || str(actor user id) || str(actor name) || str(actor email) || str(actor via)
//	              || n (4 bytes, big endian) || for each detail key in byte order: str(key) || str(value) )
//
// where str(s) is the length of s in bytes (4 bytes, big endian) followed by
// s, and time is the event's time in UTC at microsecond precision formatted
// with RFC 3339 (time.RFC3339Nano), or the empty string for the zero time.
// Length prefixes make the encoding unambiguous: no two different entries
// encode to the same bytes.
//
// The engines compute seq, prev_hash and hash inside the transaction that
// appends the entry, under a lock that serializes appenders (SQLite's single
// writer; a transaction-scoped advisory lock on PostgreSQL), so the chain
// never forks.

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ChainHashSize is the size of prev_hash and hash.
const ChainHashSize = sha256.Size

// ChainGenesis is the prev_hash of the first entry of a log that was never pruned.
var ChainGenesis = make([]byte, ChainHashSize)

// domain separates the chain's hashes from any other SHA-256 use.
const domain = "elevate-audit-v1"

// NormalizeChainTime is the time as every engine stores it: UTC, microseconds.
func NormalizeChainTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// ChainHasher computes entry hashes, reusing its buffers. The zero value is
// ready; a ChainHasher is not safe for concurrent use.
type ChainHasher struct {
	h    hash.Hash
	buf  []byte
	keys []string
	sum  [ChainHashSize]byte
}

// Hash returns the hash of the entry with sequence number seq, previous hash
// prev and content e.
func (x *ChainHasher) Hash(prev []byte, seq int64, e Event) []byte {
	if x.h == nil {
		x.h = sha256.New()
	}
	b := x.buf[:0]
	b = append(b, domain...)
	b = append(b, prev...)
	b = binary.BigEndian.AppendUint64(b, uint64(seq)) //nolint:gosec // G115: audit sequence numbers start at 1 and are never negative
	var ts string
	if !e.At.IsZero() {
		ts = NormalizeChainTime(e.At).Format(time.RFC3339Nano)
	}
	for _, s := range [...]string{ts, string(e.Type), e.RequestID, e.GrantID,
		e.Actor.UserID, e.Actor.UserName, e.Actor.Email, string(e.Actor.Via)} {
		b = appendStr(b, s)
	}
	x.keys = x.keys[:0]
	for k := range e.Details {
		x.keys = append(x.keys, k)
	}
	slices.Sort(x.keys)
	b = binary.BigEndian.AppendUint32(b, uint32(len(x.keys))) //nolint:gosec // G115: a count of keys, far below 2^32
	for _, k := range x.keys {
		b = appendStr(b, k)
		b = appendStr(b, e.Details[k])
	}
	x.buf = b
	x.h.Reset()
	x.h.Write(b)
	return x.h.Sum(nil)
}

func appendStr(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s))) //nolint:gosec // G115: a field length, bounded by the request size limits far below 2^32
	return append(b, s...)
}

// ChainHash is ChainHasher.Hash with a fresh ChainHasher.
func ChainHash(prev []byte, seq int64, e Event) []byte {
	var x ChainHasher
	return x.Hash(prev, seq, e)
}

// ChainLink returns the chain columns of a new entry appended after the entry
// (headSeq, headHash); headHash nil means the log is empty (headSeq is then
// ignored and the entry gets seq 1, unless headSeq > 0 after a pruning).
func ChainLink(headSeq int64, headHash []byte, e Event) (seq int64, prev, h []byte) {
	prev = headHash
	if prev == nil {
		prev = ChainGenesis
	}
	seq = headSeq + 1
	return seq, prev, ChainHash(prev, seq, e)
}

// ChainEqual reports whether two hashes are equal.
func ChainEqual(a, b []byte) bool { return bytes.Equal(a, b) }

// Chain versions: the rule an entry's hash was computed with. Entries keep
// the version they were appended with, so a log written before version 2
// verifies with the rule it was written under.
const (
	// ChainV1 hashes the decoded entry: its time formatted as text and its
	// details as a map sorted by key (ChainHasher.Hash).
	ChainV1 = 1
	// ChainV2 hashes the entry's columns as stored: its time as Unix
	// microseconds and its details as their canonical JSON text
	// (CanonicalDetails), so a verification hashes what it reads without
	// decoding it (ChainHasher.HashV2).
	ChainV2 = 2
)

// domainV2 separates version 2 hashes from version 1 ones: no entry hashes
// the same under both rules.
const domainV2 = "elevate-audit-v2"

// HashV2 returns the version 2 hash of the entry with sequence number seq,
// previous hash prev, content e and details as stored (canonical JSON
// text; e.Details is not read):
//
//	hash = SHA-256( "elevate-audit-v2"
//	              || prev_hash (32 bytes) || seq (8 bytes, big endian)
//	              || 0x00 (no time) or 0x01 || time (Unix microseconds, 8 bytes, big endian)
//	              || str(type) || str(request id) || str(grant id)
//	              || str(actor user id) || str(actor name) || str(actor email) || str(actor via)
//	              || str(details) )
func (x *ChainHasher) HashV2(prev []byte, seq int64, e Event, details string) []byte {
	return x.hashV2(prev, seq, e.At, details, string(e.Type), e.RequestID, e.GrantID,
		e.Actor.UserID, e.Actor.UserName, e.Actor.Email, string(e.Actor.Via))
}

func (x *ChainHasher) hashV2(prev []byte, seq int64, at time.Time, details string, fields ...string) []byte {
	if x.h == nil {
		x.h = sha256.New()
	}
	b := x.buf[:0]
	b = append(b, domainV2...)
	b = append(b, prev...)
	b = binary.BigEndian.AppendUint64(b, uint64(seq)) //nolint:gosec // G115: audit sequence numbers start at 1 and are never negative
	if at.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint64(b, uint64(at.UnixMicro())) //nolint:gosec // G115: two's complement keeps times before 1970 distinct
	}
	for _, s := range fields {
		b = appendStr(b, s)
	}
	b = appendStr(b, details)
	x.buf = b
	x.h.Reset()
	x.h.Write(b)
	return x.h.Sum(x.sum[:0])
}

// Entry returns the hash of en under its own chain version, at its own
// seq: for version 2 over en.StoredDetails, for version 1 over
// en.Event.Details. The result is valid until the next call.
func (x *ChainHasher) Entry(en AuditEntry) []byte { return x.EntryAt(en, en.Seq) }

// EntryAt is Entry as if en had been appended at seq.
func (x *ChainHasher) EntryAt(en AuditEntry, seq int64) []byte {
	if en.Version == ChainV2 {
		return x.HashV2(en.PrevHash, seq, en.Event, en.StoredDetails)
	}
	return x.Hash(en.PrevHash, seq, en.Event)
}

// ChainHashV2 is ChainHasher.HashV2 with a fresh ChainHasher.
func ChainHashV2(prev []byte, seq int64, e Event, details string) []byte {
	var x ChainHasher
	return bytes.Clone(x.HashV2(prev, seq, e, details))
}

// ChainLinkV2 is ChainLink under version 2: it also returns the details as
// they must be stored (CanonicalDetails), which the hash covers. The time
// is normalized (NormalizeChainTime) before it is hashed.
func ChainLinkV2(headSeq int64, headHash []byte, e Event) (seq int64, prev, h []byte, details string, err error) {
	prev = headHash
	if prev == nil {
		prev = ChainGenesis
	}
	details, err = CanonicalDetails(e.Details)
	if err != nil {
		return 0, nil, nil, "", err
	}
	e.At = NormalizeChainTime(e.At)
	seq = headSeq + 1
	return seq, prev, ChainHashV2(prev, seq, e, details), details, nil
}

// CanonicalDetails returns details as version 2 stores and hashes them: a
// JSON object of strings in the form PostgreSQL's jsonb prints (so both
// engines store the same bytes and read them back unchanged): keys ordered
// by length, then bytes; ", " between members and ": " after a key; in a
// string, `"` and `\` escaped, \b \f \n \r \t for those controls,
// \u00XX (lower-case hex) for the other bytes below 0x20, and everything
// else as is, bytes that are not UTF-8 replaced by U+FFFD. No details is
// "{}". A key that is not UTF-8 is refused: replacing its bytes could
// make two keys equal.
func CanonicalDetails(d map[string]string) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		if !utf8.ValidString(k) {
			return "", fmt.Errorf("details key %q is not UTF-8 text", k)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareDetailKeys)
	b := make([]byte, 0, 64*len(keys))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendJSONString(b, k)
		b = append(b, ": "...)
		b = appendJSONString(b, d[k])
	}
	return string(append(b, '}')), nil
}

// compareDetailKeys orders keys as jsonb does: shorter first, then by bytes.
func compareDetailKeys(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 {
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// IsCanonicalDetails reports whether s is, at a glance, details in the
// canonical form with no escape in any key: then it is a JSON object of
// strings whose keys are unique (they strictly increase). It reads s
// without allocating. False does not mean s is malformed (a key with an
// escape, or not canonical): the caller then decodes it strictly.
func IsCanonicalDetails(s string) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	if len(s) == 2 {
		return true
	}
	// str reads a JSON string at s[i] == '"' and returns the index after
	// it, and whether it held an escape.
	str := func(i int) (end int, escaped, ok bool) {
		if i >= len(s) || s[i] != '"' {
			return 0, false, false
		}
		start := i + 1
		for j := start; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				return j + 1, escaped, utf8.ValidString(s[start:j])
			case c < 0x20:
				return 0, false, false
			case c == '\\':
				if j+1 >= len(s) {
					return 0, false, false
				}
				escaped = true
				switch s[j+1] {
				case '"', '\\', 'b', 'f', 'n', 'r', 't':
					j++
				case 'u':
					if j+5 >= len(s) || s[j+2] != '0' || s[j+3] != '0' || (s[j+4] != '0' && s[j+4] != '1') ||
						!strings.ContainsRune(hexDigits, rune(s[j+5])) {
						return 0, false, false
					}
					switch s[j+4 : j+6] {
					case "08", "09", "0a", "0c", "0d":
						return 0, false, false // these have a short escape
					}
					j += 5
				default:
					return 0, false, false
				}
			}
		}
		return 0, false, false
	}
	prev := ""
	for i := 1; ; {
		end, escaped, ok := str(i)
		if !ok || escaped {
			return false
		}
		key := s[i+1 : end-1]
		if i > 1 && compareDetailKeys(prev, key) >= 0 {
			return false
		}
		prev = key
		if end+2 > len(s) || s[end] != ':' || s[end+1] != ' ' {
			return false
		}
		if end, _, ok = str(end + 2); !ok || end >= len(s) {
			return false
		}
		switch {
		case end == len(s)-1:
			return true
		case s[end] == ',' && end+1 < len(s) && s[end+1] == ' ':
			i = end + 2
		default:
			return false
		}
	}
}
