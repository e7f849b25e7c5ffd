package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Problem kinds Verify reports.
const (
	ProblemEdited     = "edited"     // an entry's content does not match its hash
	ProblemDeleted    = "deleted"    // entries are missing from the middle of the log
	ProblemReordered  = "reordered"  // an intact entry is stored at another position than it was appended at
	ProblemTruncated  = "truncated"  // entries are missing from the end (seen against a checkpoint)
	ProblemRewritten  = "rewritten"  // the chain is consistent but differs from a signed checkpoint
	ProblemCheckpoint = "checkpoint" // a checkpoint's signature is bad or by an unknown key
)

// Problem is the first bad place Verify found.
type Problem struct {
	Seq     int64  `json:"seq"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%s at seq %d: %s", p.Kind, p.Seq, p.Message) }

// Report is the outcome of Verify.
type Report struct {
	OK                 bool     `json:"ok"`
	Entries            int64    `json:"entries"`
	FirstSeq           int64    `json:"first_seq"`
	LastSeq            int64    `json:"last_seq"`
	HeadHash           string   `json:"head_hash"`
	CheckpointsChecked int      `json:"checkpoints_checked"`
	Problem            *Problem `json:"problem,omitempty"`
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Trusted are the public keys checkpoints must be signed with; empty
	// accepts any key whose signature matches.
	Trusted []ed25519.PublicKey
	// External are checkpoints kept outside the database (an exported
	// file): they catch a truncated or rewritten log even when the stored
	// checkpoints were deleted with it.
	External []access.Checkpoint
}

// errStop ends a scan at the first problem.
var errStop = errors.New("stop")

// Verify checks the whole decision log in st: every entry's hash, every
// link, and every checkpoint (stored and opts.External): its signature, and
// that the log still holds the entry it pins, with the same hash and the
// same number of entries up to it. It reports the first bad place; the
// error is for failures to read the log, not for a bad log.
func Verify(ctx context.Context, st store.Store, opts VerifyOptions) (Report, error) {
	var (
		rep      Report
		stored   []access.Checkpoint
		prune    *access.Checkpoint
		cps      []access.Checkpoint
		prevSeq  int64
		prevHash []byte
		first    = true
		count    int64
		x        access.ChainHasher
		bad      *access.AuditEntry // the entry at the first chain problem, for classification
	)
	fail := func(seq int64, kind, format string, args ...any) error {
		rep.Problem = &Problem{Seq: seq, Kind: kind, Message: fmt.Sprintf(format, args...)}
		return errStop
	}
	err := st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if stored, err = tx.ListCheckpoints(ctx); err != nil {
			return err
		}
		PruneRanges(stored)
		// Signatures first: a forged checkpoint proves nothing.
		all := append(append([]access.Checkpoint(nil), stored...), opts.External...)
		for i, c := range all {
			if err := CheckSignature(c, opts.Trusted); err != nil {
				src := fmt.Sprintf("stored checkpoint %d", c.ID)
				if i >= len(stored) {
					src = fmt.Sprintf("external checkpoint %d", i-len(stored)+1)
				}
				return fail(c.Seq, ProblemCheckpoint, "%s (seq %d, %s): %v", src, c.Seq, c.At.Format("2006-01-02T15:04:05Z07:00"), err)
			}
			if c.Kind == KindPrune && (prune == nil || c.Seq > prune.Seq) {
				prune = &all[i]
			}
		}
		if err := checkPruneSeries(all); err != nil {
			rep.Problem = err
			return errStop
		}
		var baseSeq int64
		expectPrev := access.ChainGenesis
		if prune != nil {
			baseSeq, expectPrev, count = prune.Seq, prune.Hash, prune.Count
		}
		for _, c := range all {
			if c.Seq > baseSeq {
				cps = append(cps, c)
			} else {
				// It pins the empty log or a pruned range: the first
				// entry's link to the pruning checkpoint covers it.
				rep.CheckpointsChecked++
			}
		}
		sort.SliceStable(cps, func(i, j int) bool { return cps[i].Seq < cps[j].Seq })
		ci := 0
		prevSeq, prevHash = baseSeq, expectPrev
		return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
			if first {
				rep.FirstSeq = en.Seq
				if en.Seq <= baseSeq {
					return fail(en.Seq, ProblemReordered, "entry %d is older than the pruning checkpoint at seq %d", en.Seq, baseSeq)
				}
			}
			h := x.Hash(en.PrevHash, en.Seq, en.Event)
			switch {
			case !access.ChainEqual(h, en.Hash):
				bad = &en
				return fail(en.Seq, ProblemEdited, "entry %d (%s of %s by %s) does not match its hash: a field, its prev_hash or its hash was changed",
					en.Seq, en.Event.Type, orDash(en.Event.RequestID), orDash(en.Event.Actor.UserName))
			case !access.ChainEqual(en.PrevHash, prevHash) && en.Seq > prevSeq+1:
				if first && prune == nil {
					return fail(1, ProblemDeleted, "entries 1 to %d are missing: entry %d does not start the chain", en.Seq-1, en.Seq)
				}
				if first {
					return fail(prevSeq+1, ProblemDeleted, "entries %d to %d are missing: entry %d does not follow the pruning checkpoint's anchor (entry %d)",
						prevSeq+1, en.Seq-1, en.Seq, prevSeq)
				}
				return fail(prevSeq+1, ProblemDeleted, "entries %d to %d are missing: entry %d does not follow entry %d", prevSeq+1, en.Seq-1, en.Seq, prevSeq)
			case !access.ChainEqual(en.PrevHash, prevHash):
				bad = &en
				return fail(en.Seq, ProblemDeleted, "entry %d does not follow entry %d: the entry it followed was removed or replaced", en.Seq, prevSeq)
			}
			count++
			for ; ci < len(cps) && cps[ci].Seq <= en.Seq; ci++ {
				c := cps[ci]
				rep.CheckpointsChecked++
				if c.Seq < en.Seq {
					return fail(c.Seq, ProblemDeleted, "entry %d, pinned by the checkpoint of %s, is missing", c.Seq, c.At.Format("2006-01-02T15:04:05Z"))
				}
				if !access.ChainEqual(c.Hash, en.Hash) {
					return fail(c.Seq, ProblemRewritten, "entry %d has hash %x but the checkpoint of %s signed %x: the log was rewritten up to here",
						c.Seq, en.Hash[:8], c.At.Format("2006-01-02T15:04:05Z"), c.Hash[:min(8, len(c.Hash))])
				}
				if c.Count != count {
					return fail(c.Seq, ProblemDeleted, "the log holds %d entries up to %d, the checkpoint of %s counted %d",
						count, c.Seq, c.At.Format("2006-01-02T15:04:05Z"), c.Count)
				}
			}
			first = false
			prevSeq, prevHash = en.Seq, en.Hash
			rep.Entries++
			rep.LastSeq = en.Seq
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStop) {
		return rep, fmt.Errorf("verify the audit log: %w", err)
	}
	if bad != nil {
		if err := classify(ctx, st, bad, rep.Problem); err != nil {
			return rep, err
		}
	}
	if rep.Problem == nil {
		for _, c := range cps {
			if c.Seq > rep.LastSeq {
				rep.Problem = &Problem{Seq: rep.LastSeq + 1, Kind: ProblemTruncated,
					Message: fmt.Sprintf("the log ends at entry %d but the checkpoint of %s pins entry %d (%d entries): entries %d to %d are missing",
						rep.LastSeq, c.At.Format("2006-01-02T15:04:05Z"), c.Seq, c.Count, rep.LastSeq+1, c.Seq)}
				break
			}
		}
	}
	if rep.LastSeq > 0 {
		rep.HeadHash = hex.EncodeToString(prevHash)
	}
	rep.OK = rep.Problem == nil
	return rep, nil
}

// classify looks again at the entry of a chain problem: if it is intact
// but belongs at another position, the log was reordered. An entry's true
// position is found by following prev_hash back to an entry that hashes
// correctly at its stored seq (or to the start of the chain).
func classify(ctx context.Context, st store.Store, bad *access.AuditEntry, p *Problem) error {
	type node struct {
		seq  int64
		prev []byte
		ok   bool // hashes correctly at its stored seq
	}
	nodes := map[string]node{}
	var x access.ChainHasher
	err := st.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
			nodes[string(en.Hash)] = node{seq: en.Seq, prev: en.PrevHash, ok: access.ChainEqual(x.Hash(en.PrevHash, en.Seq, en.Event), en.Hash)}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("verify the audit log: classify entry %d: %w", bad.Seq, err)
	}
	// home is the seq the entry after the one with hash h was appended at.
	home := func(h []byte) int64 {
		var steps int64
		for range len(nodes) + 1 {
			if access.ChainEqual(h, access.ChainGenesis) {
				return steps + 1
			}
			n, found := nodes[string(h)]
			if !found {
				return -1
			}
			if n.ok {
				return n.seq + steps + 1
			}
			h, steps = n.prev, steps+1
		}
		return -1
	}
	if at := home(bad.PrevHash); at > 0 && at != bad.Seq && access.ChainEqual(access.ChainHash(bad.PrevHash, at, bad.Event), bad.Hash) {
		p.Kind = ProblemReordered
		p.Message = fmt.Sprintf("entry %d (%s of %s by %s) was appended as entry %d: entries were moved",
			bad.Seq, bad.Event.Type, orDash(bad.Event.RequestID), orDash(bad.Event.Actor.UserName), at)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkPruneSeries checks that the pruning checkpoints (signatures already
// checked) summarize one contiguous range from entry 1: each starts right
// after the one before, and counts grow. A deleted pruning checkpoint
// leaves a hole that no entry can show any more.
func checkPruneSeries(all []access.Checkpoint) *Problem {
	var ps []access.Checkpoint
	for _, c := range all {
		if c.Kind == KindPrune {
			ps = append(ps, c)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Seq < ps[j].Seq })
	next, count := int64(1), int64(0)
	for i, c := range ps {
		if i > 0 && c.Seq == ps[i-1].Seq && access.ChainEqual(c.Hash, ps[i-1].Hash) && c.FirstSeq == ps[i-1].FirstSeq {
			continue // the same checkpoint, stored and exported
		}
		switch {
		case c.FirstSeq != next:
			return &Problem{Seq: next, Kind: ProblemCheckpoint, Message: fmt.Sprintf(
				"the pruning checkpoint of %s covers entries %d to %d, but the pruned entries before it end at %d: a pruning checkpoint is missing",
				c.At.Format("2006-01-02T15:04:05Z"), c.FirstSeq, c.Seq, next-1)}
		case c.Seq < c.FirstSeq || c.Count <= count:
			return &Problem{Seq: c.FirstSeq, Kind: ProblemCheckpoint, Message: fmt.Sprintf(
				"the pruning checkpoint of %s (entries %d to %d, count %d) does not follow the one before it (count %d)",
				c.At.Format("2006-01-02T15:04:05Z"), c.FirstSeq, c.Seq, c.Count, count)}
		}
		next, count = c.Seq+1, c.Count
	}
	return nil
}
