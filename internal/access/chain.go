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
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"
	"time"
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
