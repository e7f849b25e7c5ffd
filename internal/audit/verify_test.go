package audit_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
)

var verifyT0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// verify feeds log to a Verifier, as workflow does: entries up to the
// first problem, then every entry to its Classifier when it asks for one.
func verify(stored []access.Checkpoint, opts audit.VerifyOptions, log []access.AuditEntry) audit.Report {
	v := audit.NewVerifier(stored, opts)
	for _, en := range log {
		if v.Done() || v.Add(en) != nil {
			break
		}
	}
	if c := v.Classifier(); c != nil {
		for _, en := range log {
			c.Add(en)
		}
		c.Classify()
	}
	return v.Report()
}

// signedHead is a checkpoint of log's entry seq, signed with key.
func signedHead(log []access.AuditEntry, seq int64, key ed25519.PrivateKey) access.Checkpoint {
	head := log[seq-1]
	c := audit.HeadCheckpoint(&head, seq, nil)
	c.At, c.Kind = verifyT0.Add(time.Hour), audit.KindManual
	audit.Sign(&c, key)
	return c
}

func wantProblem(t *testing.T, rep audit.Report, seq int64, kind, message string) {
	t.Helper()
	if rep.OK || rep.Problem == nil || rep.Problem.Seq != seq || rep.Problem.Kind != kind || !strings.Contains(rep.Problem.Message, message) {
		t.Fatalf("report %+v, problem %+v; want %s at seq %d saying %q", rep, rep.Problem, kind, seq, message)
	}
}

func TestVerifierUntouched(t *testing.T) {
	t.Parallel()
	log := chain(10, verifyT0)
	key := testKey(1)
	rep := verify([]access.Checkpoint{signedHead(log, 10, key)}, audit.VerifyOptions{Trusted: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}}, log)
	if !rep.OK || rep.Entries != 10 || rep.FirstSeq != 1 || rep.LastSeq != 10 || rep.CheckpointsChecked != 1 || rep.HeadHash != hex.EncodeToString(log[9].Hash) {
		t.Fatalf("report %+v, problem %+v; want OK over entries 1 to 10 and one checkpoint", rep, rep.Problem)
	}
	if rep := verify(nil, audit.VerifyOptions{}, nil); !rep.OK || rep.Entries != 0 || rep.HeadHash != "" {
		t.Fatalf("empty log: %+v; want OK and no head", rep)
	}
}

func TestVerifierChainProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		tamper  func(log []access.AuditEntry) []access.AuditEntry
		seq     int64
		kind    string
		message string
	}{
		{"edited", func(log []access.AuditEntry) []access.AuditEntry {
			log[5].Event.Actor.UserName = "mallory"
			return log
		}, 6, audit.ProblemEdited, "entry 6 (request.approved of req_0 by mallory) does not match its hash"},
		{"deleted in the middle", func(log []access.AuditEntry) []access.AuditEntry {
			return append(log[:3], log[4:]...)
		}, 4, audit.ProblemDeleted, "entries 4 to 4 are missing: entry 5 does not follow entry 3"},
		{"deleted at the start", func(log []access.AuditEntry) []access.AuditEntry {
			return log[1:]
		}, 1, audit.ProblemDeleted, "entries 1 to 1 are missing: entry 2 does not start the chain"},
		{"replaced", func(log []access.AuditEntry) []access.AuditEntry {
			other := chain(10, verifyT0.Add(time.Minute))
			log[3] = other[3]
			return log
		}, 4, audit.ProblemDeleted, "entry 4 does not follow entry 3: the entry it followed was removed or replaced"},
		{"swapped", func(log []access.AuditEntry) []access.AuditEntry {
			log[2], log[6] = log[6], log[2]
			log[2].Seq, log[6].Seq = 3, 7
			return log
		}, 3, audit.ProblemReordered, "entry 3 (request.approved of req_1 by elevate) was appended as entry 7: entries were moved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantProblem(t, verify(nil, audit.VerifyOptions{}, tc.tamper(chain(10, verifyT0))), tc.seq, tc.kind, tc.message)
		})
	}
}

func TestVerifierCheckpointProblems(t *testing.T) {
	t.Parallel()
	log := chain(10, verifyT0)
	key := testKey(1)
	trusted := audit.VerifyOptions{Trusted: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}}

	// A log that ends before the entry a checkpoint pins was truncated.
	wantProblem(t, verify([]access.Checkpoint{signedHead(log, 10, key)}, trusted, log[:7]), 8, audit.ProblemTruncated,
		"the log ends at entry 7 but the checkpoint of")
	// Only an external checkpoint can tell once the stored ones are gone.
	ext := trusted
	ext.External = []access.Checkpoint{signedHead(log, 10, key)}
	wantProblem(t, verify(nil, ext, log[:7]), 8, audit.ProblemTruncated, "entries 8 to 10 are missing")

	// A consistent chain other than the one a checkpoint signed was rewritten.
	other := chain(10, verifyT0.Add(time.Minute))
	wantProblem(t, verify([]access.Checkpoint{signedHead(log, 5, key)}, trusted, other), 5, audit.ProblemRewritten, "the log was rewritten up to here")

	// A checkpoint signed with another key is named before any entry is read.
	forged := signedHead(log, 5, testKey(2))
	v := audit.NewVerifier([]access.Checkpoint{forged}, trusted)
	if !v.Done() {
		t.Fatal("a forged checkpoint left the verification open")
	}
	wantProblem(t, v.Report(), 5, audit.ProblemCheckpoint, "not the configured audit signing key")
	if p := v.Add(log[0]); p == nil || p.Kind != audit.ProblemCheckpoint || v.Classifier() != nil {
		t.Errorf("Add after the problem = %v; want the same problem and no second look", p)
	}
}

// TestVerifierMalformedDetails: an entry whose stored details did not
// decode (DetailsError) is tampering of that entry, even where its hash
// would match the details as decoded.
func TestVerifierMalformedDetails(t *testing.T) {
	t.Parallel()
	log := chain(5, verifyT0)
	log[2].DetailsError = `key "justification" appears twice`
	wantProblem(t, verify(nil, audit.VerifyOptions{}, log), 3, audit.ProblemMalformed, `appears twice`)
}
