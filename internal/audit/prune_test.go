package audit_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
)

func TestHeadCheckpoint(t *testing.T) {
	t.Parallel()
	log := chain(3, verifyT0)
	if c := audit.HeadCheckpoint(nil, 0, nil); c.Seq != 0 || c.Count != 0 || !access.ChainEqual(c.Hash, access.ChainGenesis) {
		t.Errorf("empty log: %+v; want the genesis", c)
	}
	if c := audit.HeadCheckpoint(&log[2], 3, nil); c.Seq != 3 || c.Count != 3 || !access.ChainEqual(c.Hash, log[2].Hash) {
		t.Errorf("three entries: %+v; want entry 3", c)
	}
	pruned := []access.Checkpoint{{Kind: audit.KindPrune, Seq: 7, Count: 7, Hash: []byte{7}}}
	if c := audit.HeadCheckpoint(&log[2], 3, pruned); c.Seq != 3 || c.Count != 10 {
		t.Errorf("after a pruning of 7: %+v; want entry 3 counting 10", c)
	}
	if c := audit.HeadCheckpoint(nil, 0, pruned); c.Seq != 7 || c.Count != 7 || !access.ChainEqual(c.Hash, []byte{7}) {
		t.Errorf("everything pruned: %+v; want the pruning anchor", c)
	}
}

func TestPruneRange(t *testing.T) {
	t.Parallel()
	log := chain(10, verifyT0)
	take := func(pr *audit.PruneRange, after int64) {
		for _, en := range log[after:] {
			if !pr.Add(en) {
				return
			}
		}
	}
	// Entries older than the cutoff, from the start.
	pr, after := audit.NewPruneRange(nil, verifyT0.Add(5*time.Second), 10)
	take(pr, after)
	if after != 0 || pr.First != 1 || pr.Last != 5 || pr.N != 5 || pr.PrevCount != 0 || !access.ChainEqual(pr.Hash, log[4].Hash) {
		t.Fatalf("range = %+v after %d; want entries 1 to 5", pr, after)
	}
	key := testKey(1)
	at := verifyT0.Add(time.Hour)
	c := pr.Checkpoint(at, key)
	if c.Kind != audit.KindPrune || c.FirstSeq != 1 || c.Seq != 5 || c.Count != 5 || audit.CheckSignature(c, nil) != nil {
		t.Errorf("checkpoint = %+v; want a signed pruning checkpoint of entries 1 to 5", c)
	}
	c.ID = 42
	e := pr.Event(c, access.SystemActor, at)
	d := e.Details
	if e.Type != audit.EventAuditPruned || d["first_seq"] != "1" || d["last_seq"] != "5" || d["count"] != "5" ||
		d["anchor_hash"] != hex.EncodeToString(log[4].Hash) || d["checkpoint_id"] != "42" || d["before"] != "2026-03-04T05:06:12Z" {
		t.Errorf("event = %+v", e)
	}

	// After a pruning checkpoint, and never the head the pruning started at.
	pr, after = audit.NewPruneRange([]access.Checkpoint{c}, verifyT0.Add(time.Hour), 8)
	take(pr, after)
	if after != 5 || pr.First != 6 || pr.Last != 7 || pr.N != 2 || pr.PrevCount != 5 {
		t.Fatalf("range = %+v after %d; want entries 6 and 7 after the pruned 5", pr, after)
	}
}
