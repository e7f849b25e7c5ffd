package audit

import (
	"crypto/ed25519"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Decision-log entries that retention writes.
const (
	// EventAuditPruned: entries first_seq to last_seq were deleted; the
	// pruning checkpoint checkpoint_id is their anchor.
	EventAuditPruned access.EventType = "audit.pruned"
	// EventRequestsPruned: the requests request_ids were deleted with their
	// grants, approvals and notifications.
	EventRequestsPruned access.EventType = "retention.requests_pruned"
	// EventActivityPruned: count session activity records older than
	// before were deleted.
	EventActivityPruned access.EventType = "retention.activity_pruned"
)

// Retention says how long records are kept; zero keeps them forever.
type Retention struct {
	// Requests: terminal requests (with their grants, approvals,
	// notifications), counted from their last update.
	Requests time.Duration
	// Activity: session activity, counted from when it was fetched.
	Activity time.Duration
	// Audit: decision-log entries, counted from their time. Entries are
	// pruned only from the start of the log, up to the first one that is
	// still young enough, and never the last one.
	Audit time.Duration
}

// Enabled reports whether anything is ever pruned.
func (r Retention) Enabled() bool { return r.Requests > 0 || r.Activity > 0 || r.Audit > 0 }

// PruneOptions tune a pruning run.
type PruneOptions struct {
	Retention
	// DryRun counts what would be pruned and deletes nothing.
	DryRun bool
	// Batch is how many requests, or audit entries, one transaction
	// deletes. Default 100 requests and 10,000 entries.
	Batch int
	// Actor is who prunes (the CLI's operator, or the system job).
	// Default: the system.
	Actor access.Actor
}

// PruneReport says what a pruning run deleted (or would delete, in a dry run).
type PruneReport struct {
	DryRun bool `json:"dry_run"`
	// Requests deleted, and the cutoff of their last update.
	Requests       int       `json:"requests"`
	RequestsBefore time.Time `json:"requests_before,omitzero"`
	// Activity records deleted (0 while session activity is not stored).
	Activity       int64     `json:"activity"`
	ActivityBefore time.Time `json:"activity_before,omitzero"`
	// AuditEntries deleted, the range they covered, and the cutoff.
	AuditEntries  int64     `json:"audit_entries"`
	AuditFirstSeq int64     `json:"audit_first_seq,omitempty"`
	AuditLastSeq  int64     `json:"audit_last_seq,omitempty"`
	AuditBefore   time.Time `json:"audit_before,omitzero"`
	// Checkpoints are the pruning checkpoints written, one per batch.
	Checkpoints []CheckpointJSON `json:"checkpoints,omitempty"`
}

// MaxRequestIDs bounds the request ids listed in one EventRequestsPruned,
// and so how many requests one pruning transaction deletes.
const MaxRequestIDs = 100

// RequestsPrunedEvent is the entry saying the requests ids, last updated
// before before, were deleted.
func RequestsPrunedEvent(ids []string, before time.Time, actor access.Actor, at time.Time) access.Event {
	return access.Event{Type: EventRequestsPruned, At: at, Actor: actor, Details: map[string]string{
		"count":          strconv.Itoa(len(ids)),
		"updated_before": before.Format(time.RFC3339Nano),
		"request_ids":    strings.Join(ids, ","),
	}}
}

// ActivityPrunedEvent is the entry saying n session activity records older
// than before were deleted.
func ActivityPrunedEvent(n int64, before time.Time, actor access.Actor, at time.Time) access.Event {
	return access.Event{Type: EventActivityPruned, At: at, Actor: actor, Details: map[string]string{
		"count": strconv.FormatInt(n, 10), "before": before.Format(time.RFC3339Nano)}}
}

// LastPrune is the latest pruning checkpoint of cps, or nil.
func LastPrune(cps []access.Checkpoint) *access.Checkpoint {
	var p *access.Checkpoint
	for i := range cps {
		if cps[i].Kind == KindPrune && (p == nil || cps[i].Seq > p.Seq) {
			p = &cps[i]
		}
	}
	return p
}

// HeadCheckpoint is the unsigned checkpoint of the log's head: head is the
// last stored entry (nil: none), n how many entries are stored, cps the
// stored checkpoints. Its count includes the entries pruned before the
// stored ones; when every entry was pruned it pins the last pruning
// checkpoint's anchor.
func HeadCheckpoint(head *access.AuditEntry, n int64, cps []access.Checkpoint) access.Checkpoint {
	c := access.Checkpoint{Seq: 0, Hash: access.ChainGenesis, Count: 0}
	if head != nil {
		c = access.Checkpoint{Seq: head.Seq, Hash: head.Hash, Count: n}
	}
	if p := LastPrune(cps); p != nil {
		c.Count += p.Count
		if n == 0 {
			c.Seq, c.Hash = p.Seq, p.Hash
		}
	}
	return c
}

// PruneRange collects the next range of entries to prune from the start of
// the log: First to Last (N entries), the hash of Last (the new anchor),
// and the count the previous pruning checkpoint ended at.
type PruneRange struct {
	First, Last, N, PrevCount int64
	Hash                      []byte

	before time.Time
	stop   int64
}

// NewPruneRange starts the range of entries older than before, all before
// entry stop (the head when the pruning started), right after the last
// pruning checkpoint of cps. after is the seq to read the entries after.
func NewPruneRange(cps []access.Checkpoint, before time.Time, stop int64) (pr *PruneRange, after int64) {
	pr = &PruneRange{First: 1, before: before, stop: stop}
	if p := LastPrune(cps); p != nil {
		after, pr.First, pr.PrevCount = p.Seq, p.Seq+1, p.Count
	}
	return pr, after
}

// Add takes the next entry, in seq order, into the range, or reports false
// when the entry is kept: the range ends before it.
func (pr *PruneRange) Add(en access.AuditEntry) bool {
	if en.Seq >= pr.stop || en.Hash == nil || !en.Event.At.Before(pr.before) {
		return false
	}
	pr.Last, pr.Hash = en.Seq, en.Hash
	pr.N++
	return true
}

// Checkpoint is the range's pruning checkpoint at at, signed with key: it
// anchors the entries after the range.
func (pr *PruneRange) Checkpoint(at time.Time, key ed25519.PrivateKey) access.Checkpoint {
	c := access.Checkpoint{Seq: pr.Last, Hash: pr.Hash, Count: pr.PrevCount + pr.N, FirstSeq: pr.First, At: at, Kind: KindPrune}
	Sign(&c, key)
	return c
}

// Event is the entry saying the range was pruned, anchored by the stored
// checkpoint c.
func (pr *PruneRange) Event(c access.Checkpoint, actor access.Actor, at time.Time) access.Event {
	return access.Event{Type: EventAuditPruned, At: at, Actor: actor, Details: map[string]string{
		"first_seq":     strconv.FormatInt(pr.First, 10),
		"last_seq":      strconv.FormatInt(pr.Last, 10),
		"count":         strconv.FormatInt(pr.N, 10),
		"anchor_hash":   hex.EncodeToString(pr.Hash),
		"checkpoint_id": strconv.FormatInt(c.ID, 10),
		"before":        pr.before.Format(time.RFC3339Nano),
	}}
}
