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

// TestVerifyAuditLogWorkers: hashing on several goroutines while the log
// is read gives the report the single-goroutine verification gives, over
// many batches, with the first problem in a middle batch, in the last
// (partial) batch, and with a malformed entry.
func TestVerifyAuditLogWorkers(t *testing.T) {
	t.Parallel()
	const n = 10_000
	for _, tc := range []struct {
		name   string
		tamper func([]access.AuditEntry)
		seq    int64
		kind   string
	}{
		{"untouched", func([]access.AuditEntry) {}, 0, ""},
		{"edited in a middle batch", func(l []access.AuditEntry) { l[4999].Event.Details = map[string]string{"comment": "forged"} }, 5000, audit.ProblemEdited},
		{"edited in the last batch", func(l []access.AuditEntry) { l[n-1].Event.Actor.UserName = "mallory" }, n, audit.ProblemEdited},
		{"deleted", nil, 3001, audit.ProblemDeleted},
		{"malformed", func(l []access.AuditEntry) { l[7000].DetailsError = `key "comment" appears twice` }, 7001, audit.ProblemMalformed},
	} {
		log := longChain(n)
		if tc.tamper != nil {
			tc.tamper(log)
		} else {
			log = append(log[:3000:3000], log[3001:]...)
		}
		var reps []audit.Report
		for _, workers := range []int{1, 2, 4} {
			rep, err := workflow.VerifyAuditLog(t.Context(), &logStore{entries: log}, audit.VerifyOptions{Workers: workers})
			if err != nil {
				t.Fatalf("%s, %d workers: %v", tc.name, workers, err)
			}
			reps = append(reps, rep)
		}
		for i, rep := range reps {
			switch {
			case tc.kind == "" && (!rep.OK || rep.Entries != n):
				t.Errorf("%s (run %d): %+v, want OK over %d entries", tc.name, i, rep, n)
			case tc.kind != "" && (rep.OK || rep.Problem.Seq != tc.seq || rep.Problem.Kind != tc.kind):
				t.Errorf("%s (run %d): %+v %+v, want %s at %d", tc.name, i, rep, rep.Problem, tc.kind, tc.seq)
			case rep.Entries != reps[0].Entries || rep.HeadHash != reps[0].HeadHash:
				t.Errorf("%s (run %d): %+v differs from the single-goroutine report %+v", tc.name, i, rep, reps[0])
			}
		}
	}
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
