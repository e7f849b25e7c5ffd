package workflow_test

import (
	"context"
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
