package sqlstore

import (
	"context"
	"fmt"

	"github.com/elevate/elevate/internal/access"
)

// appendChained inserts e as the next entry of the hash chain, under chain
// version 2 (its details stored as the canonical text the hash covers). The
// audit lock (or the engine's single writer) serializes appenders until
// commit, so two transactions never read the same head and the chain never
// forks; seq is head + 1, so it has no gaps.
func (t *Tx) appendChained(ctx context.Context, e access.Event) error {
	if err := t.LockAudit(ctx); err != nil {
		return err
	}
	headSeq, headHash, err := t.chainHead(ctx)
	if err != nil {
		return err
	}
	e.At = access.NormalizeChainTime(e.At)
	seq, prev, h, details, err := access.ChainLinkV2(headSeq, headHash, e)
	if err != nil {
		return t.errorf("append event %s: %w", e.Type, err)
	}
	if _, err := t.c.Exec(ctx, `INSERT INTO events (seq, at, type, request_id, grant_id,
		actor_user_id, actor_name, actor_email, actor_via, details, prev_hash, hash, chain_version)`+t.d.OverridingSystemValue+`
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		seq, t.ts(e.At), string(e.Type), e.RequestID, e.GrantID,
		e.Actor.UserID, e.Actor.UserName, e.Actor.Email, string(e.Actor.Via), details, prev, h, access.ChainV2); err != nil {
		return t.wrap(fmt.Sprintf("append event %s of request %q", e.Type, e.RequestID), err)
	}
	return nil
}

// chainHead returns the seq and hash of the last entry. An empty log
// continues from the last pruning checkpoint, if any (0, nil otherwise).
// Entries from before the chain existed are chained first.
func (t *Tx) chainHead(ctx context.Context) (int64, []byte, error) {
	var (
		seq int64
		h   []byte
	)
	err := t.c.QueryRow(ctx, `SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &h)
	switch {
	case isNoRows(err):
		err = t.c.QueryRow(ctx, `SELECT seq, hash FROM audit_checkpoints WHERE kind = 'prune' ORDER BY seq DESC LIMIT 1`).Scan(&seq, &h)
		if isNoRows(err) {
			return 0, nil, nil
		}
		if err != nil {
			return 0, nil, t.wrap("read the audit chain's pruning checkpoint", err)
		}
		return seq, h, nil
	case err != nil:
		return 0, nil, t.wrap("read the audit chain's head", err)
	case h == nil:
		return t.chainLegacy(ctx)
	}
	return seq, h, nil
}

// chainLegacy computes the chain over the entries written before it
// existed (hash NULL), keeping their seq, and returns the new head.
func (t *Tx) chainLegacy(ctx context.Context) (int64, []byte, error) {
	var legacy []access.AuditEntry
	prev := access.ChainGenesis
	var prevSeq int64
	err := t.each(ctx, func(rows Rows) error {
		en, err := scanAuditRow(rows)
		if err != nil {
			return err
		}
		if en.Hash != nil {
			prev, prevSeq = en.Hash, en.Seq
			return nil
		}
		legacy = append(legacy, en)
		return nil
	}, auditSelect+` WHERE hash IS NULL OR seq = (SELECT max(seq) FROM events WHERE hash IS NOT NULL) ORDER BY seq`)
	if err != nil {
		return 0, nil, t.wrap("read entries to chain", err)
	}
	var x access.ChainHasher
	for _, en := range legacy {
		if en.Seq < prevSeq {
			return 0, nil, t.errorf("chain legacy entries: entry %d has no hash but comes before hashed entry %d", en.Seq, prevSeq)
		}
		if en.DetailsError != "" {
			return 0, nil, t.errorf("chain legacy entries: entry %d: its details are malformed: %s", en.Seq, en.DetailsError)
		}
		h := x.Hash(prev, en.Seq, en.Event)
		if _, err := t.c.Exec(ctx, `UPDATE events SET prev_hash = $1, hash = $2 WHERE seq = $3`, prev, h, en.Seq); err != nil {
			return 0, nil, t.wrap(fmt.Sprintf("chain legacy entry %d", en.Seq), err)
		}
		prev, prevSeq = h, en.Seq
	}
	return prevSeq, prev, nil
}

const auditSelect = `SELECT seq, prev_hash, hash, at, type, request_id, grant_id, actor_user_id, actor_name, actor_email, actor_via, details, chain_version FROM events`

func scanAuditRow(rows Rows) (access.AuditEntry, error) {
	var (
		en            access.AuditEntry
		at            dbTime
		typ, via, det string
	)
	e := &en.Event
	if err := rows.Scan(&en.Seq, &en.PrevHash, &en.Hash, &at, &typ, &e.RequestID, &e.GrantID,
		&e.Actor.UserID, &e.Actor.UserName, &e.Actor.Email, &via, &det, &en.Version); err != nil {
		return en, err
	}
	e.At, e.Type, e.Actor.Via = timeOf(at), access.EventType(typ), access.Via(via)
	if en.Version == access.ChainV2 {
		en.StoredDetails = det
	}
	if det != "{}" {
		d, err := decodeDetails(det)
		if err != nil {
			// Kept as a mark, not an error: the verification names the
			// entry as tampered with, other readers refuse it.
			en.DetailsError = err.Error()
		}
		e.Details = d
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return en, nil
}

// AuditHead returns the last entry and the number of entries.
func (t *Tx) AuditHead(ctx context.Context) (access.AuditEntry, int64, error) {
	var en access.AuditEntry
	found := false
	err := t.each(ctx, func(rows Rows) error {
		var err error
		en, err = scanAuditRow(rows)
		found = true
		return err
	}, auditSelect+` ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return en, 0, t.wrap("read the audit head", err)
	}
	if !found {
		return en, 0, t.notFound("read the audit head: the log is empty")
	}
	var n int64
	if err := t.c.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		return en, 0, t.wrap("count audit entries", err)
	}
	return en, n, nil
}

// ScanAudit calls fn for the entries after afterSeq, in seq order. An
// entry whose stored details are malformed is passed on with DetailsError
// set.
func (t *Tx) ScanAudit(ctx context.Context, afterSeq int64, limit int, fn func(access.AuditEntry) error) error {
	q := auditSelect + ` WHERE seq > $1 ORDER BY seq`
	args := []any{afterSeq}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	var fnErr error
	err := t.each(ctx, func(rows Rows) error {
		en, err := scanAuditRow(rows)
		if err != nil {
			return err
		}
		if err := fn(en); err != nil {
			fnErr = err
			return err
		}
		return nil
	}, q, args...)
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return t.wrap(fmt.Sprintf("scan the audit log after %d", afterSeq), err)
	}
	return nil
}

// AddCheckpoint stores c and sets its ID.
func (t *Tx) AddCheckpoint(ctx context.Context, c *access.Checkpoint) error {
	err := t.c.QueryRow(ctx, `INSERT INTO audit_checkpoints (seq, hash, count, at, kind, public_key, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.Seq, c.Hash, c.Count, t.ts(c.At), c.Kind, c.PublicKey, c.Signature).Scan(&c.ID)
	if err != nil {
		return t.wrap(fmt.Sprintf("add audit checkpoint at %d", c.Seq), err)
	}
	return nil
}

// ListCheckpoints returns the checkpoints, oldest first.
func (t *Tx) ListCheckpoints(ctx context.Context) ([]access.Checkpoint, error) {
	out, err := collect(ctx, t, func(row Row) (c access.Checkpoint, err error) {
		var at dbTime
		err = row.Scan(&c.ID, &c.Seq, &c.Hash, &c.Count, &at, &c.Kind, &c.PublicKey, &c.Signature)
		c.At = timeOf(at)
		return c, err
	}, `SELECT id, seq, hash, count, at, kind, public_key, signature FROM audit_checkpoints ORDER BY id`)
	if err != nil {
		return nil, t.wrap("list audit checkpoints", err)
	}
	return out, nil
}
