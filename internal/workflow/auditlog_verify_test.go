package workflow_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/workflow"
)

func (t logTx) ListCheckpoints(context.Context) ([]access.Checkpoint, error) { return nil, nil }

// longChain is a real chain of n entries.
func longChain(n int) []access.AuditEntry {
	t0 := time.Date(2026, 4, 5, 6, 7, 8, 0, time.UTC)
	out := make([]access.AuditEntry, 0, n)
	var seq int64
	var head []byte
	for i := range n {
		e := access.Event{Type: access.EventApproved, RequestID: fmt.Sprintf("r%d", i/4), At: t0.Add(time.Duration(i) * time.Second),
			Actor: access.Actor{UserName: "alice", Via: access.ViaAPI}, Details: map[string]string{"comment": "ok"}}
		s, prev, h := access.ChainLink(seq, head, e)
		out = append(out, access.AuditEntry{Seq: s, PrevHash: prev, Hash: h, Event: e})
		seq, head = s, h
	}
	return out
}

// memSink is an anchor sink in memory that can be read back.
type memSink struct{ anchors []audit.Anchor }

func (m *memSink) Name() string { return "memory" }
func (m *memSink) Publish(_ context.Context, a audit.Anchor) error {
	m.anchors = append(m.anchors, a)
	return nil
}
func (m *memSink) Anchors(context.Context) ([]audit.Anchor, error) { return m.anchors, nil }
func (m *memSink) LastSeq(context.Context) (int64, error) {
	var last int64
	for _, a := range m.anchors {
		last = max(last, a.Checkpoint.Seq)
	}
	return last, nil
}

// TestVerifyAsReadsAnchors: the auditors' verification (the API's) uses
// the configured anchor sinks, so it names an entry rewritten after it
// was anchored, as the CLI does.
func TestVerifyAsReadsAnchors(t *testing.T) {
	t.Parallel()
	log := longChain(5)
	sink := &memSink{}
	st := &logStore{entries: log}
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	l, err := workflow.NewAuditLog(workflow.AuditLogDeps{Store: st, Key: key, Anchors: []workflow.AnchorSink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	// An anchor of the log as it is, published outside the store fake
	// (which can't write checkpoints).
	a := audit.Anchor{Checkpoint: access.Checkpoint{Seq: 5, Hash: log[4].Hash, Count: 5, At: log[4].Event.At, Kind: audit.KindAnchor}, Hashes: map[int64][]byte{}}
	for _, en := range log {
		a.Hashes[en.Seq] = en.Hash
	}
	audit.Sign(&a.Checkpoint, key)
	if err := sink.Publish(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	auditor := access.Actor{Auditor: true}
	if rep, err := l.VerifyAs(t.Context(), auditor); err != nil || !rep.OK || !rep.Anchored || rep.Unanchored != 0 {
		t.Fatalf("VerifyAs of the anchored log = %+v, %v", rep, err)
	}
	// Rewrite entries 2 to 5 with their hashes recomputed.
	prev := log[0].Hash
	for i := 1; i < 5; i++ {
		log[i].Event.Details = map[string]string{"comment": "forged"}
		log[i].PrevHash, log[i].Hash = prev, access.ChainHash(prev, log[i].Seq, log[i].Event)
		prev = log[i].Hash
	}
	rep, err := l.VerifyAs(t.Context(), auditor)
	if err != nil || rep.OK || rep.Problem.Seq != 2 || rep.Problem.Kind != audit.ProblemRewritten {
		t.Fatalf("VerifyAs of the rewritten log = %+v %+v, %v; want rewritten at seq 2", rep, rep.Problem, err)
	}
}
