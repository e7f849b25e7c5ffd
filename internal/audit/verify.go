package audit

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/elevate/elevate/internal/access"
)

// Problem kinds a Verifier reports.
const (
	ProblemEdited     = "edited"     // an entry's content does not match its hash
	ProblemDeleted    = "deleted"    // entries are missing from the middle of the log
	ProblemReordered  = "reordered"  // an intact entry is stored at another position than it was appended at
	ProblemTruncated  = "truncated"  // entries are missing from the end (seen against a checkpoint)
	ProblemRewritten  = "rewritten"  // the chain is consistent but differs from a signed checkpoint
	ProblemCheckpoint = "checkpoint" // a checkpoint's signature is bad or by an unknown key
	ProblemMalformed  = "malformed"  // an entry's stored details are not a JSON object of strings with unique keys
)

// Problem is the first bad place a Verifier found.
type Problem struct {
	Seq     int64  `json:"seq"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%s at seq %d: %s", p.Kind, p.Seq, p.Message) }

// Report is the outcome of a verification.
type Report struct {
	OK                 bool     `json:"ok"`
	Entries            int64    `json:"entries"`
	FirstSeq           int64    `json:"first_seq"`
	LastSeq            int64    `json:"last_seq"`
	HeadHash           string   `json:"head_hash"`
	CheckpointsChecked int      `json:"checkpoints_checked"`
	Problem            *Problem `json:"problem,omitempty"`
	// Anchored: anchor sinks outside the database are configured.
	// AnchoredSeq is the highest seq an anchor read from them covers;
	// Unanchored the entries after it, which no anchor protects.
	Anchored    bool  `json:"anchored"`
	AnchoredSeq int64 `json:"anchored_seq"`
	Unanchored  int64 `json:"unanchored"`
	// UnreadableSinks are configured sinks verify can't read anchors
	// back from (a webhook): they protect nothing verify can check.
	UnreadableSinks []string `json:"unreadable_sinks,omitempty"`
	// Error says why the log could not be verified at all (the database
	// or an anchor sink could not be read); OK is then false.
	Error string `json:"error,omitempty"`
}

// VerifyOptions tune a verification.
type VerifyOptions struct {
	// Trusted are the public keys checkpoints must be signed with; empty
	// accepts any key whose signature matches.
	Trusted []ed25519.PublicKey
	// External are checkpoints kept outside the database (an exported
	// file): they catch a truncated or rewritten log even when the stored
	// checkpoints were deleted with it.
	External []access.Checkpoint
}

// Verifier checks the decision log without reading it: the caller feeds it
// the stored checkpoints, then every entry in seq order, and it checks
// every entry's hash, every link, and every checkpoint (stored and
// external): its signature, and that the log still holds the entry it pins,
// with the same hash and the same number of entries up to it. It keeps the
// first bad place.
type Verifier struct {
	rep      Report
	prune    *access.Checkpoint  // the latest pruning checkpoint: the log's anchor
	baseSeq  int64               // the seq the anchor pins (0: the log was never pruned)
	cps      []access.Checkpoint // the checkpoints after the anchor, by seq
	ci       int                 // the next of cps to check
	prevSeq  int64
	prevHash []byte
	first    bool
	count    int64
	x        access.ChainHasher
	bad      *access.AuditEntry // the entry at the first chain problem, for a Classifier
}

// NewVerifier starts a verification against the stored checkpoints (as the
// store lists them; their pruned ranges are filled in here) and
// opts.External. Signatures are checked first, since a forged checkpoint
// proves nothing: when one is bad, Done is already true.
func NewVerifier(stored []access.Checkpoint, opts VerifyOptions) *Verifier {
	v := &Verifier{first: true}
	PruneRanges(stored)
	all := append(append([]access.Checkpoint(nil), stored...), opts.External...)
	for i, c := range all {
		if err := CheckSignature(c, opts.Trusted); err != nil {
			src := fmt.Sprintf("stored checkpoint %d", c.ID)
			if i >= len(stored) {
				src = fmt.Sprintf("external checkpoint %d", i-len(stored)+1)
			}
			v.rep.Problem = &Problem{Seq: c.Seq, Kind: ProblemCheckpoint,
				Message: fmt.Sprintf("%s (seq %d, %s): %v", src, c.Seq, c.At.Format("2006-01-02T15:04:05Z07:00"), err)}
			return v
		}
		if c.Kind == KindPrune && (v.prune == nil || c.Seq > v.prune.Seq) {
			v.prune = &all[i]
		}
	}
	if p := checkPruneSeries(all); p != nil {
		v.rep.Problem = p
		return v
	}
	expectPrev := access.ChainGenesis
	if v.prune != nil {
		v.baseSeq, expectPrev, v.count = v.prune.Seq, v.prune.Hash, v.prune.Count
	}
	for _, c := range all {
		if c.Seq > v.baseSeq {
			v.cps = append(v.cps, c)
		} else {
			// It pins the empty log or a pruned range: the first
			// entry's link to the pruning checkpoint covers it.
			v.rep.CheckpointsChecked++
		}
	}
	sort.SliceStable(v.cps, func(i, j int) bool { return v.cps[i].Seq < v.cps[j].Seq })
	v.prevSeq, v.prevHash = v.baseSeq, expectPrev
	return v
}

// fail records the problem at seq and returns it.
func (v *Verifier) fail(seq int64, kind, format string, args ...any) *Problem {
	v.rep.Problem = &Problem{Seq: seq, Kind: kind, Message: fmt.Sprintf(format, args...)}
	return v.rep.Problem
}

// Done reports whether a problem was found: the verification needs no
// more entries.
func (v *Verifier) Done() bool { return v.rep.Problem != nil }

// Add checks the next entry of the log, in seq order, and returns the
// problem it found there, or nil. Once it returned a problem the
// verification is done and Add returns that problem again.
func (v *Verifier) Add(en access.AuditEntry) *Problem {
	if v.rep.Problem != nil {
		return v.rep.Problem
	}
	return v.AddHashed(en, access.ChainEqual(v.x.Entry(en), en.Hash))
}

// AddHashed is Add for an entry whose hash the caller already checked:
// hashOK says whether hashing en under its chain version
// (access.ChainHasher.Entry) gives en.Hash. Hashing is the one check that
// needs nothing from the entries before, so callers do it on every core.
func (v *Verifier) AddHashed(en access.AuditEntry, hashOK bool) *Problem {
	if v.rep.Problem != nil {
		return v.rep.Problem
	}
	if v.first {
		v.rep.FirstSeq = en.Seq
		if en.Seq <= v.baseSeq {
			return v.fail(en.Seq, ProblemReordered, "entry %d is older than the pruning checkpoint at seq %d", en.Seq, v.baseSeq)
		}
	}
	if en.DetailsError != "" {
		// elevate never writes such details: the entry was written or
		// edited outside it, whatever its hash says.
		return v.fail(en.Seq, ProblemMalformed, "entry %d (%s of %s by %s) has malformed details (%s): it was written or edited outside elevate",
			en.Seq, en.Event.Type, orDash(en.Event.RequestID), orDash(en.Event.Actor.UserName), en.DetailsError)
	}
	switch {
	case !hashOK:
		v.keepBad(en)
		return v.fail(en.Seq, ProblemEdited, "entry %d (%s of %s by %s) does not match its hash: a field, its prev_hash or its hash was changed",
			en.Seq, en.Event.Type, orDash(en.Event.RequestID), orDash(en.Event.Actor.UserName))
	case !access.ChainEqual(en.PrevHash, v.prevHash) && en.Seq > v.prevSeq+1:
		if v.first && v.prune == nil {
			return v.fail(1, ProblemDeleted, "entries 1 to %d are missing: entry %d does not start the chain", en.Seq-1, en.Seq)
		}
		if v.first {
			return v.fail(v.prevSeq+1, ProblemDeleted, "entries %d to %d are missing: entry %d does not follow the pruning checkpoint's anchor (entry %d)",
				v.prevSeq+1, en.Seq-1, en.Seq, v.prevSeq)
		}
		return v.fail(v.prevSeq+1, ProblemDeleted, "entries %d to %d are missing: entry %d does not follow entry %d", v.prevSeq+1, en.Seq-1, en.Seq, v.prevSeq)
	case !access.ChainEqual(en.PrevHash, v.prevHash):
		v.keepBad(en)
		return v.fail(en.Seq, ProblemDeleted, "entry %d does not follow entry %d: the entry it followed was removed or replaced", en.Seq, v.prevSeq)
	}
	v.count++
	for ; v.ci < len(v.cps) && v.cps[v.ci].Seq <= en.Seq; v.ci++ {
		c := v.cps[v.ci]
		v.rep.CheckpointsChecked++
		if c.Seq < en.Seq {
			return v.fail(c.Seq, ProblemDeleted, "entry %d, pinned by the checkpoint of %s, is missing", c.Seq, c.At.Format("2006-01-02T15:04:05Z"))
		}
		if !access.ChainEqual(c.Hash, en.Hash) {
			return v.fail(c.Seq, ProblemRewritten, "entry %d has hash %x but the checkpoint of %s signed %x: the log was rewritten up to here",
				c.Seq, en.Hash[:8], c.At.Format("2006-01-02T15:04:05Z"), c.Hash[:min(8, len(c.Hash))])
		}
		if c.Count != v.count {
			return v.fail(c.Seq, ProblemDeleted, "the log holds %d entries up to %d, the checkpoint of %s counted %d",
				v.count, c.Seq, c.At.Format("2006-01-02T15:04:05Z"), c.Count)
		}
	}
	v.first = false
	v.prevSeq, v.prevHash = en.Seq, en.Hash
	v.rep.Entries++
	v.rep.LastSeq = en.Seq
	return nil
}

// keepBad keeps the entry of a chain problem for the Classifier (a copy,
// so that en itself stays off the heap on every other call).
func (v *Verifier) keepBad(en access.AuditEntry) {
	bad := en
	v.bad = &bad
}

// Report is the outcome once every entry was added (or a problem found):
// with no problem in the entries, a checkpoint that pins an entry after the
// last one shows the log was truncated.
func (v *Verifier) Report() Report {
	rep := v.rep
	if rep.Problem == nil {
		for _, c := range v.cps {
			if c.Seq > rep.LastSeq {
				rep.Problem = &Problem{Seq: rep.LastSeq + 1, Kind: ProblemTruncated,
					Message: fmt.Sprintf("the log ends at entry %d but the checkpoint of %s pins entry %d (%d entries): entries %d to %d are missing",
						rep.LastSeq, c.At.Format("2006-01-02T15:04:05Z"), c.Seq, c.Count, rep.LastSeq+1, c.Seq)}
				break
			}
		}
	}
	if rep.LastSeq > 0 {
		rep.HeadHash = hex.EncodeToString(v.prevHash)
	}
	rep.OK = rep.Problem == nil
	return rep
}

// Classifier returns the second look the problem found needs, or nil when
// it needs none. A chain problem at an entry may be an entry that is intact
// but stored at another position: telling that apart takes every entry of
// the log, before and after it, which the verification does not keep.
func (v *Verifier) Classifier() *Classifier {
	if v.bad == nil {
		return nil
	}
	return &Classifier{bad: *v.bad, problem: v.rep.Problem, nodes: map[string]chainNode{}}
}

// Classifier takes the second look at the entry of a chain problem: fed
// every entry of the log, Classify tells whether the entry is intact but
// belongs at another position (the log was reordered), and then rewrites
// the verifier's problem to say so.
type Classifier struct {
	bad     access.AuditEntry
	problem *Problem
	nodes   map[string]chainNode // by hash
	x       access.ChainHasher
}

// chainNode is what the classification keeps of an entry.
type chainNode struct {
	seq  int64
	prev []byte
	ok   bool // hashes correctly at its stored seq
}

// BadSeq is the seq of the entry being classified.
func (c *Classifier) BadSeq() int64 { return c.bad.Seq }

// Add indexes an entry of the log.
func (c *Classifier) Add(en access.AuditEntry) {
	c.nodes[string(en.Hash)] = chainNode{seq: en.Seq, prev: en.PrevHash, ok: en.DetailsError == "" && access.ChainEqual(c.x.Entry(en), en.Hash)}
}

// Classify decides once every entry was added. An entry's true position is
// found by following prev_hash back to an entry that hashes correctly at its
// stored seq (or to the start of the chain).
func (c *Classifier) Classify() {
	// home is the seq the entry after the one with hash h was appended at.
	home := func(h []byte) int64 {
		var steps int64
		for range len(c.nodes) + 1 {
			if access.ChainEqual(h, access.ChainGenesis) {
				return steps + 1
			}
			n, found := c.nodes[string(h)]
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
	bad := c.bad
	if at := home(bad.PrevHash); at > 0 && at != bad.Seq && access.ChainEqual(c.x.EntryAt(bad, at), bad.Hash) {
		c.problem.Kind = ProblemReordered
		c.problem.Message = fmt.Sprintf("entry %d (%s of %s by %s) was appended as entry %d: entries were moved",
			bad.Seq, bad.Event.Type, orDash(bad.Event.RequestID), orDash(bad.Event.Actor.UserName), at)
	}
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
