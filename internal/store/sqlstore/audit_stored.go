package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// AuditBounds returns the first and last seq of the log (0, 0 when empty).
func (t *Tx) AuditBounds(ctx context.Context) (first, last int64, err error) {
	var f, l *int64
	if err := t.c.QueryRow(ctx, `SELECT min(seq), max(seq) FROM events`).Scan(&f, &l); err != nil {
		return 0, 0, t.wrap("read the audit log's bounds", err)
	}
	if f == nil || l == nil {
		return 0, 0, nil
	}
	return *f, *l, nil
}

// auditFieldSep separates the text columns of an entry in the one value
// ScanAuditStored reads them as (the unit separator, a control character
// no column holds in practice).
const auditFieldSep = "\x1f"

// auditStoredSelect reads an entry's text columns as one value: reading a
// column through the SQLite driver costs far more than its bytes, so eight
// columns read as one make the verification's scan several times cheaper.
// The value splits back into exactly eight fields unless a column holds
// the separator itself; such an entry is passed on unread (Version 0).
const auditStoredSelect = `SELECT seq, prev_hash, hash, at, chain_version,
	type || $3 || request_id || $3 || grant_id || $3 || actor_user_id || $3 || actor_name || $3 ||
	actor_email || $3 || actor_via || $3 || CAST(details AS text)
	FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq`

// ScanAuditStored calls fn for the entries with afterSeq < seq <=
// throughSeq, in seq order, as the verification reads them (see
// store.DecisionLog).
func (t *Tx) ScanAuditStored(ctx context.Context, afterSeq, throughSeq int64, fn func(access.AuditEntry) error) error {
	var fnErr error
	var f [8]string
	// The hashes are read without a copy per column (RawBytes) and kept in
	// blocks shared by many entries: two allocations fewer per entry.
	var (
		prev, hash sql.RawBytes
		block      []byte
	)
	keep := func(b []byte) []byte {
		if len(block)+len(b) > cap(block) {
			block = make([]byte, 0, max(64<<10, len(b)))
		}
		block = append(block, b...)
		return block[len(block)-len(b) : len(block) : len(block)]
	}
	// The scan targets live outside the loop: passed to Scan they escape,
	// and an AuditEntry on the heap per row is most of the scan's garbage.
	var (
		seq     int64
		version int
		at      dbTime
		packed  string
	)
	err := t.each(ctx, func(rows Rows) error {
		if err := rows.Scan(&seq, &prev, &hash, &at, &version, &packed); err != nil {
			return err
		}
		en := access.AuditEntry{Seq: seq, Version: version}
		if prev != nil {
			en.PrevHash = keep(prev)
		}
		if hash != nil {
			en.Hash = keep(hash)
		}
		en.Event.At = timeOf(at)
		if !splitFields(packed, &f) {
			en.Version = 0
		} else {
			en.Event.Type, en.Event.RequestID, en.Event.GrantID = access.EventType(f[0]), f[1], f[2]
			en.Event.Actor = access.Actor{UserID: f[3], UserName: f[4], Email: f[5], Via: access.Via(f[6])}
			storedDetails(&en, f[7])
		}
		if err := fn(en); err != nil {
			fnErr = err
			return err
		}
		return nil
	}, auditStoredSelect, afterSeq, throughSeq, auditFieldSep)
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return t.wrap(fmt.Sprintf("scan the audit log from %d to %d", afterSeq+1, throughSeq), err)
	}
	return nil
}

// splitFields splits s at auditFieldSep into exactly len(f) fields.
func splitFields(s string, f *[8]string) bool {
	for i := range len(f) - 1 {
		var ok bool
		f[i], s, ok = strings.Cut(s, auditFieldSep)
		if !ok {
			return false
		}
	}
	if strings.Contains(s, auditFieldSep) {
		return false
	}
	f[len(f)-1] = s
	return true
}

// storedDetails sets en's details from their stored text d: a version 2
// entry keeps the text (its hash covers it), checked for being an object
// of strings with unique keys without decoding it when it is in the
// canonical form; a version 1 entry decodes it (its hash covers the map).
func storedDetails(en *access.AuditEntry, d string) {
	if en.Version == access.ChainV2 {
		en.StoredDetails = d
		if !access.IsCanonicalDetails(d) {
			if _, err := decodeDetails(d); err != nil {
				en.DetailsError = err.Error()
			}
		}
		return
	}
	if d == "{}" {
		return
	}
	m, err := decodeDetails(d)
	if err != nil {
		en.DetailsError = err.Error()
	}
	if len(m) > 0 {
		en.Event.Details = m
	}
}
